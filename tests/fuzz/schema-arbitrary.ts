import fc from 'fast-check';
import { hostileValue, prototypeKeys, withRawKey } from './hostile';

// Valid-ish values from the OpenAPI document's JSON Schemas (the app's own zod contracts), then
// mutated: a field swapped for a hostile value, a required one dropped, an unknown or prototype
// key added, the root replaced. Patterns are not honoured (uuid format is): close enough to reach
// the deeper checks, wrong enough to exercise them.

export type JsonSchema = {
  type?: string | string[];
  enum?: unknown[];
  const?: unknown;
  properties?: Record<string, JsonSchema>;
  required?: string[];
  additionalProperties?: boolean | JsonSchema;
  items?: JsonSchema;
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  allOf?: JsonSchema[];
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  exclusiveMaximum?: number;
  minLength?: number;
  maxLength?: number;
  minItems?: number;
  maxItems?: number;
  format?: string;
  default?: unknown;
};

export function validish(s: JsonSchema | undefined, depth = 0): fc.Arbitrary<unknown> {
  if (!s || depth > 6) return fc.jsonValue({ maxDepth: 2 });
  if (s.const !== undefined) return fc.constant(s.const);
  if (s.enum) return fc.constantFrom(...s.enum);
  const alts = s.oneOf ?? s.anyOf;
  if (alts?.length) return fc.oneof(...alts.map((a) => validish(a, depth + 1)));
  if (s.allOf?.length) return validish(Object.assign({}, ...s.allOf), depth + 1);
  const type = Array.isArray(s.type) ? s.type[0] : s.type;
  switch (type) {
    case 'string':
      if (s.format === 'uuid') return fc.uuid();
      if (s.format === 'date-time') return fc.date({ min: new Date(0), max: new Date(4102444800000), noInvalidDate: true }).map((d) => d.toISOString());
      return fc.string({ minLength: s.minLength ?? 0, maxLength: Math.max(s.minLength ?? 0, Math.min(s.maxLength ?? 40, 80)) });
    case 'integer':
      return fc.integer({ min: Math.ceil(s.minimum ?? s.exclusiveMinimum ?? -1000), max: Math.floor(Math.min(s.maximum ?? s.exclusiveMaximum ?? 1e6, 2 ** 31 - 1)) });
    case 'number':
      return fc.double({ min: s.minimum ?? 0, max: s.maximum ?? 1e6, noNaN: true, noDefaultInfinity: true });
    case 'boolean':
      return fc.boolean();
    case 'null':
      return fc.constant(null);
    case 'array':
      return fc.array(validish(s.items, depth + 1), { minLength: s.minItems ?? 0, maxLength: Math.max(s.minItems ?? 0, Math.min(s.maxItems ?? 4, 4)) });
    case 'object': {
      const props = s.properties ?? {};
      const required = new Set(s.required ?? []);
      const record: Record<string, fc.Arbitrary<unknown>> = {};
      for (const [k, v] of Object.entries(props)) record[k] = validish(v, depth + 1);
      return fc.record(record, { requiredKeys: Object.keys(props).filter((k) => required.has(k)) });
    }
    default:
      return fc.jsonValue({ maxDepth: 2 });
  }
}

/** Every dotted path to a value inside `v` (objects and arrays), the root included as ''. */
function paths(v: unknown, prefix: string[] = [], out: string[][] = []): string[][] {
  out.push(prefix);
  if (v && typeof v === 'object' && prefix.length < 6) for (const k of Object.keys(v)) paths((v as Record<string, unknown>)[k], [...prefix, k], out);
  return out;
}

function setAt(root: unknown, path: string[], value: unknown, remove = false): unknown {
  if (path.length === 0) return remove ? undefined : value;
  const copy = structuredClone(root) as Record<string, unknown>;
  let cur = copy;
  for (const k of path.slice(0, -1)) cur = cur[k] as Record<string, unknown>;
  const last = path[path.length - 1]!;
  if (remove) delete cur[last];
  else cur[last] = value;
  return copy;
}

export type Mutation = 'none' | 'replace' | 'drop' | 'extra' | 'proto';

/** A JSON text from the schema, mutated once (or not at all). */
export function bodyText(schema: JsonSchema | undefined): fc.Arbitrary<{ text: string; mutation: Mutation }> {
  return fc
    .tuple(validish(schema), fc.constantFrom<Mutation>('none', 'replace', 'replace', 'drop', 'extra', 'proto'), fc.nat(), hostileValue, fc.string({ maxLength: 12 }), prototypeKeys)
    .map(([value, mutation, pick, hostile, extraKey, protoKey]) => {
      const all = paths(value);
      const at = all[pick % all.length]!;
      switch (mutation) {
        case 'replace':
          return { text: JSON.stringify(setAt(value, at, hostile)) ?? 'null', mutation };
        case 'drop':
          return { text: JSON.stringify(at.length ? setAt(value, at, undefined, true) : value) ?? 'null', mutation };
        case 'extra': {
          const obj = value && typeof value === 'object' && !Array.isArray(value) ? { ...(value as object), [extraKey]: hostile } : value;
          return { text: JSON.stringify(obj) ?? 'null', mutation };
        }
        case 'proto':
          return { text: withRawKey(JSON.stringify(value) ?? 'null', protoKey, protoKey === '__proto__' ? { admin: true, role: 'owner' } : hostile), mutation };
        default:
          return { text: JSON.stringify(value) ?? 'null', mutation };
      }
    });
}
