// The stored login: one JSON file in the user's config directory, readable by its owner only
// (0600 in a 0700 directory), since it holds a refresh token or an API token.
import { chmod, mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';

export const storedLogin = z.object({
  edge: z.string().url(),
  /** `user`: an email login (access token + refresh token); `token`: a project API token. */
  kind: z.enum(['user', 'token']),
  token: z.string().min(1),
  /** Users only: when the access token stops working (ms since the epoch), and what renews it. */
  expires_at: z.number().optional(),
  refresh_token: z.string().optional(),
  email: z.string().optional(),
  /** The project commands use when none is named. */
  project_id: z.string().optional(),
  project_name: z.string().optional(),
});
export type StoredLogin = z.infer<typeof storedLogin>;

/** $SPARK_CONFIG_DIR, else the platform's config directory + /spark. */
export function configDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.SPARK_CONFIG_DIR) return env.SPARK_CONFIG_DIR;
  if (process.platform === 'win32' && env.APPDATA) return join(env.APPDATA, 'spark');
  if (process.platform === 'darwin') return join(homedir(), 'Library', 'Application Support', 'spark');
  return join(env.XDG_CONFIG_HOME || join(homedir(), '.config'), 'spark');
}

export const loginFile = (env?: NodeJS.ProcessEnv) => join(configDir(env), 'login.json');

export async function readLogin(env?: NodeJS.ProcessEnv): Promise<StoredLogin | null> {
  let text: string;
  try {
    text = await readFile(loginFile(env), 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
  const parsed = storedLogin.safeParse(JSON.parse(text));
  return parsed.success ? parsed.data : null;
}

/** Written to a temporary file with 0600 first, then renamed: never readable by others, never half-written. */
export async function writeLogin(login: StoredLogin, env?: NodeJS.ProcessEnv): Promise<void> {
  const dir = configDir(env);
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const file = loginFile(env);
  const tmp = `${file}.${process.pid}.tmp`;
  await writeFile(tmp, `${JSON.stringify(login, null, 2)}\n`, { mode: 0o600 });
  await chmod(tmp, 0o600); // mode is masked by umask on create; make it exact
  await rename(tmp, file);
}

export async function removeLogin(env?: NodeJS.ProcessEnv): Promise<void> {
  await rm(loginFile(env), { force: true });
}
