import { describe, it, expect } from 'vitest';
import * as limits from '../../contracts/limits';

// The limits DESIGN.md and the public Spark event format promise; a change here is a contract change.
describe('limits', () => {
  it('match the documented values', () => {
    expect(limits.MAX_EVENT_PAYLOAD_BYTES).toBe(65536);
    expect(limits.MAX_SOURCE_LEN).toBe(256);
    expect(limits.MAX_SESSION_ID_LEN).toBe(256);
    expect(limits.MAX_SCRIPT_BYTES).toBe(200 * 1024);
    expect(limits.MAX_PATCH_BYTES).toBe(200 * 1024);
    expect(limits.MAX_PREVIEW_PX).toBe(4096);
    expect(limits.MAX_OCR_PAGES).toBe(10);
    expect(limits.MAX_ASR_SECONDS).toBe(900);
    expect(limits.MAX_INGEST_EVENTS).toBe(500);
    expect(limits.MAX_INGEST_BYTES).toBe(1024 * 1024);
  });

  it('are all positive integers', () => {
    for (const [name, value] of Object.entries(limits)) {
      expect(Number.isSafeInteger(value) && value > 0, name).toBe(true);
    }
  });

  it('keep a NATS session token no longer than a session id', () => {
    expect(limits.MAX_NATS_TOKEN_LEN).toBeLessThanOrEqual(limits.MAX_SESSION_ID_LEN);
    expect(limits.MIN_PREVIEW_PX).toBeLessThan(limits.MAX_PREVIEW_PX);
  });
});
