// A stand-in for the local agent, for the browser tests: it pairs, connects to a session's room
// as the agent (contracts/ws.ts), and answers operations the way the real one does — progress,
// frames, results — and reports file changes and builds as events, so the change history and
// the build list fill up exactly as they would with Unity on the other end.
import { createHash, randomUUID } from 'node:crypto';
import { deflateSync } from 'node:zlib';
import { openSocket, type TestSocket } from '../support/ws-client';

export interface FakeAgentOptions {
  base: string;
  projectId: string;
  sessionId: string;
  token: string;
  name?: string;
  /** Pause between steps, so a person (or a screenshot) can see things move. */
  stepMs?: number;
  /** Builds for these targets fail, the way a missing platform module does. */
  failTargets?: string[];
}

const sha = (s: string) => createHash('sha256').update(s).digest('hex');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function pairAgent(base: string, code: string, name = 'studio-pc'): Promise<{ token: string; agentId: string }> {
  const res = await fetch(`${base}/api/agent/pair`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ code, name }) });
  const body = (await res.json()) as { token: string; agent_id: string };
  if (res.status !== 201) throw new Error(`pairing failed: ${res.status} ${JSON.stringify(body)}`);
  return { token: body.token, agentId: body.agent_id };
}

export async function startFakeAgent(o: FakeAgentOptions) {
  const step = o.stepMs ?? 120;
  const files = new Map<string, string>();
  const handled: { callId: string; op: string }[] = [];
  const url = `${o.base.replace(/^http/, 'ws')}/api/projects/${o.projectId}/sessions/${o.sessionId}/connect?role=agent&token=${encodeURIComponent(o.token)}`;
  const socket: TestSocket = await openSocket(url);
  socket.send({ t: 'hello', agent: { name: o.name ?? 'studio-pc', version: '0.1.0', profile: 'unity-mcp', unity: 'up', circuit: 'closed', outboxDepth: 0 } });

  const event = async (type: string, payload: Record<string, unknown>) => {
    const ev = { v: 1, id: randomUUID(), type, source: 'spark-agent', kind: 'tool', ts: Date.now() / 1000, session_id: o.sessionId, payload };
    const res = await fetch(`${o.base}/api/projects/${o.projectId}/events`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${o.token}` },
      body: JSON.stringify({ events: [ev] }),
    });
    if (res.status !== 202) throw new Error(`event refused: ${res.status} ${await res.text()}`);
  };

  let queue = Promise.resolve();
  socket.ws.on('message', (data) => {
    let m: any;
    try {
      m = JSON.parse(String(data));
    } catch {
      return;
    }
    if (m.t !== 'op') return;
    // One at a time, in order, like the real agent's journal.
    queue = queue.then(() => run(m.callId, m.op)).catch((err) => console.error('fake agent failed', err));
  });

  async function run(callId: string, op: any) {
    handled.push({ callId, op: op.op });
    const started = Date.now();
    socket.send({ t: 'op.accepted', callId });
    await sleep(step);
    const finish = (ok: boolean, result?: unknown, error?: { code: string; message: string }) => {
      const latencyMs = Date.now() - started;
      socket.send({ t: 'op.result', callId, ok, result, error, latencyMs, mcpMs: Math.round(latencyMs * 0.7) });
    };
    switch (op.op) {
      case 'generate_script':
      case 'delete_script': {
        socket.send({ t: 'op.progress', callId, stage: op.op === 'delete_script' ? 'deleting' : 'writing', progress: 0.5 });
        await sleep(step);
        const before = files.get(op.path) ?? null;
        if (op.op === 'delete_script') {
          files.delete(op.path);
          await event('unity.script_deleted', { call_id: callId, path: op.path, before, before_sha256: before === null ? null : sha(before) });
        } else {
          files.set(op.path, op.code);
          await event('unity.script_generated', {
            call_id: callId,
            path: op.path,
            sha256: sha(op.code),
            bytes: Buffer.byteLength(op.code),
            after: op.code,
            ...(before === null ? {} : { before, before_sha256: sha(before) }),
          });
        }
        return finish(true, { path: op.path });
      }
      case 'render_preview': {
        socket.send({ t: 'op.progress', callId, stage: 'rendering', progress: 0.4, message: 'Main Camera' });
        await sleep(step * 2);
        const png = gradientPng(op.width, op.height);
        socket.send({ t: 'frame', callId, contentType: 'image/png', width: op.width, height: op.height, data: png.toString('base64') });
        await sleep(step);
        return finish(true, { width: op.width, height: op.height });
      }
      case 'run_build': {
        const fail = (o.failTargets ?? []).includes(op.target);
        await event('build.started', { call_id: callId, target: op.target });
        for (const p of [0.25, 0.6, 0.9]) {
          if (fail && p > 0.5) break;
          socket.send({ t: 'op.progress', callId, stage: p < 0.5 ? 'compiling scripts' : 'packing assets', progress: p });
          await event('build.progress', { call_id: callId, target: op.target, progress: p });
          await sleep(step * 2);
        }
        if (fail) {
          const message = `${op.target} build support is not installed in this Unity editor`;
          await event('build.failed', { call_id: callId, target: op.target, error: message });
          return finish(false, undefined, { code: 'build_failed', message });
        }
        await event('build.completed', { call_id: callId, target: op.target, progress: 1, artifact: { path: `Builds/${op.target}`, sizeBytes: 24_117_248, sha256: sha(callId) } });
        return finish(true, { artifact: `Builds/${op.target}` });
      }
      default:
        return finish(false, undefined, { code: 'unsupported', message: `the fake agent does not do ${op.op}` });
    }
  }

  return {
    files,
    handled,
    idle: () => queue,
    close: () => socket.close(),
  };
}
export type FakeAgent = Awaited<ReturnType<typeof startFakeAgent>>;

/** A real PNG of the given size: a sky-to-ground gradient with a "sun", so a preview looks like one. */
export function gradientPng(w: number, h: number): Buffer {
  const rows: Buffer[] = [];
  const horizon = Math.floor(h * 0.62);
  const sun = { x: w * 0.7, y: h * 0.35, r: Math.max(4, Math.min(w, h) * 0.09) };
  for (let y = 0; y < h; y++) {
    const row = Buffer.alloc(1 + w * 3);
    for (let x = 0; x < w; x++) {
      let r: number, g: number, b: number;
      if (y < horizon) {
        const t = y / horizon;
        [r, g, b] = [40 + 150 * t, 60 + 110 * t, 140 + 80 * t];
        if ((x - sun.x) ** 2 + (y - sun.y) ** 2 < sun.r ** 2) [r, g, b] = [255, 214, 120];
      } else {
        const t = (y - horizon) / (h - horizon);
        const hill = Math.sin(x / 37) * 6;
        [r, g, b] = y > horizon + hill ? [50 - 20 * t, 120 - 40 * t, 60 - 20 * t] : [130, 170, 210];
      }
      row[1 + x * 3] = r;
      row[2 + x * 3] = g;
      row[3 + x * 3] = b;
    }
    rows.push(row);
  }
  const crcTable = Array.from({ length: 256 }, (_, n) => {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    return c >>> 0;
  });
  const crc = (buf: Buffer) => {
    let c = 0xffffffff;
    for (const x of buf) c = crcTable[(c ^ x) & 0xff]! ^ (c >>> 8);
    return (c ^ 0xffffffff) >>> 0;
  };
  const chunk = (type: string, data: Buffer) => {
    const len = Buffer.alloc(4);
    len.writeUInt32BE(data.length);
    const td = Buffer.concat([Buffer.from(type), data]);
    const c = Buffer.alloc(4);
    c.writeUInt32BE(crc(td));
    return Buffer.concat([len, td, c]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(w, 0);
  ihdr.writeUInt32BE(h, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 2; // truecolour RGB
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk('IHDR', ihdr), chunk('IDAT', deflateSync(Buffer.concat(rows))), chunk('IEND', Buffer.alloc(0))]);
}
