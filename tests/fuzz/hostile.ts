import fc from 'fast-check';

// Values no route should take, and ways to break a request that is otherwise fine.

/** One UTF-16 code unit at a time, so lone surrogates (which JSON escapes as \udXXX) come up. */
export const anyCodeUnits = fc.string({ unit: fc.integer({ min: 0, max: 0xffff }).map((n) => String.fromCharCode(n)), maxLength: 40 });

export const hostileString = fc.oneof(
  fc.constantFrom(
    '', ' ', '\u0000', 'a\u0000b', '\ud800', '\udfff', 'x\ud83d', '\ud83d\ude00', '\u202e', '\uffff', '\ufeff', '\u0085', '\u2028',
    'tab\there', 'line\nbreak', '\r\n', '𝕏'.repeat(60), 'A'.repeat(5000), '../../etc/passwd', 'Assets/../../x.cs', '%00', '%ff', '{}', 'null',
    'true', '-1', '1e309', 'NaN', 'Infinity', '0x10', '__proto__', 'constructor', "'; drop table users; --", '$1', '\\', '"', '<script>',
    '00000000-0000-0000-0000-000000000000', 'ffffffff-ffff-ffff-ffff-ffffffffffff', '0b9c1f4e-8a1d-4c4e-9f59-1f0f2b7c9a11',
    '0B9C1F4E-8A1D-4C4E-9F59-1F0F2B7C9A11', '2026-02-30T00:00:00Z', '275760-09-13T00:00:00Z', '-infinity', 'epoch',
  ),
  anyCodeUnits,
  fc.string({ unit: 'grapheme', maxLength: 30 }),
  fc.uuid().map((u) => u + '\u0000'),
);

export const hostileNumber = fc.oneof(
  fc.constantFrom(0, -0, -1, 1.5, 2 ** 31, 2 ** 53 + 1, -(2 ** 63), 1e21, 1e308, -1e308, 5e-324, Number.MAX_SAFE_INTEGER),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.integer(),
);

const deep = fc.integer({ min: 20, max: 300 }).chain((d) =>
  fc.constantFrom(
    JSON.parse('['.repeat(d) + ']'.repeat(d)),
    JSON.parse('{"a":'.repeat(d) + '1' + '}'.repeat(d)),
  ),
);

export const hostileValue: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 4, arbitrary: hostileString },
  { weight: 3, arbitrary: hostileNumber },
  { weight: 1, arbitrary: fc.constantFrom(null, true, false, [], {}, [[[]]], [null], { '': null }) },
  { weight: 1, arbitrary: deep },
  { weight: 2, arbitrary: fc.jsonValue({ maxDepth: 3 }) },
  { weight: 1, arbitrary: fc.array(hostileString, { maxLength: 5 }) },
);

export const prototypeKeys = fc.constantFrom('__proto__', 'constructor', 'prototype', '__defineGetter__', 'toString', 'hasOwnProperty', 'valueOf');

/** Writes `key` as an own property in the JSON text (`{ __proto__: x }` in JS would set the prototype instead). */
export function withRawKey(json: string, key: string, value: unknown): string {
  const member = `${JSON.stringify(key)}:${JSON.stringify(value) ?? 'null'}`;
  if (!json.startsWith('{')) return json;
  return json === '{}' ? `{${member}}` : `{${member},${json.slice(1)}`;
}

/** Bodies that are not JSON at all, or JSON broken in the ways parsers differ on. */
export const brokenJsonText = fc.oneof(
  fc.constantFrom(
    '', ' ', '{', '}', '[', '{"a":', '{"a":1,}', '[1,]', "{'a':1}", '{"a":1}{"b":2}', 'nul', 'undefined', 'NaN', '\ufeff{}',
    '{"a":1e99999}', '{"a":-}', '{"a":"\\ud800"}', '{"a":"\\u0000"}', '{"a":"\\x00"}', '{"a":01}', '{"a":.5}', '{"__proto__":{"admin":true}}',
    '{"a":1,"a":2}', '\u0000', '"\u0000"', 'true', '42', '"string"', '[]', 'null',
  ),
  anyCodeUnits,
  fc.jsonValue({ maxDepth: 2 }).map((v) => JSON.stringify(v).slice(0, -1)),
);

/** Percent-encodes any JS string; a lone surrogate becomes the bytes of its WTF-8 form (invalid UTF-8). */
export function encodeAny(s: string): string {
  try {
    return encodeURIComponent(s);
  } catch {
    let out = '';
    for (const ch of s) {
      const cp = ch.codePointAt(0)!;
      if (cp >= 0xd800 && cp <= 0xdfff) {
        out += [0xe0 | (cp >> 12), 0x80 | ((cp >> 6) & 0x3f), 0x80 | (cp & 0x3f)].map((b) => '%' + b.toString(16).toUpperCase()).join('');
      } else out += encodeURIComponent(ch);
    }
    return out;
  }
}
