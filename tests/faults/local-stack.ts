// `npm start` (scripts/start.ts) as a user runs it, in its own process group so the suite can
// kill the whole stack at once (SIGKILL: no clean shutdown, like a crash or a pulled plug).
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, readdirSync, readFileSync } from 'node:fs';

export interface LocalStack {
  url: string;
  child: ChildProcess;
  /** SIGKILL to the process group: wrangler, workerd and start.ts die together. */
  kill(): Promise<void>;
  /** Ctrl-C. */
  stop(): Promise<void>;
  /** The processes of the stack's group still running: pid and command line. */
  members(): { pid: number; ppid: number; cmd: string }[];
}

export async function startLocalStack(opts: { port: number; databaseUrl: string; stateDir: string; logFile: string }): Promise<LocalStack> {
  const log = createWriteStream(opts.logFile, { flags: 'a' });
  const child = spawn('npx', ['tsx', 'scripts/start.ts'], {
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, PORT: String(opts.port), DATABASE_URL: opts.databaseUrl, SPARK_STATE_DIR: opts.stateDir, SPARK_START_AGENT: '0', WRANGLER_SEND_METRICS: 'false' },
  });
  child.stdout!.pipe(log, { end: false });
  child.stderr!.pipe(log, { end: false });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const url = `http://127.0.0.1:${opts.port}`;
  const deadline = Date.now() + 120_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`npm start exited with ${child.exitCode}; the end of ${opts.logFile}:\n${tail(opts.logFile)}`);
    try {
      if ((await fetch(`${url}/health`, { signal: AbortSignal.timeout(2_000) })).ok) break;
    } catch {
      // not up yet
    }
    if (Date.now() > deadline) throw new Error(`npm start did not answer /health within 120 s; see ${opts.logFile}`);
    await new Promise((r) => setTimeout(r, 250));
  }
  const signalGroup = async (signal: NodeJS.Signals) => {
    try {
      process.kill(-child.pid!, signal);
    } catch {
      // already gone
    }
    await Promise.race([exited, new Promise((r) => setTimeout(r, 15_000))]);
    // npx exits first; workerd and the tsx child may still be dying, holding the port.
    const end = Date.now() + 15_000;
    while (Date.now() < end && groupHasLiveMembers(child.pid!)) await new Promise((r) => setTimeout(r, 50));
  };
  return { url, child, kill: () => signalGroup('SIGKILL'), stop: () => signalGroup('SIGINT'), members: () => liveMembers(child.pid!) };
}

/** "pid (comm) state ppid pgrp ...": comm may hold spaces, so /proc/N/stat is read after the last ')'. */
function liveMembers(pgid: number): { pid: number; ppid: number; cmd: string }[] {
  const out: { pid: number; ppid: number; cmd: string }[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const [state, ppid, pgrp] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(pgrp) !== pgid || state === 'Z') continue;
      out.push({ pid: Number(entry), ppid: Number(ppid), cmd: readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0').join(' ').trim() });
    } catch {
      // gone meanwhile
    }
  }
  return out;
}

/** Whether a process of the group is still running (zombies, which hold nothing, do not count). */
function groupHasLiveMembers(pgid: number): boolean {
  return liveMembers(pgid).length > 0;
}

function tail(file: string, lines = 30): string {
  try {
    return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}
