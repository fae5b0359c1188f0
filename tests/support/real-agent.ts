import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startAgent, type RunningAgent } from '../../local-agent/agent';
import { main as agentCli } from '../../local-agent/cli';
import { loadConfig } from '../../local-agent/config';
import { silentLogger } from '../../local-agent/log';

export interface RealAgentOptions {
  edge: string;
  /** A pairing code from the browser/API: traded through the real `spark-agent pair`. */
  code: string;
  mcpUrl: string;
  /** A NATS URL, or 'off' (the default) to run with the file outbox only. */
  nats?: string;
  name?: string;
  extraEnv?: Record<string, string>;
  /** Pair only; call `start()` later (default: start at once). */
  startNow?: boolean;
}

/** The real agent, paired the way a person does it (`spark-agent pair <code> --edge <url>`). */
export async function pairAndStartAgent(o: RealAgentOptions) {
  const home = mkdtempSync(join(tmpdir(), 'spark-agent-'));
  const out: string[] = [];
  const env = { ...process.env, SPARK_AGENT_HOME: home };
  const code = await agentCli(['pair', o.code, '--edge', o.edge, '--name', o.name ?? 'studio-pc', '--no-start'], { out: (s) => out.push(s), err: (s) => out.push(s), env, fetch });
  if (code !== 0) throw new Error(`spark-agent pair exited ${code}: ${out.join('')}`);
  const start = () =>
    startAgent(
      loadConfig({
        env: {
          SPARK_AGENT_HOME: home,
          UNITY_MCP_URL: o.mcpUrl,
          NATS_URL: o.nats ?? 'off',
          SPARK_TRAY_PORT: '0',
          SPARK_SESSION_REFRESH_MS: '300',
          SPARK_HEARTBEAT_MS: '1000',
          ...o.extraEnv,
        },
      }),
      { log: silentLogger },
    );
  let agent: RunningAgent | undefined = o.startNow === false ? undefined : await start();
  return {
    home,
    get agent() {
      if (!agent) throw new Error('the agent is stopped');
      return agent;
    },
    /** Stops the agent (its journal and outbox stay in `home`). */
    async stop() {
      await agent?.stop();
      agent = undefined;
    },
    async start() {
      if (!agent) agent = await start();
      return agent;
    },
    /** Starts it again from the same home, as after a restart. */
    async restart() {
      await agent?.stop();
      agent = await start();
    },
    async dispose() {
      await agent?.stop();
      agent = undefined;
      rmSync(home, { recursive: true, force: true });
    },
  };
}
export type RealAgent = Awaited<ReturnType<typeof pairAndStartAgent>>;
