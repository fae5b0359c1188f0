import { describe, expect, it } from 'vitest';
import { letterBody, storedBody } from '../../db/queries/dead-letters';

describe('dead-letter bodies', () => {
  it('keep jsonb when Postgres can hold it, and exact JSON text when it cannot', () => {
    expect(storedBody({ a: 'fine' })).toEqual({ body: { a: 'fine' }, bodyJson: null });
    for (const bad of [{ a: 'x\u0000' }, { a: '\ud800' }, { ['k\u0000']: 1 }]) {
      const stored = storedBody(bad);
      expect(stored.body).toBeNull();
      expect(stored.bodyJson).toMatch(/^[\x20-\x7e]*$/);
      expect(letterBody(stored)).toEqual(bad);
    }
    expect(letterBody(storedBody(undefined))).toBeNull();
  });
});
