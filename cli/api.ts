// The edge's HTTP API as the CLI calls it: the bearer token from the stored login, renewed with
// the refresh token when an email login's access token runs out (POST /api/auth/refresh takes
// the `spark_refresh` cookie and rotates it), and API errors turned into one readable line.
import { open, rm, stat } from 'node:fs/promises';
import { loginFile, readLogin, writeLogin, type StoredLogin } from './config';
import { CliError, LoginEndedError } from './errors';

export const REFRESH_COOKIE = 'spark_refresh';

type Query = Record<string, string | number | undefined>;
export interface RequestOptions {
  query?: Query;
  /** Sent as JSON. */
  json?: unknown;
  /** Sent as is (a stream: no retry after a refused token). */
  body?: BodyInit;
  headers?: Record<string, string>;
}

export class SparkApi {
  constructor(
    private login: StoredLogin,
    /** False for a login given by the environment (SPARK_URL/SPARK_TOKEN): nothing to store. */
    private readonly stored: boolean,
  ) {}

  get edge() {
    return this.login.edge;
  }

  /** The answer, whatever its status (the caller reads it); renews an expired access token first. */
  async request(method: string, path: string, opts: RequestOptions = {}): Promise<Response> {
    if (this.login.kind === 'user' && this.login.expires_at !== undefined && Date.now() >= this.login.expires_at) await this.refresh();
    const send = () => fetch(this.url(path, opts.query), this.init(method, opts));
    const res = await send();
    // Refused although not yet due (a clock ahead, a restarted edge): renew once and retry.
    if (res.status === 401 && this.login.kind === 'user' && this.login.refresh_token && opts.body === undefined) {
      await res.body?.cancel();
      await this.refresh();
      return send();
    }
    return res;
  }

  /** The JSON answer of a 2xx; anything else throws a CliError naming what was refused and why. */
  async json<T>(method: string, path: string, opts: RequestOptions = {}): Promise<T> {
    const res = await this.request(method, path, opts);
    if (!res.ok) throw await apiFailure(res);
    return (await res.json()) as T;
  }

  private url(path: string, query: Query = {}) {
    const u = new URL(path, this.login.edge);
    for (const [k, v] of Object.entries(query)) if (v !== undefined) u.searchParams.set(k, String(v));
    return u;
  }

  private init(method: string, opts: RequestOptions): RequestInit {
    const headers: Record<string, string> = { authorization: `Bearer ${this.login.token}`, ...opts.headers };
    if (opts.json !== undefined) headers['content-type'] = 'application/json';
    const init: RequestInit & { duplex?: 'half' } = { method, headers, body: opts.json !== undefined ? JSON.stringify(opts.json) : opts.body };
    if (opts.body instanceof ReadableStream) init.duplex = 'half';
    return init;
  }

  /**
   * Trades the refresh token for a new access token. Refresh tokens rotate and a reused one ends
   * the sign-in, so two CLI processes must not both spend the same one: under a lock file, the
   * stored login is read again and only renewed when no other process already did.
   */
  private async refresh(): Promise<void> {
    if (!this.stored) throw new LoginEndedError('the access token has expired; log in again');
    await withLock(`${loginFile()}.lock`, async () => {
      const latest = await readLogin();
      if (latest && latest.edge === this.login.edge && latest.refresh_token && latest.refresh_token !== this.login.refresh_token && Date.now() < (latest.expires_at ?? 0)) {
        this.login = latest;
        return;
      }
      const current = latest?.refresh_token && latest.edge === this.login.edge ? latest : this.login;
      if (!current.refresh_token) throw new LoginEndedError('your sign-in has expired; run `spark login` again');
      const res = await fetch(new URL('/api/auth/refresh', current.edge), { method: 'POST', headers: { cookie: `${REFRESH_COOKIE}=${current.refresh_token}` } });
      if (res.status !== 200) {
        const failure = await apiFailure(res);
        // 401: the sign-in is over. Anything else (rate limited, the edge down) may pass: say so, keep the login.
        throw failure instanceof LoginEndedError ? failure : new CliError(`cannot renew the sign-in now: ${failure.message}`);
      }
      this.login = { ...current, ...signedIn((await res.json()) as SignInAnswer, res) };
      await writeLogin(this.login);
    });
  }
}

export interface SignInAnswer {
  token: string;
  expires_in: number;
  user: { id: string; email: string };
}

/** What a login or refresh answer gives the stored login: the token, when to renew it, the next refresh token. */
export function signedIn(answer: SignInAnswer, res: Response): Pick<StoredLogin, 'token' | 'expires_at' | 'refresh_token' | 'email'> {
  const lifetime = answer.expires_in * 1000;
  // Renewed a little before it runs out (a quarter of its life, at most 30 s), so a call never races it.
  const expires_at = Date.now() + lifetime - Math.min(30_000, lifetime / 4);
  return { token: answer.token, expires_at, refresh_token: refreshCookieOf(res), email: answer.user.email };
}

function refreshCookieOf(res: Response): string | undefined {
  for (const c of res.headers.getSetCookie()) {
    const m = new RegExp(`^${REFRESH_COOKIE}=([^;]*)`).exec(c);
    if (m && m[1]) return m[1];
  }
  return undefined;
}

/** `{error: {code, message, path?}}` as one line: "404 not_found: session not found". */
export async function apiFailure(res: Response): Promise<CliError> {
  const text = await res.text();
  let detail = text.trim().slice(0, 300) || res.statusText;
  try {
    const e = (JSON.parse(text) as { error?: { code?: string; message?: string; path?: string } }).error;
    if (e?.message) detail = `${e.code ?? 'error'}: ${e.message}${e.path ? ` (${e.path})` : ''}`;
  } catch {
    // not JSON: the text as it came
  }
  if (res.status === 401) return new LoginEndedError(`the edge refused the login (${detail}); run \`spark login\` again`);
  return new CliError(`${res.status} ${detail}`);
}

/** Runs `fn` holding an exclusive lock file (taken over when older than 30 s: a crashed holder). */
async function withLock<T>(file: string, fn: () => Promise<T>): Promise<T> {
  const deadline = Date.now() + 15_000;
  for (;;) {
    try {
      const handle = await open(file, 'wx', 0o600);
      await handle.close();
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const age = await stat(file).then((s) => Date.now() - s.mtimeMs, () => 0);
      if (age > 30_000) await rm(file, { force: true });
      else if (Date.now() > deadline) throw new CliError(`another spark command holds ${file}; remove it if none is running`);
      else await new Promise((r) => setTimeout(r, 50));
    }
  }
  try {
    return await fn();
  } finally {
    await rm(file, { force: true });
  }
}
