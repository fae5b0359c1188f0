// The `spark` CLI as a developer runs it (`npm run spark -- …`): node with tsx's loader on
// cli/main.ts, in one child process (so its memory can be read), with a config directory of
// the test's own and none of the SPARK_* variables of the machine running the tests.
import { spawn, type ChildProcess } from 'node:child_process';
import { readFile } from 'node:fs/promises';

export interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface CliOptions {
  configDir: string;
  env?: Record<string, string>;
  /** What the command reads on stdin (a password), then end of input. */
  input?: string;
}

/** Starts the command; `out` fills as it prints, `done` resolves when it exits. */
export function startCli(args: string[], opts: CliOptions) {
  const child = spawn(process.execPath, ['--import', 'tsx', 'cli/main.ts', ...args], {
    cwd: process.cwd(),
    env: { ...process.env, SPARK_CONFIG_DIR: opts.configDir, SPARK_URL: '', SPARK_TOKEN: '', SPARK_PROJECT: '', ...opts.env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  const out = { stdout: '', stderr: '' };
  child.stdout.on('data', (d: Buffer) => (out.stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (out.stderr += d.toString()));
  child.stdin.end(opts.input ?? '');
  const done = new Promise<Run>((resolve) => child.on('close', (code) => resolve({ code, ...out })));
  return { child, out, done };
}

export const runCli = (args: string[], opts: CliOptions) => startCli(args, opts).done;

/** The child's resident memory in bytes, from /proc (Linux); null once it has exited. */
export async function rssOf(child: ChildProcess): Promise<number | null> {
  try {
    const kb = /VmRSS:\s+(\d+) kB/.exec(await readFile(`/proc/${child.pid}/status`, 'utf8'));
    return kb ? Number(kb[1]) * 1024 : null;
  } catch {
    return null;
  }
}
