import { describe, expect, it } from 'vitest';
import type { OpView } from '../../contracts/ws';
import {
  backoffDelay,
  initialLiveState,
  latestFrameCallId,
  liveReducer,
  MAX_FRAMES,
  MAX_OPS,
  opPhase,
  opStatusText,
  parseBrowserMessage,
  recentOps,
  supersedes,
  type LiveAction,
  type LiveState,
} from '../../web/src/lib/live-state';

const id = (n: number) => `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;
const view = (n: number, patch: Partial<OpView> = {}): OpView => ({ callId: id(n), op: 'generate_script', state: 'queued', queuedAt: 1000 + n, updatedAt: 1000 + n, ...patch });
const run = (actions: LiveAction[], from: LiveState = initialLiveState()) => actions.reduce(liveReducer, from);
const update = (op: OpView): LiveAction => ({ type: 'message', msg: { t: 'op.update', op } });

describe('web live state', () => {
  it('takes a snapshot, then updates, newest first', () => {
    const s = run([
      { type: 'conn', conn: 'open' },
      { type: 'message', msg: { t: 'snapshot', ops: [view(1), view(2, { state: 'running', updatedAt: 1500 })], agent: null, online: false } },
      update(view(3)),
      update(view(1, { state: 'succeeded', updatedAt: 2000, latencyMs: 120, mcpMs: 80 })),
    ]);
    expect(s.conn).toBe('open');
    expect(s.synced).toBe(true);
    expect(recentOps(s).map((o) => [o.callId, o.state])).toEqual([
      [id(3), 'queued'],
      [id(2), 'running'],
      [id(1), 'succeeded'],
    ]);
    expect(s.ops[id(1)]).toMatchObject({ latencyMs: 120, mcpMs: 80 });
  });

  it('ignores stale updates, and never takes a finished op back to running', () => {
    let s = run([update(view(1, { state: 'running', updatedAt: 2000, progress: 0.5 }))]);
    const before = s;
    s = liveReducer(s, update(view(1, { state: 'delivered', updatedAt: 1500 })));
    expect(s).toBe(before);
    s = run([update(view(1, { state: 'failed', updatedAt: 2500, error: { code: 'x', message: 'boom' } })), update(view(1, { state: 'running', updatedAt: 3000 }))], s);
    expect(s.ops[id(1)]!.state).toBe('failed');
    // A result wins even if its clock is behind a progress message.
    expect(supersedes(view(1, { state: 'running', updatedAt: 5000 }), view(1, { state: 'succeeded', updatedAt: 4000 }))).toBe(true);
    expect(supersedes(undefined, view(1))).toBe(true);
  });

  it('shows our own queued op at once; the room’s word replaces it', () => {
    let s = liveReducer(initialLiveState(), { type: 'queued', callId: id(7), op: 'render_preview', at: 5000 });
    expect(s.ops[id(7)]).toMatchObject({ state: 'queued', op: 'render_preview', updatedAt: 0 });
    s = liveReducer(s, update(view(7, { op: 'render_preview', state: 'delivered', queuedAt: 4990, updatedAt: 4995 })));
    expect(s.ops[id(7)]!.state).toBe('delivered');
    // …and a late 202 does not undo what the room said.
    expect(liveReducer(s, { type: 'queued', callId: id(7), op: 'render_preview', at: 6000 })).toBe(s);
  });

  it('merges a poll, tracks the agent, keeps a bounded history', () => {
    let s = run([{ type: 'poll', items: [view(2), view(1)], agent: { online: true, agent: null } }]);
    expect(s.online).toBe(true);
    const agent = { name: 'pc', version: '1', profile: 'unity-mcp' as const, unity: 'up' as const, circuit: 'closed' as const, outboxDepth: 0 };
    s = run([{ type: 'message', msg: { t: 'agent', online: true, agent } }, { type: 'message', msg: { t: 'agent', online: false, agent: null } }], s);
    expect(s.online).toBe(false);
    expect(s.agent).toEqual(agent); // the last known agent stays for display
    s = run(Array.from({ length: MAX_OPS + 20 }, (_, i) => update(view(i + 10))), s);
    expect(Object.keys(s.ops)).toHaveLength(MAX_OPS);
    expect(recentOps(s, 1)[0]!.callId).toBe(id(MAX_OPS + 29));
  });

  it('keeps the newest frames and knows which one to show first', () => {
    const frame = (n: number, at: number): LiveAction => ({ type: 'message', at, msg: { t: 'frame', callId: id(n), url: `/f/${n}`, width: 64, height: 32, contentType: 'image/png' } });
    let s = run([frame(1, 100), frame(2, 200), frame(2, 300)]);
    expect(s.frames.map((f) => f.callId)).toEqual([id(2), id(1)]);
    expect(latestFrameCallId(s)).toBe(id(2));
    s = run(Array.from({ length: MAX_FRAMES + 3 }, (_, i) => frame(i + 10, 400 + i)), s);
    expect(s.frames).toHaveLength(MAX_FRAMES);
    // Opening the page later: only the ops say a preview succeeded.
    const fresh = run([update(view(40, { op: 'render_preview', state: 'succeeded', updatedAt: 9000 })), update(view(41, { op: 'render_preview', state: 'failed', updatedAt: 9500 }))]);
    expect(latestFrameCallId(fresh)).toBe(id(40));
    expect(latestFrameCallId(initialLiveState())).toBeNull();
  });

  it('buckets states and words them', () => {
    expect(['queued', 'delivered', 'running', 'succeeded', 'failed', 'expired'].map((s) => opPhase(s as OpView['state']))).toEqual(['pending', 'pending', 'running', 'success', 'failure', 'failure']);
    expect(opStatusText(view(1, { state: 'running', stage: 'compiling', message: '3/10' }))).toBe('compiling — 3/10');
    expect(opStatusText(view(1, { state: 'failed', error: { code: 'x', message: 'Unity is not running' } }))).toBe('Unity is not running');
    expect(opStatusText(view(1, { state: 'expired' }))).toMatch(/expired/);
    expect(opStatusText(view(1))).toBe('waiting for the agent');
  });

  it('reads only well-formed socket messages', () => {
    expect(parseBrowserMessage('pong')).toBeNull();
    expect(parseBrowserMessage('{"t":"nope"}')).toBeNull();
    expect(parseBrowserMessage('{"t":"op.update"}')).toBeNull();
    expect(parseBrowserMessage(JSON.stringify({ t: 'op.update', op: view(1) }))).toMatchObject({ t: 'op.update' });
    expect(parseBrowserMessage(JSON.stringify({ t: 'snapshot', ops: [], agent: null, online: false }))).toMatchObject({ t: 'snapshot' });
    expect(parseBrowserMessage(new ArrayBuffer(2))).toBeNull();
  });

  it('backs off exponentially with jitter, up to 30 s', () => {
    expect(backoffDelay(0, () => 0.5)).toBe(1000);
    expect(backoffDelay(3, () => 0.5)).toBe(8000);
    expect(backoffDelay(20, () => 0.5)).toBe(30_000);
    expect(backoffDelay(0, () => 0)).toBe(750);
    expect(backoffDelay(0, () => 1)).toBe(1250);
  });
});
