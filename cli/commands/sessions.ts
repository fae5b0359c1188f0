// `spark sessions list|status|sleep|wake|extend`. A SESSION is named by its id, a unique prefix of
// it, or its name.
import { extendSessionBody, listSessionsQuery, type SessionView } from '../../contracts/api';
import type { CommandGroup, Context } from '../command';
import { CliError, UsageError } from '../errors';
import { relativeTime, table } from '../output';

const sessionsPath = (projectId: string) => `/api/projects/${projectId}/sessions`;

/** The project's sessions as listed (a listing never wakes one, unlike opening it). */
async function listOf(ctx: Context, query: Record<string, string | undefined> = {}) {
  const project = await ctx.project();
  const { items } = await (await ctx.api()).json<{ items: SessionView[] }>('GET', sessionsPath(project.id), { query });
  return { project, items };
}

/** The session `ref` names: an exact id, a unique id prefix, or a unique name. */
export async function resolveSession(ctx: Context, ref: string): Promise<{ projectId: string; session: SessionView | null }> {
  const { project, items } = await listOf(ctx);
  const exact = items.find((s) => s.id === ref);
  if (exact) return { projectId: project.id, session: exact };
  for (const matches of [items.filter((s) => s.id.startsWith(ref.toLowerCase())), items.filter((s) => s.name === ref)]) {
    if (matches.length === 1) return { projectId: project.id, session: matches[0]! };
    if (matches.length > 1) throw new CliError(`'${ref}' names ${matches.length} sessions (${matches.map((s) => s.id.slice(0, 8)).join(', ')}); give more of the id`);
  }
  return { projectId: project.id, session: null };
}

async function requireSession(ctx: Context, ref: string) {
  const { projectId, session } = await resolveSession(ctx, ref);
  if (!session) throw new CliError(`no session '${ref}' in this project ('spark sessions list' shows them)`);
  return { projectId, session };
}

async function changeState(ctx: Context, ref: string, action: 'sleep' | 'wake') {
  const { projectId, session } = await requireSession(ctx, ref);
  const now = await (await ctx.api()).json<SessionView>('POST', `${sessionsPath(projectId)}/${session.id}/${action}`);
  ctx.out.result(now, () => `${now.name}: ${session.state === now.state ? `already ${now.state}` : `${session.state} → ${now.state}`}`);
}

const rowOf = (s: SessionView) => [s.id.slice(0, 8), s.name, s.state, relativeTime(s.last_active_at), s.expires_at ? relativeTime(s.expires_at) : 'never'];
const HEADERS = ['ID', 'NAME', 'STATE', 'LAST ACTIVE', 'EXPIRES'];

function describe(s: SessionView) {
  return [
    `${s.name} (${s.id})`,
    `  state        ${s.state}`,
    `  created      ${relativeTime(s.created_at)} (${s.created_at})`,
    `  last active  ${relativeTime(s.last_active_at)}${s.last_active_at ? ` (${s.last_active_at})` : ''}`,
    `  expires      ${s.expires_at ? `${relativeTime(s.expires_at)} (${s.expires_at})` : 'never'}`,
  ].join('\n');
}

export const sessions: CommandGroup = {
  name: 'sessions',
  summary: 'list sessions, show one, put one to sleep or wake it, extend its TTL',
  subcommands: {
    list: {
      summary: 'Sessions of the project, newest first.',
      options: { 'expiring-within': { type: 'string', value: 'D', help: 'only those whose TTL ends within D ("24h", "7d"), soonest first' } },
      async run(ctx, _args, o) {
        const within = o['expiring-within'] as string | undefined;
        if (within !== undefined) {
          const ok = listSessionsQuery.safeParse({ expiring_within: within });
          if (!ok.success) throw new UsageError(`--expiring-within ${within}: ${ok.error.issues[0]?.message}`);
        }
        const { project, items } = await listOf(ctx, { expiring_within: within });
        ctx.out.result({ project_id: project.id, items }, () =>
          items.length ? table(HEADERS, items.map(rowOf)) : `no sessions in ${project.name}${within ? ` expiring within ${within}` : ''}`,
        );
      },
    },
    status: {
      summary: 'One session: state, activity, TTL (read from the list, so looking does not wake it).',
      args: ['SESSION'],
      async run(ctx, { SESSION }) {
        const { session } = await requireSession(ctx, SESSION!);
        ctx.out.result(session, () => describe(session));
      },
    },
    sleep: {
      summary: 'Puts a session to sleep now, as the idle timeout would: its connections and waiting ops are let go.',
      args: ['SESSION'],
      run: (ctx, { SESSION }) => changeState(ctx, SESSION!, 'sleep'),
    },
    wake: {
      summary: 'Wakes a sleeping session (within the project quota of active sessions).',
      args: ['SESSION'],
      run: (ctx, { SESSION }) => changeState(ctx, SESSION!, 'wake'),
    },
    extend: {
      summary: 'Extends the TTL: the session then ends TTL after the later of now and its current end.',
      args: ['SESSION', 'TTL'],
      async run(ctx, { SESSION, TTL }) {
        const ok = extendSessionBody.safeParse({ ttl: TTL });
        if (!ok.success) throw new UsageError(`TTL ${TTL}: ${ok.error.issues[0]?.message}`);
        const { projectId, session } = await requireSession(ctx, SESSION!);
        const extended = await (await ctx.api()).json<SessionView>('POST', `${sessionsPath(projectId)}/${session.id}/extend`, { json: { ttl: TTL } });
        ctx.out.result(extended, () => `${extended.name}: ends ${relativeTime(extended.expires_at)} (${extended.expires_at})`);
      },
    },
  },
};
