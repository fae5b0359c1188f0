// `spark login`: an email and password (the same login as the web UI: a short access token and a
// refresh token the CLI keeps to renew it) or a project API token (`--token`, `spk_…`, with its
// scope: `read` is enough to look, `ingest` to import). `spark logout` ends the sign-in.
import type { ProjectView } from '../../contracts/api';
import { apiFailure, REFRESH_COOKIE, signedIn, type SignInAnswer } from '../api';
import { loginFile, readLogin, removeLogin, writeLogin, type StoredLogin } from '../config';
import { normalEdge, type CommandGroup } from '../command';
import { CliError, UsageError } from '../errors';
import { askLine, askSecret } from '../prompt';

export const login: CommandGroup = {
  name: 'login',
  summary: 'log in to an edge (email and password, or --token) and remember it',
  command: {
    summary: 'Logs in and stores the login (0600) in your config directory. The password is asked without echo, or read from stdin when piped.',
    options: {
      email: { type: 'string', value: 'EMAIL', help: 'the account (asked when not given)' },
      token: { type: 'string', value: 'TOKEN', help: 'a project API token (spk_…) instead of an email login' },
    },
    async run(ctx, _args, o) {
      const previous = await readLogin(ctx.env);
      const edgeArg = ctx.global.edge ?? previous?.edge;
      if (!edgeArg) throw new UsageError('login: --edge URL is needed (where your Spark edge runs)');
      const edge = normalEdge(edgeArg);
      let stored: StoredLogin;
      if (typeof o.token === 'string') {
        if (o.email !== undefined) throw new UsageError('login: give --email or --token, not both');
        stored = { edge, kind: 'token', token: o.token };
      } else {
        const email = typeof o.email === 'string' ? o.email : await askLine('email: ');
        if (!email.includes('@')) throw new UsageError(`--email ${email}: not an email address`);
        const password = await askSecret('password: ');
        if (!password) throw new UsageError('login: empty password');
        const res = await fetch(new URL('/api/auth/login', edge), {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ email, password }),
        }).catch((err: Error) => {
          throw new CliError(`cannot reach ${edge}: ${err.message}`);
        });
        if (res.status !== 200) throw await apiFailure(res);
        stored = { edge, kind: 'user', ...signedIn((await res.json()) as SignInAnswer, res) };
      }
      const projects = await fetch(new URL('/api/projects', edge), { headers: { authorization: `Bearer ${stored.token}` } }).catch((err: Error) => {
        throw new CliError(`cannot reach ${edge}: ${err.message}`);
      });
      if (!projects.ok) throw await apiFailure(projects);
      const { items } = (await projects.json()) as { items: ProjectView[] };
      const wanted = ctx.global.project;
      const chosen = wanted ? (items.find((p) => p.id === wanted) ?? items.find((p) => p.name === wanted)) : items.length === 1 ? items[0] : undefined;
      if (wanted && !chosen) throw new UsageError(`--project ${wanted}: not a project of this login (${items.map((p) => p.name).join(', ') || 'none'})`);
      if (chosen) Object.assign(stored, { project_id: chosen.id, project_name: chosen.name });
      await writeLogin(stored, ctx.env);
      const who = stored.kind === 'user' ? stored.email : 'an API token';
      ctx.out.result({ edge, kind: stored.kind, email: stored.email ?? null, project: chosen ? { id: chosen.id, name: chosen.name } : null, projects: items.length, file: loginFile(ctx.env) }, () =>
        [
          `logged in to ${edge} as ${who}`,
          chosen ? `project: ${chosen.name} (${chosen.id})` : `${items.length} projects: name one with --project on each command, or log in again with --project`,
        ].join('\n'),
      );
    },
  },
};

export const logout: CommandGroup = {
  name: 'logout',
  summary: 'end the stored sign-in and forget it',
  command: {
    summary: 'Ends the sign-in on the edge (an email login) and removes the stored login. An API token stays valid: revoke it in the web UI.',
    async run(ctx) {
      const stored = await readLogin(ctx.env);
      if (stored?.kind === 'user' && stored.refresh_token) {
        // Best effort: the login is forgotten here even when the edge cannot be reached.
        await fetch(new URL('/api/auth/logout', stored.edge), { method: 'POST', headers: { cookie: `${REFRESH_COOKIE}=${stored.refresh_token}` } }).catch(() => undefined);
      }
      await removeLogin(ctx.env);
      ctx.out.result({ logged_out: stored !== null, edge: stored?.edge ?? null }, () => (stored ? `logged out of ${stored.edge}` : 'was not logged in'));
    },
  },
};
