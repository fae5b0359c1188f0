import { describe, expect, it } from 'vitest';
import { checkJsonShape, DEFAULT_JSON_SHAPE } from '../../contracts/json-shape';
import { MAX_JSON_DEPTH, MAX_JSON_VALUES } from '../../contracts/limits';

const nested = (depth: number, open = '[', close = ']') => open.repeat(depth) + close.repeat(depth);

describe('checkJsonShape', () => {
  it('allows nesting up to the limit and refuses one more, naming the limit', () => {
    expect(checkJsonShape(nested(MAX_JSON_DEPTH))).toBeNull();
    expect(checkJsonShape(nested(MAX_JSON_DEPTH + 1))).toEqual({ limit: 'depth', message: `JSON must not nest arrays and objects more than ${MAX_JSON_DEPTH} deep` });
    expect(checkJsonShape('{"a":'.repeat(MAX_JSON_DEPTH + 1) + '1' + '}'.repeat(MAX_JSON_DEPTH + 1))?.limit).toBe('depth');
  });

  it('does not count brackets, commas or escaped quotes inside strings', () => {
    const text = JSON.stringify({ s: '['.repeat(10_000) + ',\\"'.repeat(10), t: '"]]]' });
    expect(checkJsonShape(text)).toBeNull();
    expect(JSON.parse(text).t).toBe('"]]]');
  });

  it('bounds keys plus elements and the length of one string', () => {
    expect(checkJsonShape(JSON.stringify(Array.from({ length: MAX_JSON_VALUES - 1 }, () => 0)))).toBeNull();
    expect(checkJsonShape(JSON.stringify(Array.from({ length: MAX_JSON_VALUES + 1 }, () => 0)))?.limit).toBe('values');
    const limits = { ...DEFAULT_JSON_SHAPE, maxStringChars: 10 };
    expect(checkJsonShape('{"k":"0123456789"}', limits)).toBeNull();
    expect(checkJsonShape('{"k":"0123456789a"}', limits)).toEqual({ limit: 'string', message: 'JSON strings must be at most 10 characters' });
  });

  it('leaves syntax to JSON.parse: broken text passes the scan without throwing', () => {
    expect(checkJsonShape('{"unterminated')).toBeNull();
    expect(checkJsonShape(']]]]')).toBeNull();
  });
});
