// The session pool's relay (scripts/pg-session-pool.ts) cut at every kind of chunk boundary: what
// comes out is what went in, less the messages it was told to drop, in order.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { relay } from '../../scripts/pg-session-pool';

function message(type: string, body: Buffer): Buffer {
  const head = Buffer.alloc(5);
  head.write(type, 0, 'latin1');
  head.writeInt32BE(body.length + 4, 1);
  return Buffer.concat([head, body]);
}

const aMessage = fc.oneof(
  fc.record({ type: fc.constantFrom('D', 'C', 'T', 'P', 'B', 'E'), body: fc.uint8Array({ maxLength: 300 }) }),
  fc.record({ type: fc.constant('Z'), body: fc.constantFrom('I', 'T', 'E').map((s) => Uint8Array.from(Buffer.from(s))) }),
  fc.record({ type: fc.constant('X'), body: fc.constant(new Uint8Array()) }),
);

describe('the session pool relay', () => {
  it('forwards every message whole and in order however the stream is cut, drops the ones refused, and reads each ReadyForQuery status', () => {
    fc.assert(
      fc.property(fc.array(aMessage, { maxLength: 40 }), fc.array(fc.integer({ min: 1, max: 64 }), { minLength: 1, maxLength: 20 }), (messages, cuts) => {
        const stream = Buffer.concat(messages.map((m) => message(m.type, Buffer.from(m.body))));
        const out: Buffer[] = [];
        const types: string[] = [];
        const statuses: string[] = [];
        const fn = relay(
          (type) => {
            types.push(type);
            return type === 'X' ? false : undefined;
          },
          (b) => out.push(Buffer.from(b)),
          (byte) => statuses.push(String.fromCharCode(byte)),
        );
        for (let at = 0, i = 0; at < stream.length; i++) {
          const n = cuts[i % cuts.length]!;
          fn(stream.subarray(at, at + n));
          at += n;
        }
        const kept = messages.filter((m) => m.type !== 'X');
        expect(Buffer.concat(out).equals(Buffer.concat(kept.map((m) => message(m.type, Buffer.from(m.body)))))).toBe(true);
        expect(types).toEqual(messages.map((m) => m.type));
        expect(statuses).toEqual(messages.filter((m) => m.type === 'Z').map((m) => Buffer.from(m.body).toString()));
        expect(fn.atBoundary()).toBe(true);
      }),
      { numRuns: 500 },
    );
  });

  it('is not at a message boundary while a message is half through', () => {
    const fn = relay(() => undefined, () => {});
    fn(message('D', Buffer.alloc(100)).subarray(0, 50));
    expect(fn.atBoundary()).toBe(false);
    fn(Buffer.alloc(55));
    expect(fn.atBoundary()).toBe(true);
    fn(message('D', Buffer.alloc(1)).subarray(0, 3));
    expect(fn.atBoundary()).toBe(false);
  });
});
