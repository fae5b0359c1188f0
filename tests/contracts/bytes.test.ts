import { describe, it, expect } from 'vitest';
import { fitsUtf8Bytes, utf8ByteLength } from '../../contracts/bytes';

const encoded = (s: string) => new TextEncoder().encode(s).length;

describe('utf8ByteLength', () => {
  it('counts UTF-8 bytes, not UTF-16 code units', () => {
    for (const s of ['', 'abc', 'é', '€', '😀', 'a😀é€', '\ud800']) {
      expect(utf8ByteLength(s)).toBe(encoded(s));
    }
    expect(utf8ByteLength('é')).toBe(2);
    expect(utf8ByteLength('€')).toBe(3);
    expect(utf8ByteLength('😀')).toBe(4);
    expect('😀'.length).toBe(2);
  });
});

describe('fitsUtf8Bytes', () => {
  // Cover the fast paths (length > max, length*3 <= max) and the encoding path around each edge.
  const samples = ['a', 'é', '€', '😀', '\udc00'];
  it('agrees with TextEncoder at and around every boundary', () => {
    for (const unit of samples) {
      for (let n = 0; n <= 40; n++) {
        const s = unit.repeat(n);
        for (let max = 0; max <= 100; max++) {
          expect(fitsUtf8Bytes(s, max), `${JSON.stringify(unit)}x${n} max=${max}`).toBe(encoded(s) <= max);
        }
      }
    }
  });

  it('accepts exactly the limit and rejects one byte over, in multibyte text', () => {
    const s = 'é'.repeat(50); // 100 bytes, 50 code units
    expect(fitsUtf8Bytes(s, 100)).toBe(true);
    expect(fitsUtf8Bytes(s + 'x', 100)).toBe(false);
  });
});
