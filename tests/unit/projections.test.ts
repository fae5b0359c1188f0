import { describe, expect, it } from 'vitest';
import { CATALOG_TYPES, EVENT_CATALOG, type CatalogPayloadInput, type CatalogType } from '../../contracts/event-catalog';
import type { EventPayload, EventProducer, EventQueueMessage } from '../../contracts/event';
import { builds, changes, functionCalls, presence, previews, scripts, STATEMENT_PROJECTIONS } from '../../workers/projections/index';
import { eventsFor, readCatalog, type ProjectedEvent } from '../../workers/projections/projection';
import { CATALOG_SAMPLES } from '../support/catalog-samples';

const projectId = '0b9c1f5e-8f61-4c39-9a49-1d2f9e0c7a11';
let n = 0;
/** Who produces each type in Spark: the room reports presence, the agent everything it does. */
const producerOf = (type: string): EventProducer['kind'] => (type.startsWith('agent.') || type === 'preview.frame' ? 'edge' : 'agent');
function message(type: string, payload: EventPayload, verifiedOp = true, producer = producerOf(type)): EventQueueMessage {
  const kind = type in EVENT_CATALOG ? EVENT_CATALOG[type as CatalogType].kind : 'system';
  return {
    projectId,
    receivedAt: 1,
    event: { v: 1, id: crypto.randomUUID(), type, source: 'spark-agent', kind, ts: 1_714_000_000 + n++, session_id: projectId, payload },
    producer: { kind: producer, verifiedOp: verifiedOp || undefined },
  };
}
const samplesOf = (type: CatalogType) => (CATALOG_SAMPLES[type] as CatalogPayloadInput<CatalogType>[]).map((p) => message(type, p as EventPayload));
const everySample = () => readCatalog(CATALOG_TYPES.flatMap(samplesOf)).events;
const read = <T extends CatalogType>(type: T, payload: CatalogPayloadInput<T>, verifiedOp = true) =>
  readCatalog([message(type, payload as EventPayload, verifiedOp)]).events;

const ALL = [...STATEMENT_PROJECTIONS, functionCalls];

describe('projections', () => {
  it('each reads exactly the types it declares', () => {
    const events = everySample();
    expect(new Set(events.map((e) => e.type))).toEqual(new Set(CATALOG_TYPES));
    for (const p of ALL) {
      const reads = new Set<string>(p.reads);
      // Only declared types reach rows()…
      expect(new Set(eventsFor(p, events).map((e) => e.type)), p.name).toEqual(reads);
      // …and each declared type makes rows (a declaration is not wider than what is read).
      for (const type of p.reads) {
        const rows = (p.rows as (e: ProjectedEvent[]) => unknown[])(eventsFor(p, readCatalog(samplesOf(type)).events));
        expect(rows.length, `${p.name} reads ${type}`).toBeGreaterThan(0);
      }
    }
    // Events of no declared type leave a statement projection out of the insert.
    for (const p of STATEMENT_PROJECTIONS) {
      expect(p.project(events.filter((e) => !(p.reads as readonly string[]).includes(e.type))), p.name).toBeNull();
    }
  });

  it('project only verified reports into scripts and the change history', () => {
    const [generated] = CATALOG_SAMPLES['unity.script_generated'];
    expect(scripts.rows(eventsFor(scripts, read('unity.script_generated', generated!, false)))).toEqual([]);
    expect(changes.rows(eventsFor(changes, read('unity.script_generated', generated!, false)))).toEqual([]);
    expect(scripts.rows(eventsFor(scripts, read('unity.script_generated', generated!)))).toMatchObject([{ path: generated!.path, sha256: generated!.sha256, bytes: 10 }]);
  });

  it('tell a created file from a modified or deleted one', () => {
    const [created, replaced, omitted] = CATALOG_SAMPLES['unity.script_generated'];
    const op = (events: ProjectedEvent[]) => changes.rows(eventsFor(changes, events)).map((r) => [r.op, r.before, r.after, r.before_sha256, r.after_sha256]);
    expect(op(read('unity.script_generated', created!))).toEqual([['create', null, 'class P {}', null, created!.sha256]]);
    expect(op(read('unity.script_generated', replaced!))).toEqual([['modify', 'class P {}', 'class Q {}', replaced!.before_sha256, replaced!.sha256]]);
    // Texts left out to fit the payload: the shas still say it was a modification.
    expect(op(read('unity.script_generated', omitted!))).toEqual([['modify', null, null, omitted!.before_sha256, omitted!.sha256]]);
    const [deleted] = CATALOG_SAMPLES['unity.script_deleted'];
    expect(op(read('unity.script_deleted', deleted!))).toEqual([['delete', 'class P {}', null, deleted!.before_sha256, null]]);
  });

  it('make a preview of the stored frame only', () => {
    const [agents, rooms] = CATALOG_SAMPLES['preview.frame'];
    expect(previews.rows(eventsFor(previews, [...read('preview.frame', agents!), ...read('preview.frame', rooms!)]))).toMatchObject([{ r2_key: rooms!.r2_key, bytes: 2048 }]);
  });

  it('read build states, artifacts and errors from their declared fields', () => {
    const rows = builds.rows(eventsFor(builds, everySample()));
    expect(rows.map((r) => [r.status, r.target, r.progress, r.artifact, r.artifact_bytes, r.error])).toEqual([
      ['started', 'WebGL', null, null, null, null],
      ['progress', null, 0.4, null, null, null],
      ['progress', null, null, null, null, null],
      ['timeout', 'WebGL', 0.4, null, null, null],
      ['completed', 'WebGL', null, 'Builds/WebGL', 4096, null],
      ['completed', 'WebGL', null, null, null, null],
      ['failed', 'WebGL', null, null, null, 'build build-0a1b2c3d4e failed'],
      ['failed', 'WebGL', null, null, null, 'no Unity instance'],
    ]);
  });

  it('mark presence online or offline with the profile of a connect', () => {
    const rows = presence.rows(eventsFor(presence, everySample()));
    expect(rows.map((r) => [r.status, r.profile])).toEqual([['online', 'unity-mcp'], ['online', null], ['offline', null]]);
  });

  it('move presence only on what the room reported, not on the same event posted with a token', () => {
    const [connected] = CATALOG_SAMPLES['agent.connected'];
    const posted = (producer: EventProducer['kind']) => readCatalog([message('agent.connected', connected as EventPayload, false, producer)]).events;
    for (const producer of ['ingest', 'agent', 'user', 'webhook'] as const) expect(presence.rows(eventsFor(presence, posted(producer))), producer).toEqual([]);
    expect(presence.rows(eventsFor(presence, posted('edge')))).toHaveLength(1);
  });

  it('keep build jobs and previews to what Spark produced, not what a token or webhook posted', () => {
    const [started] = CATALOG_SAMPLES['build.started'];
    const [, stored] = CATALOG_SAMPLES['preview.frame'];
    const posted = <T extends CatalogType>(type: T, payload: unknown, producer: EventProducer['kind']) =>
      readCatalog([message(type, payload as EventPayload, false, producer)]).events;
    for (const producer of ['ingest', 'webhook'] as const) {
      expect(builds.rows(eventsFor(builds, posted('build.started', started, producer))), producer).toEqual([]);
      expect(previews.rows(eventsFor(previews, posted('preview.frame', stored, producer))), producer).toEqual([]);
    }
    expect(previews.rows(eventsFor(previews, posted('preview.frame', stored, 'agent')))).toEqual([]);
    expect(builds.rows(eventsFor(builds, posted('build.started', started, 'agent')))).toHaveLength(1);
    expect(previews.rows(eventsFor(previews, posted('preview.frame', stored, 'edge')))).toHaveLength(1);
  });

  it('leave a broken payload of a catalog type out, saying which field', () => {
    const reading = readCatalog([message('preview.frame', { ...CATALOG_SAMPLES['preview.frame'][1]!, width: 0 }), message('github.push', { ref: 'main' })]);
    expect(reading.events).toEqual([]);
    expect(reading.invalid).toMatchObject([{ type: 'preview.frame', error: { path: 'width' } }]);
  });
});
