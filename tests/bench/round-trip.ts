import { pairAndStartAgent } from '../support/real-agent';
import { userWithProject } from '../support/api';
import { startSparkWorker } from '../support/spark-worker';
import { createTestDatabase } from '../support/test-db';
import { startUnityMcpServer } from '../support/unity-mcp-server';
import { openSocket } from '../support/ws-client';

export interface RoundTripFigures {
  ops: number;
  totalP50: number;
  totalP95: number;
  overheadP50: number;
  overheadP95: number;
  mcpP50: number;
}

const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!;
};

/**
 * One operation, browser → edge (workerd) → SessionRoom → agent → test Unity MCP server →
 * back to the browser's WebSocket, one at a time. Overhead = round trip minus the time the
 * agent spent inside the MCP server (what Spark adds on top of Unity).
 */
export async function benchRoundTrip(ops: number): Promise<RoundTripFigures> {
  const db = await createTestDatabase('bench_rt');
  const worker = await startSparkWorker({ databaseUrl: db.url });
  const unity = await startUnityMcpServer({ profile: 'unity-mcp' });
  const user = await userWithProject(worker.url, 'bench');
  const sessionId: string = (await user.api.post(`/api/projects/${user.projectId}/sessions`, { name: 'bench' })).body.id;
  const code = (await user.api.post(`/api/projects/${user.projectId}/pairing-codes`, {})).body.code;
  const agent = await pairAndStartAgent({ edge: worker.url, code, mcpUrl: unity.url });
  const browser = await openSocket(`${worker.url.replace(/^http/, 'ws')}/api/projects/${user.projectId}/sessions/${sessionId}/connect?role=browser`, { token: user.token });
  try {
    await browser.next((m) => (m.t === 'agent' && m.online) || (m.t === 'snapshot' && m.online), 20_000);
    // The asset every measured op re-imports (manage_asset import: one cheap MCP call).
    const made = await user.api.post(`/api/projects/${user.projectId}/sessions/${sessionId}/ops`, { op: 'generate_script', path: 'Assets/Bench.cs', code: 'using UnityEngine;\n' });
    await browser.next((m) => m.t === 'op.update' && m.op.callId === made.body.callId && m.op.state === 'succeeded', 20_000);
    const totals: number[] = [];
    const overheads: number[] = [];
    const mcp: number[] = [];
    for (let i = -5; i < ops; i++) {
      const t0 = performance.now();
      const res = await user.api.post(`/api/projects/${user.projectId}/sessions/${sessionId}/ops`, { op: 'ingest_asset', path: 'Assets/Bench.cs' });
      if (res.status !== 202) throw new Error(`op answered ${res.status}`);
      const done = await browser.next((m) => m.t === 'op.update' && m.op.callId === res.body.callId && (m.op.state === 'succeeded' || m.op.state === 'failed'));
      const total = performance.now() - t0;
      if (done.op.state !== 'succeeded') throw new Error(`op failed: ${JSON.stringify(done.op.error)}`);
      if (i < 0) continue; // warm-up
      totals.push(total);
      mcp.push(done.op.mcpMs);
      overheads.push(total - done.op.mcpMs);
    }
    return { ops, totalP50: pct(totals, 50), totalP95: pct(totals, 95), overheadP50: pct(overheads, 50), overheadP95: pct(overheads, 95), mcpP50: pct(mcp, 50) };
  } finally {
    await browser.close();
    await agent.dispose();
    await unity.close();
    await worker.dispose();
    await db.drop();
  }
}
