import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { CallToolResultSchema, type CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { pairAndStartAgent } from '../support/real-agent';
import { userWithProject } from '../support/api';
import { startSparkWorker } from '../support/spark-worker';
import { createTestDatabase } from '../support/test-db';
import { startUnityMcpServer } from '../support/unity-mcp-server';
import { openSocket } from '../support/ws-client';

export interface McpRoundTripFigures {
  ops: number;
  browserP50: number;
  browserP95: number;
  mcpP50: number;
  mcpP95: number;
  /** write_script over /mcp, which answers once the change is in the session's history. */
  writeP50: number;
  writeP95: number;
}

const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!;
};

/**
 * The same operation (a 64×64 preview) sent by the browser (POST …/ops, done when the room's
 * WebSocket says succeeded) and by an MCP client (the SDK's Client calling render_preview over
 * Streamable HTTP, done when the result with its image block is in), alternately on one stack;
 * then a script written over /mcp, which answers once its change is in the history (through the
 * agent's outbox, the event queue and the consumer), so that an undo right after finds it.
 */
export async function benchMcpRoundTrip(ops: number): Promise<McpRoundTripFigures> {
  const db = await createTestDatabase('bench_mcp');
  const worker = await startSparkWorker({ databaseUrl: db.url, rateLimit: { limit: 100_000, period: 60 } });
  const unity = await startUnityMcpServer({ profile: 'unity-mcp' });
  const user = await userWithProject(worker.url, 'bench');
  const sessionId: string = (await user.api.post(`/api/projects/${user.projectId}/sessions`, { name: 'bench' })).body.id;
  const code = (await user.api.post(`/api/projects/${user.projectId}/pairing-codes`, {})).body.code;
  const agent = await pairAndStartAgent({ edge: worker.url, code, mcpUrl: unity.url });
  const browser = await openSocket(`${worker.url.replace(/^http/, 'ws')}/api/projects/${user.projectId}/sessions/${sessionId}/connect?role=browser`, { token: user.token });
  const token = (await user.api.post(`/api/projects/${user.projectId}/tokens`, { name: 'bench', scope: 'mcp' })).body.token as string;
  const client = new Client({ name: 'spark-bench', version: '1.0.0' });
  try {
    await browser.next((m) => (m.t === 'agent' && m.online) || (m.t === 'snapshot' && m.online), 20_000);
    await client.connect(new StreamableHTTPClientTransport(new URL(`${worker.url}/mcp`), { requestInit: { headers: { authorization: `Bearer ${token}` } } }));
    const preview = { width: 64, height: 64 };
    const viaBrowser = async () => {
      const res = await user.api.post(`/api/projects/${user.projectId}/sessions/${sessionId}/ops`, { op: 'render_preview', ...preview });
      if (res.status !== 202) throw new Error(`op answered ${res.status}`);
      const done = await browser.next((m) => m.t === 'op.update' && m.op.callId === res.body.callId && (m.op.state === 'succeeded' || m.op.state === 'failed'));
      if (done.op.state !== 'succeeded') throw new Error(`op failed: ${JSON.stringify(done.op.error)}`);
    };
    const viaMcp = async () => {
      const res = await client.callTool({ name: 'render_preview', arguments: { session_id: sessionId, ...preview } }, CallToolResultSchema);
      if (res.isError || !(res as CallToolResult).content.some((c) => c.type === 'image')) throw new Error(`render_preview failed: ${JSON.stringify(res.content)}`);
    };
    const browserMs: number[] = [];
    const mcpMs: number[] = [];
    for (let i = -5; i < ops; i++) {
      for (const [run, into] of [[viaBrowser, browserMs], [viaMcp, mcpMs]] as const) {
        const t0 = performance.now();
        await run();
        if (i >= 0) into.push(performance.now() - t0); // the first five of each warm up
      }
    }
    const writeMs: number[] = [];
    for (let i = -5; i < ops; i++) {
      const t0 = performance.now();
      const res = await client.callTool({ name: 'write_script', arguments: { session_id: sessionId, path: `Assets/Scripts/Bench${i + 5}.cs`, code: `public class Bench${i + 5} {}\n` } }, CallToolResultSchema);
      const history = (res.structuredContent as { history?: string } | undefined)?.history;
      if (res.isError || history !== 'recorded') throw new Error(`write_script: ${JSON.stringify(res.structuredContent ?? res.content)}`);
      if (i >= 0) writeMs.push(performance.now() - t0);
    }
    return { ops, browserP50: pct(browserMs, 50), browserP95: pct(browserMs, 95), mcpP50: pct(mcpMs, 50), mcpP95: pct(mcpMs, 95), writeP50: pct(writeMs, 50), writeP95: pct(writeMs, 95) };
  } finally {
    await client.close();
    await browser.close();
    await agent.dispose();
    await unity.close();
    await worker.dispose();
    await db.drop();
  }
}
