// The real agent as its own OS process (`spark-agent start`), so a test can SIGKILL it: no clean
// shutdown, its journal and outbox left as a crash leaves them. Paired the way a person does it.
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main as agentCli } from '../../local-agent/cli';
import { eventually } from '../support/api';
import { freePort } from '../support/pg-cluster';

export async function pairAgentProcess(o: { edge: string; code: string; mcpUrl: string; nats?: string; logFile: string; env?: Record<string, string> }) {
  const home = mkdtempSync(join(tmpdir(), 'spark-agent-proc-'));
  const out: string[] = [];
  const code = await agentCli(['pair', o.code, '--edge', o.edge, '--name', 'fault-pc', '--no-start'], {
    out: (s) => out.push(s),
    err: (s) => out.push(s),
    env: { ...process.env, SPARK_AGENT_HOME: home },
    fetch,
  });
  if (code !== 0) throw new Error(`spark-agent pair exited ${code}: ${out.join('')}`);
  const trayPort = await freePort();
  const log = createWriteStream(o.logFile, { flags: 'a' });
  let child: ChildProcess | undefined;
  let exited: Promise<void> = Promise.resolve();

  const start = async () => {
    child = spawn(process.execPath, ['local-agent/spark-agent.mjs', 'start', '--debug'], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: {
        ...process.env,
        SPARK_AGENT_HOME: home,
        UNITY_MCP_URL: o.mcpUrl,
        NATS_URL: o.nats ?? 'off',
        SPARK_TRAY_PORT: String(trayPort),
        SPARK_SESSION_REFRESH_MS: '300',
        SPARK_HEARTBEAT_MS: '1000',
        ...o.env,
      },
    });
    child.stdout!.pipe(log, { end: false });
    child.stderr!.pipe(log, { end: false });
    const c = child;
    exited = new Promise((resolve) => c.once('exit', () => resolve()));
    await eventually(async () => (await fetch(`http://127.0.0.1:${trayPort}/metrics`)).ok, 60_000, 250);
  };
  /** A counter from the agent's /metrics (summed over its labels). */
  const counter = async (name: string) => {
    const text = await (await fetch(`http://127.0.0.1:${trayPort}/metrics`)).text();
    return text
      .split('\n')
      .filter((l) => l.startsWith(name) && (l[name.length] === ' ' || l[name.length] === '{'))
      .reduce((n, l) => n + Number(l.split(' ').pop()), 0);
  };
  return {
    home,
    /** The running agent's process id (for its memory, /proc/<pid>/status). */
    get pid() {
      return child?.pid;
    },
    start,
    counter,
    /** SIGKILL: the process dies where it stands. */
    async kill() {
      child?.kill('SIGKILL');
      await exited;
    },
    async stop() {
      child?.kill('SIGTERM');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 10_000))]);
      child?.kill('SIGKILL');
      await exited;
    },
  };
}
