import { describe, expect, it } from 'vitest';
import type { OpView } from '../../contracts/ws';
import { awaitOp, progressLine } from '../../edge/mcp/await-op';
import { ToolError } from '../../edge/mcp/context';
import { resultOf, settled, validOp } from '../../edge/mcp/op-outcome';

const view = (over: Partial<OpView>): OpView => ({ callId: '00000000-0000-4000-8000-000000000001', op: 'run_build', state: 'queued', queuedAt: 0, updatedAt: 0, ...over });

/** A room whose operation goes through the given views, one per look; past the last it waits out each long poll. */
const roomGoingThrough = (views: OpView[]) => {
  let i = 0;
  return {
    awaitOpChange: async (_callId: string, _seen: string | null, maxWaitMs: number) => {
      if (i >= views.length) await new Promise((resolve) => setTimeout(resolve, maxWaitMs));
      return views[Math.min(i++, views.length - 1)]!;
    },
  };
};

describe('MCP tool calls waiting on the room', () => {
  it('reports each new line as progress and returns the finished view', async () => {
    const lines: string[] = [];
    const done = await awaitOp(
      roomGoingThrough([view({}), view({ state: 'delivered' }), view({ state: 'running', stage: 'build', progress: 0.5, message: 'build-0123456789: Build building...' }), view({ state: 'running', stage: 'build', progress: 0.5, message: 'build-0123456789: Build building...' }), view({ state: 'succeeded' })]),
      'x',
      { deadline: Date.now() + 10_000, progress: async (m) => void lines.push(m) },
    );
    expect(done.state).toBe('succeeded');
    expect(lines).toEqual(['queued: waiting for the agent', 'delivered to the agent', 'build 50%: build-0123456789: Build building...']);
  });

  it('returns the unfinished view when the deadline comes', async () => {
    const last = await awaitOp(roomGoingThrough([view({ state: 'running', stage: 'writing' })]), 'x', { deadline: Date.now() + 20, progress: async () => {} });
    expect(last.state).toBe('running');
    expect(() => settled(last)).toThrow(expect.objectContaining({ code: 'time_budget', detail: expect.objectContaining({ state: 'running' }) }));
  });

  it('turns failures into tool errors that say what to do', () => {
    const reloading = () => settled(view({ state: 'failed', error: { code: 'unity_reloading', message: 'create_script: Unity was still reloading after 2 s' } }));
    expect(reloading).toThrow(ToolError);
    expect(reloading).toThrow(/Unity is reloading .* Call again in a few seconds/);
    expect(() => settled(view({ state: 'expired' }))).toThrow(expect.objectContaining({ code: 'expired' }));
    expect(() => settled(view({ state: 'running', stage: 'reloading' }))).toThrow(/Unity is reloading/);
    expect(progressLine(view({ state: 'running', stage: 'reloading', message: 'Unity is reloading…' }))).toBe('reloading: Unity is reloading…');
  });

  it('checks a whole operation as the API does, rules across fields included', () => {
    const edit = (startCol: number, endCol: number) => ({ startLine: 1, startCol, endLine: 1, endCol, newText: 'x' });
    expect(() => validOp({ op: 'apply_patch', path: 'Assets/A.cs', edits: [edit(1, 5), edit(3, 4)] })).toThrow(expect.objectContaining({ code: 'invalid_op', path: 'edits.1' }));
    expect(validOp({ op: 'render_preview', width: 64, height: 64 })).toMatchObject({ format: 'png' });
  });

  it("leaves the history's texts out of a result", () => {
    expect(resultOf(view({ state: 'succeeded', result: { path: 'Assets/A.cs', before: 'old', after: 'new', sha256: 'abc' }, latencyMs: 12.4 }))).toEqual({ call_id: view({}).callId, path: 'Assets/A.cs', sha256: 'abc', latency_ms: 12 });
  });
});
