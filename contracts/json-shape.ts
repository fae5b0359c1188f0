// A cheap pass over raw JSON text before JSON.parse: bounds nesting depth, the number of keys and
// elements, and string length. Parsing and recursive validation of a document that passes cost
// little; one that fails is refused without building anything. It does not validate JSON syntax
// (JSON.parse does that next): brackets inside strings are skipped, everything else is counted.
import { MAX_JSON_DEPTH, MAX_JSON_STRING_CHARS, MAX_JSON_VALUES } from './limits';

export interface JsonShapeLimits {
  maxDepth: number;
  maxValues: number;
  maxStringChars: number;
}

export const DEFAULT_JSON_SHAPE: JsonShapeLimits = {
  maxDepth: MAX_JSON_DEPTH,
  maxValues: MAX_JSON_VALUES,
  maxStringChars: MAX_JSON_STRING_CHARS,
};

export interface JsonShapeViolation {
  limit: 'depth' | 'values' | 'string';
  message: string;
}

const QUOTE = 34;
const BACKSLASH = 92;
const OPEN_ARRAY = 91;
const CLOSE_ARRAY = 93;
const OPEN_OBJECT = 123;
const CLOSE_OBJECT = 125;
const COMMA = 44;

/** The first limit `text` breaks, or null. Linear in the text, no allocation. */
export function checkJsonShape(text: string, limits: JsonShapeLimits = DEFAULT_JSON_SHAPE): JsonShapeViolation | null {
  let depth = 0;
  let values = 1;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === QUOTE) {
      const start = i;
      for (i++; i < text.length; i++) {
        const s = text.charCodeAt(i);
        if (s === BACKSLASH) i++;
        else if (s === QUOTE) break;
      }
      if (i - start - 1 > limits.maxStringChars) {
        return { limit: 'string', message: `JSON strings must be at most ${limits.maxStringChars} characters` };
      }
    } else if (c === OPEN_ARRAY || c === OPEN_OBJECT) {
      if (++depth > limits.maxDepth) {
        return { limit: 'depth', message: `JSON must not nest arrays and objects more than ${limits.maxDepth} deep` };
      }
      values++;
    } else if (c === CLOSE_ARRAY || c === CLOSE_OBJECT) {
      depth--;
    } else if (c === COMMA) {
      if (++values > limits.maxValues) {
        return { limit: 'values', message: `JSON must hold at most ${limits.maxValues} keys and elements` };
      }
    }
  }
  return null;
}
