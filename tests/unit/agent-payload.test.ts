import { describe, expect, it } from 'vitest';
import { eventPayload, MAX_EVENT_PAYLOAD_BYTES } from '../../contracts/index';
import { fitPayload, payloadBytes } from '../../local-agent/mcp/payload';

describe('agent event payload fitting', () => {
  it('keeps a payload that fits untouched', () => {
    const p = { path: 'Assets/A.cs', before: 'a', after: 'b' };
    expect(fitPayload(p, ['before', 'after'])).toBe(p);
  });

  it('drops the optional contents together when too big, keeping shas', () => {
    const big = 'x'.repeat(40_000);
    const out = fitPayload({ path: 'Assets/A.cs', before: big, after: `${big}y`, before_sha256: 'a', after_sha256: 'b' }, ['before', 'after']);
    expect(out).toEqual({ path: 'Assets/A.cs', before_sha256: 'a', after_sha256: 'b', content_omitted: true });
    expect(eventPayload.safeParse(out).success).toBe(true);
  });

  it('truncates long strings, then keeps only scalars, always within the limit', () => {
    const nested = { path: 'p', info: { text: 'é'.repeat(70_000) } };
    const out = fitPayload(nested);
    expect(out.truncated).toBe(true);
    expect(payloadBytes(out)).toBeLessThanOrEqual(MAX_EVENT_PAYLOAD_BYTES);
    const many = Object.fromEntries(Array.from({ length: 200 }, (_, i) => [`k${i}`, { v: 'z'.repeat(1000) }]));
    const out2 = fitPayload({ id: 1, ...many });
    expect(payloadBytes(out2)).toBeLessThanOrEqual(MAX_EVENT_PAYLOAD_BYTES);
    expect(out2.id).toBe(1);
    expect(eventPayload.safeParse(out2).success).toBe(true);
  });
});
