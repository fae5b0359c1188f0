// `spark snapshot create|list|restore`: a session's scripts, history and settings kept under a
// name, and written back into a session by the agent (each write an undoable change). Restore
// waits for its writes and shows their progress unless --no-wait.
import { createSnapshotBody, type RestoreView, type SnapshotView } from '../../contracts/snapshots';
import type { OpView } from '../../contracts/ws';
import type { CommandGroup, Context } from '../command';
import { CliError, UsageError } from '../errors';
import { formatCount, relativeTime, table } from '../output';
import { resolveSession } from './sessions';

const sessionPath = (projectId: string, sessionId: string) => `/api/projects/${projectId}/sessions/${sessionId}`;
const FINAL: ReadonlySet<OpView['state']> = new Set(['succeeded', 'failed', 'expired']);

async function session(ctx: Context, ref: string) {
  const { projectId, session } = await resolveSession(ctx, ref);
  if (!session) throw new CliError(`no session '${ref}' in this project ('spark sessions list' shows them)`);
  return { projectId, session };
}

/** The snapshot `ref` names among `items`: an exact id, a unique id prefix, or a unique name. */
function pick(items: SnapshotView[], ref: string): SnapshotView {
  const exact = items.find((s) => s.id === ref);
  if (exact) return exact;
  for (const matches of [items.filter((s) => s.id.startsWith(ref.toLowerCase())), items.filter((s) => s.name === ref)]) {
    if (matches.length === 1) return matches[0]!;
    if (matches.length > 1) throw new CliError(`'${ref}' names ${matches.length} snapshots (${matches.map((s) => s.id.slice(0, 8)).join(', ')}); give more of the id`);
  }
  throw new CliError(`no snapshot '${ref}' in this project ('spark snapshot list' shows them)`);
}

/** Polls each queued write until it ends; returns the ops as they ended. */
async function waitForSteps(ctx: Context, restore: RestoreView, projectId: string, intervalMs = 1000): Promise<OpView[]> {
  const api = await ctx.api();
  const ended = new Map<string, OpView>();
  const bar = ctx.out.progress(() => `restoring: ${ended.size} of ${restore.steps.length} files written`);
  for (;;) {
    for (const step of restore.steps) {
      if (ended.has(step.call_id)) continue;
      const op = await api.json<OpView>('GET', `${sessionPath(projectId, restore.session_id)}/ops/${step.call_id}`);
      if (FINAL.has(op.state)) ended.set(step.call_id, op);
    }
    bar.tick();
    if (ended.size === restore.steps.length) break;
    await new Promise((r) => setTimeout(r, intervalMs));
  }
  bar.done();
  return restore.steps.map((s) => ended.get(s.call_id)!);
}

const rowOf = (s: SnapshotView) => [s.id.slice(0, 8), s.name, formatCount(s.files.length), formatCount(s.changes), s.session_id?.slice(0, 8) ?? '(deleted)', relativeTime(s.created_at)];

export const snapshot: CommandGroup = {
  name: 'snapshot',
  summary: "keep a session's scripts under a name, list them, restore one into a session",
  subcommands: {
    create: {
      summary: "Keeps the current text of every script SESSION touched, its change history and settings, as NAME.",
      args: ['SESSION', 'NAME'],
      async run(ctx, { SESSION, NAME }) {
        const ok = createSnapshotBody.safeParse({ name: NAME });
        if (!ok.success) throw new UsageError(`NAME ${NAME}: ${ok.error.issues[0]?.message}`);
        const { projectId, session: s } = await session(ctx, SESSION!);
        const made = await (await ctx.api()).json<SnapshotView>('POST', `${sessionPath(projectId, s.id)}/snapshots`, { json: { name: NAME } });
        ctx.out.result(made, () => `snapshot ${made.name} (${made.id}) of ${s.name}: ${formatCount(made.files.length)} files, ${formatCount(made.changes)} changes`);
      },
    },
    list: {
      summary: "Snapshots of the project (of SESSION when given), newest first.",
      args: ['SESSION?'],
      async run(ctx, { SESSION }) {
        const api = await ctx.api();
        let items: SnapshotView[];
        if (SESSION) {
          const { projectId, session: s } = await session(ctx, SESSION);
          items = (await api.json<{ items: SnapshotView[] }>('GET', `${sessionPath(projectId, s.id)}/snapshots`)).items;
        } else {
          const project = await ctx.project();
          items = (await api.json<{ items: SnapshotView[] }>('GET', `/api/projects/${project.id}/snapshots`)).items;
        }
        ctx.out.result({ items }, () => (items.length ? table(['ID', 'NAME', 'FILES', 'CHANGES', 'SESSION', 'TAKEN'], items.map(rowOf)) : 'no snapshots'));
      },
    },
    restore: {
      summary: 'Writes SNAPSHOT (id, id prefix or name) into SESSION: its scripts back as they were, those it lacks deleted; each write can be undone.',
      args: ['SESSION', 'SNAPSHOT'],
      options: { 'no-wait': { type: 'boolean', help: 'return once the writes are queued, without waiting for the agent' } },
      async run(ctx, { SESSION, SNAPSHOT }, o) {
        const { projectId, session: s } = await session(ctx, SESSION!);
        const api = await ctx.api();
        const snap = pick((await api.json<{ items: SnapshotView[] }>('GET', `/api/projects/${projectId}/snapshots`)).items, SNAPSHOT!);
        const restore = await api.json<RestoreView>('POST', `${sessionPath(projectId, s.id)}/snapshots/${snap.id}/restore`);
        if (o['no-wait']) {
          ctx.out.result(restore, () => `queued ${restore.steps.length} writes of ${snap.name} into ${s.name}`);
          return undefined;
        }
        const ops = await waitForSteps(ctx, restore, projectId);
        const failed = ops.filter((op) => op.state !== 'succeeded');
        ctx.out.result({ ...restore, ops }, () =>
          [
            `restored ${snap.name} into ${s.name}: ${restore.steps.length - failed.length} of ${restore.steps.length} writes succeeded`,
            ...restore.steps.flatMap((step, i) => (ops[i]!.state === 'succeeded' ? [] : [`  ${step.action} ${step.path}: ${ops[i]!.state}${ops[i]!.error ? ` (${ops[i]!.error!.message})` : ''}`])),
          ].join('\n'),
        );
        return failed.length ? 1 : undefined;
      },
    },
  },
};
