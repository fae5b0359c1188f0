import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  CATALOG_TYPES,
  EVENT_CATALOG,
  EventPayloadError,
  eventDraft,
  eventOf,
  parseCatalogEvent,
  type CatalogPayloadInput,
  type CatalogType,
} from '../../contracts/event-catalog';
import { EVENT_TYPE_PATTERN, sparkEventV1 } from '../../contracts/event';
import { CATALOG_SAMPLES } from '../support/catalog-samples';

const ROOT = join(__dirname, '../..');
const envelope = () => ({ id: crypto.randomUUID(), ts: 1_714_000_000.5, source: 'spark-agent', session_id: '0b9c1f5e-8f61-4c39-9a49-1d2f9e0c7a11' });
const samples = () => CATALOG_TYPES.flatMap((type) => (CATALOG_SAMPLES[type] as CatalogPayloadInput<CatalogType>[]).map((payload) => ({ type, payload })));

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) return name === 'node_modules' ? [] : sourceFiles(p);
    return p.endsWith('.ts') ? [p] : [];
  });
}

/** The event types Spark's producers build: every `emit('…')`, `eventOf('…')`, `eventDraft('…')` in the agent, the edge and the workers. */
function producedTypes(): Map<string, string[]> {
  const found = new Map<string, string[]>();
  for (const file of ['local-agent', 'edge', 'workers'].flatMap((d) => sourceFiles(join(ROOT, d)))) {
    for (const m of readFileSync(file, 'utf8').matchAll(/\b(?:emit|eventOf|eventDraft)\(\s*'([^']+)'/g)) {
      if (!EVENT_TYPE_PATTERN.test(m[1]!)) continue;
      found.set(m[1]!, [...(found.get(m[1]!) ?? []), file.slice(ROOT.length + 1)]);
    }
  }
  return found;
}

describe('event catalog', () => {
  it('holds every type Spark produces, and nothing no producer builds', () => {
    const produced = producedTypes();
    // Sanity: the scan sees both producers.
    expect(produced.get('agent.connected')).toEqual(['edge/session-room.ts']);
    expect(produced.get('unity.script_generated')).toEqual(['local-agent/executor.ts']);
    expect(produced.get('preview.frame')?.sort()).toEqual(['edge/session-room.ts', 'local-agent/executor.ts']);
    expect([...produced.keys()].sort()).toEqual([...CATALOG_TYPES].sort());
  });

  it('names only dotted lowercase types', () => {
    for (const type of CATALOG_TYPES) expect(type).toMatch(EVENT_TYPE_PATTERN);
  });

  it('round-trips every type: build → SparkEventV1 → catalog parse, payload unchanged on the wire', () => {
    for (const { type, payload } of samples()) {
      const built = eventOf(type, payload, envelope());
      expect(built.kind).toBe(EVENT_CATALOG[type].kind);
      // The wire carries the payload exactly as built.
      expect(built.payload).toEqual(payload);
      const wire = sparkEventV1.parse(JSON.parse(JSON.stringify(built)));
      const read = parseCatalogEvent(wire);
      expect(read, type).toEqual({ ok: true, event: { type, payload } });
    }
  });

  it('refuses a wrong payload for a catalog type, naming the field', () => {
    const frame = CATALOG_SAMPLES['preview.frame'][1]!;
    const attempt = (type: CatalogType, payload: unknown) => {
      try {
        eventOf(type, payload as never, envelope());
      } catch (err) {
        return err;
      }
      throw new Error(`${type} accepted ${JSON.stringify(payload)}`);
    };
    const wrongType = attempt('preview.frame', { ...frame, bytes: 'not-a-number' });
    expect(wrongType).toBeInstanceOf(EventPayloadError);
    expect((wrongType as EventPayloadError).message).toMatch(/^preview\.frame payload: bytes: /);
    expect((wrongType as EventPayloadError).path).toBe('payload.bytes');

    const missing = attempt('build.started', { call_id: crypto.randomUUID(), development: false });
    expect((missing as EventPayloadError).message).toBe('build.started payload: target is required');

    const nested = attempt('unity.failed', { ...CATALOG_SAMPLES['unity.failed'][0], error: { code: 'x' } });
    expect((nested as EventPayloadError).path).toBe('payload.error.message');

    const notUuid = attempt('agent.disconnected', { token_id: 'tok-1' });
    expect((notUuid as EventPayloadError).message).toBe('agent.disconnected payload: token_id: token_id must be a UUID');

    // The envelope is checked too (here: a payload above 64 KiB).
    const big = attempt('unity.script_generated', { ...CATALOG_SAMPLES['unity.script_generated'][0], after: 'x'.repeat(70_000) });
    expect((big as EventPayloadError).message).toMatch(/^unity\.script_generated payload: payload: payload must be at most 65536 bytes/);

    // A producer's draft is checked the same way.
    expect(() => eventDraft('build.progress', { call_id: crypto.randomUUID(), jobId: 'b', status: 'paused' } as never)).toThrow(/build\.progress payload: status: /);
  });

  it("tells the consumer a broken payload from a foreign type's generic one", () => {
    const broken = parseCatalogEvent({ type: 'build.completed', payload: { call_id: crypto.randomUUID(), target: 'WebGL', artifact: 'Builds/x', duration_ms: 1 } });
    expect(broken).toMatchObject({ ok: false, error: { path: 'jobId', message: 'jobId is required' } });
    expect(parseCatalogEvent({ type: 'github.push', payload: { anything: 1 } })).toBeNull();
    // Inherited object keys are not catalog types.
    expect(parseCatalogEvent({ type: 'constructor', payload: {} })).toBeNull();
  });

  it('keeps fields it does not declare on the wire but gives the consumer only declared ones', () => {
    const payload = { ...CATALOG_SAMPLES['agent.disconnected'][0]!, reason: 'closed' };
    const built = eventOf('agent.disconnected', payload as CatalogPayloadInput<'agent.disconnected'>, envelope());
    expect(built.payload).toEqual(payload);
    expect(parseCatalogEvent(built)).toEqual({ ok: true, event: { type: 'agent.disconnected', payload: { token_id: payload.token_id } } });
  });
});
