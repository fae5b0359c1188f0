// The whole agent with the real NATS: an op's events are published on their session subjects and
// reach the edge through the JetStream outbox (including while the edge is away for a while).
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect, type NatsConnection } from 'nats';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { SparkEventV1 } from '../../contracts/event';
import { sessionWildcards } from '../../contracts/nats-subjects';
import type { AgentMessage, OpDispatch } from '../../contracts/ws';
import { startAgent, type AgentExecutor } from '../../local-agent/agent';
import { loadConfig } from '../../local-agent/config';
import { sessionViewOf } from '../support/edge-views';

const NATS_URL = process.env.NATS_URL ?? 'nats://127.0.0.1:4222';
const PROJECT = randomUUID();
const TOKEN = 'agent-token-nats';
const wsName = 'ws';
const { WebSocketServer } = (await import(wsName)) as { WebSocketServer: new (o: object) => any };

async function until(cond: () => boolean, timeoutMs = 10_000) {
  const end = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > end) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('agent with NATS (real server)', () => {
  let nc: NatsConnection;
  let home: string;
  let server: Server;
  let edgeUrl: string;
  const tag = randomUUID().replace(/-/g, '').slice(0, 12);
  const stream = `SPARK_AGENT_OUTBOX_TEST_${tag}`;
  const session = randomUUID();
  const accepted: SparkEventV1[] = [];
  const got: AgentMessage[] = [];
  let room: any;
  let eventsUp = false;
  /** The largest batch the edge refused while down: the outbox did try to send. */
  let refusedBatch = 0;

  beforeAll(async () => {
    nc = await connect({ servers: NATS_URL });
    home = mkdtempSync(join(tmpdir(), 'spark-agent-nats-'));
    const wss = new WebSocketServer({ noServer: true });
    server = createServer(async (req, res) => {
      const chunks: Buffer[] = [];
      for await (const c of req) chunks.push(c as Buffer);
      if (req.headers.authorization !== `Bearer ${TOKEN}`) return void res.writeHead(401).end();
      if (req.url === `/api/projects/${PROJECT}/sessions`) {
        return void res.writeHead(200).end(JSON.stringify({ items: [sessionViewOf({ id: session, projectId: PROJECT, name: 's' })] }));
      }
      if (req.url === `/api/projects/${PROJECT}/events`) {
        const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { events: SparkEventV1[] };
        if (!eventsUp) {
          refusedBatch = Math.max(refusedBatch, body.events.length);
          return void res.writeHead(503).end('{"error":{"code":"unavailable","message":"down"}}');
        }
        accepted.push(...body.events);
        return void res.writeHead(202).end(JSON.stringify({ accepted: body.events.length, rejected: [] }));
      }
      res.writeHead(404).end();
    });
    server.on('upgrade', (req, socket, head) =>
      wss.handleUpgrade(req, socket, head, (ws: any) => {
        room = ws;
        ws.on('message', (d: Buffer) => got.push(JSON.parse(d.toString('utf8')) as AgentMessage));
      }),
    );
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    edgeUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    const jsm = await nc.jetstreamManager();
    await jsm.streams.delete(stream).catch(() => undefined);
    await nc.close();
    server.closeAllConnections?.();
    await new Promise<void>((r) => server.close(() => r()));
    rmSync(home, { recursive: true, force: true });
  });

  it('publishes op events on NATS and delivers them to the edge through JetStream', async () => {
    const onNats: string[] = [];
    const subs = sessionWildcards(session).map((w) => nc.subscribe(w, { callback: (_e, m) => onNats.push(m.subject) }));
    await nc.flush();
    const executor: AgentExecutor = {
      async run(d: OpDispatch, hooks) {
        hooks.event({ type: 'unity.started', kind: 'tool', payload: { call_id: d.callId } });
        hooks.event({ type: 'unity.script_generated', kind: 'tool', payload: { path: 'Assets/A.cs' } });
        hooks.event({ type: 'unity.completed', kind: 'tool', payload: {} });
        hooks.event({ type: 'agent.note', kind: 'system', payload: {} }); // no subject: edge only
        return { ok: true, mcpMs: 1 };
      },
      info: () => ({ profile: 'seed', unity: 'up', circuit: 'closed' }),
      close: async () => {},
    };
    const config = loadConfig({
      env: {
        SPARK_AGENT_HOME: home,
        EDGE_URL: edgeUrl,
        SPARK_AGENT_TOKEN: TOKEN,
        SPARK_PROJECT_ID: PROJECT,
        NATS_URL,
        SPARK_TRAY_PORT: '0',
        SPARK_OUTBOX_STREAM: stream,
        SPARK_OUTBOX_SUBJECT_PREFIX: `sparktest.${tag}.outbox`,
      },
    });
    const agent = await startAgent(config, { executor, outbox: { backoff: { baseMs: 50, maxMs: 200 }, idlePollMs: 100 } });
    try {
      await until(() => got.some((m) => m.t === 'hello'));
      const d: OpDispatch = {
        t: 'op',
        callId: randomUUID(),
        sessionId: session,
        op: { op: 'render_preview', width: 64, height: 64, format: 'png' },
        issuedAt: Date.now(),
        expiresAt: Date.now() + 60_000,
      };
      room.send(JSON.stringify(d));
      await until(() => got.some((m) => m.t === 'op.result'));
      await until(() => onNats.length === 3);
      expect(onNats).toEqual([
        `spark.runtime.unity.started.${session}`,
        `spark.runtime.unity.script_generated.${session}`,
        `spark.runtime.unity.completed.${session}`,
      ]);
      // the edge's events endpoint is down: the events wait in JetStream
      await until(() => refusedBatch === 4, 15_000);
      expect(accepted).toHaveLength(0);
      expect((await agent.status()).outbox).toMatchObject({ backend: 'jetstream', depth: 4 });
      eventsUp = true;
      await until(() => accepted.length === 4, 15_000);
      expect(accepted.map((e) => e.type)).toEqual(['unity.started', 'unity.script_generated', 'unity.completed', 'agent.note']);
      // The edge has the events before the agent reads its 202 and takes them out of JetStream.
      await vi.waitFor(async () => expect(await agent.outbox.depth()).toBe(0), { timeout: 15_000, interval: 50 });
    } finally {
      subs.forEach((s) => s.unsubscribe());
      await agent.stop();
    }
  });
});
