import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { replayChip } from '../../contracts/chip-eval';
import { parseChipYaml } from '../../contracts/chips';
import { apiClient, eventually, makeEvent, userWithProject } from '../support/api';
import { E, EARLIER_CHIP, EARLIER_EXPECTED, GAME_DEV_CHIP, GAME_DEV_EXPECTED, LABELS, labelledLog } from '../support/chip-fixture';
import type { SparkWorker } from '../support/spark-worker';
import { startWorkerWithDb, type WorkerWithDb } from '../support/worker-db';

// Issue 11, chips: a chip stored through the API and evaluated over the stored events gives the
// numbers worked out by hand in tests/support/chip-fixture.ts, the same as `spark replay`.
describe('chips and their evaluations over the API', () => {
  let h: WorkerWithDb;
  let worker: SparkWorker;
  let sql: postgres.Sql;

  beforeAll(async () => {
    h = await startWorkerWithDb('chips_api');
    ({ worker, sql } = h);
  });
  afterAll(async () => {
    await h?.dispose();
  });

  const postYaml = (projectId: string, token: string, yaml: string, type = 'application/yaml') =>
    fetch(`${worker.url}/api/projects/${projectId}/chips`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': type },
      body: yaml,
    }).then(async (r) => ({ status: r.status, body: (await r.json()) as any }));

  it('replays the stored labelled log to the hand-worked report, identically twice, and keeps and lists each evaluation', async () => {
    const u = await userWithProject(worker.url, 'chips');
    const base = Math.floor(Date.now() / 1000) - 3600;
    // The log, plus noise the request's window leaves out: another session, and an event before `since`.
    const noise = [
      makeEvent({ session_id: 'other-session', ts: base + 150, type: 'game.playtest_result', payload: { playtest_id: 'x', rating: 5 } }),
      makeEvent({ session_id: 'chips-session', ts: base - 50, type: 'game.playtest_result', payload: { playtest_id: 'y', rating: 5 } }),
    ];
    const sent = await u.api.post(`/api/projects/${u.projectId}/events`, { events: [...labelledLog(base), ...noise] });
    expect(sent.status, JSON.stringify(sent.body)).toBe(202);
    expect(sent.body.accepted).toBe(11);
    await eventually(async () => (await sql`select count(*)::int as n from spark_events where project_id = ${u.projectId}`)[0]!.n === 11);

    const stored = await postYaml(u.projectId, u.token, GAME_DEV_CHIP);
    expect(stored.status, JSON.stringify(stored.body)).toBe(201);
    expect(stored.body).toMatchObject({ chip_id: 'game_dev', name: 'Game Dev Intelligence', version: '0.2.0' });

    const path = `/api/projects/${u.projectId}/chips/${stored.body.id}/evaluations`;
    const request = { since: base, until: base + 1000, session_id: 'chips-session', labels: LABELS };
    const first = await u.api.post(path, request);
    expect(first.status, JSON.stringify(first.body)).toBe(201);
    const report = first.body.report;
    expect(report.events_replayed).toBe(GAME_DEV_EXPECTED.events_replayed);
    expect(report.triggered).toBe(GAME_DEV_EXPECTED.triggered);
    expect(report.observers).toEqual(GAME_DEV_EXPECTED.observers);
    expect(report.outcomes).toEqual(GAME_DEV_EXPECTED.outcomes);
    expect(report.insights.map((i: { event_id: string; observer: string; outcome: { kind: string } | null }) => [i.event_id, i.observer, i.outcome?.kind ?? null])).toEqual(
      GAME_DEV_EXPECTED.insightOrder,
    );
    // Exactly what `spark replay` computes from the same events in files (same functions).
    const chip = parseChipYaml(GAME_DEV_CHIP);
    if (!chip.ok) throw new Error(chip.problem.message);
    expect(report).toEqual(replayChip(chip.chip, labelledLog(base), LABELS));

    const second = await u.api.post(path, request);
    expect(second.status).toBe(201);
    expect(second.body.report).toEqual(report);
    expect(second.body.id).not.toBe(first.body.id);

    const listed = await u.api.get(path);
    expect(listed.status).toBe(200);
    expect(listed.body.items.map((e: { id: string }) => e.id).sort()).toEqual([first.body.id, second.body.id].sort());
    expect(listed.body.items[0].report).toEqual(report);
    expect(listed.body.items[0].params).toEqual(request);

    // Without the window, the noise is replayed too: 11 events, one more playtest_feedback firing each.
    const all = await u.api.post(path, {});
    expect(all.status).toBe(201);
    expect(all.body.report.events_replayed).toBe(11);
    expect(all.body.report.observers.playtest_feedback).toEqual({ fired: 5, tp: null, fp: null, fn: null, precision: null, recall: null });
  });

  it('stores the earlier form sent as JSON {yaml}, lists versions, and refuses a repeated version', async () => {
    const u = await userWithProject(worker.url, 'chips2');
    const base = Math.floor(Date.now() / 1000) - 7200;
    expect((await u.api.post(`/api/projects/${u.projectId}/events`, { events: labelledLog(base) })).status).toBe(202);
    await eventually(async () => (await sql`select count(*)::int as n from spark_events where project_id = ${u.projectId}`)[0]!.n === 9);

    const earlier = await u.api.post(`/api/projects/${u.projectId}/chips`, { yaml: EARLIER_CHIP });
    expect(earlier.status, JSON.stringify(earlier.body)).toBe(201);
    expect(earlier.body).toMatchObject({ chip_id: 'game_dev_legacy', version: '0.1' });
    const current = await postYaml(u.projectId, u.token, GAME_DEV_CHIP, 'text/yaml');
    expect(current.status).toBe(201);
    const again = await postYaml(u.projectId, u.token, GAME_DEV_CHIP);
    expect(again.status).toBe(409);
    expect(again.body.error.path).toBe('chip.version');

    const list = await u.api.get(`/api/projects/${u.projectId}/chips`);
    expect(list.status).toBe(200);
    expect(list.body.items.map((c: { chip_id: string }) => c.chip_id).sort()).toEqual(['game_dev', 'game_dev_legacy']);

    const evaluated = await u.api.post(`/api/projects/${u.projectId}/chips/${earlier.body.id}/evaluations`, { labels: LABELS });
    expect(evaluated.status, JSON.stringify(evaluated.body)).toBe(201);
    expect(evaluated.body.report.triggered).toBe(EARLIER_EXPECTED.triggered);
    expect(evaluated.body.report.observers).toEqual(EARLIER_EXPECTED.observers);
    expect(evaluated.body.report.outcomes).toEqual(EARLIER_EXPECTED.outcomes);
  });

  it('refuses bad YAML, a bad condition, unknown observers in labels, and other projects, naming what was wrong; nothing is stored', async () => {
    const u = await userWithProject(worker.url, 'chips3');
    const syntax = await postYaml(u.projectId, u.token, 'chip: { id: x }\ntriggers:\n  patterns: ["a"\nobservers: []\n');
    expect(syntax.status).toBe(400);
    expect(syntax.body.error.code).toBe('invalid_chip');
    expect(syntax.body.error.message).toMatch(/^line 4: /);

    const condition = await postYaml(u.projectId, u.token, GAME_DEV_CHIP.replace('"rating >= 4"', '"rating >= great"'));
    expect(condition.status).toBe(400);
    expect(condition.body.error).toEqual({
      code: 'invalid_chip',
      message: 'line 17: outcomes.positive.0.condition: literal great must be a number or a quoted text',
      path: 'outcomes.positive.0.condition',
    });
    const missing = await u.api.post(`/api/projects/${u.projectId}/chips`, { yaml: 'chip: { id: x }\ntriggers: { patterns: [a] }\nobservers:\n  - triggers: [a]\n' });
    expect(missing.status).toBe(400);
    expect(missing.body.error).toMatchObject({ message: 'line 4: observers.0.name is required', path: 'observers.0.name' });
    // An alias with no anchor (the fuzz suite found it answered 500).
    const alias = await u.api.post(`/api/projects/${u.projectId}/chips`, { yaml: '*PHBJGW3SD' });
    expect(alias.status).toBe(400);
    expect(alias.body.error).toMatchObject({ code: 'invalid_chip', message: expect.stringMatching(/^line 1: Unresolved alias/) });
    // A YAML body arrives raw: it still has the default 64 KiB limit, and only YAML or JSON is read.
    const huge = await postYaml(u.projectId, u.token, `${GAME_DEV_CHIP}# ${'x'.repeat(70 * 1024)}\n`);
    expect(huge.status).toBe(413);
    expect(huge.body.error.code).toBe('payload_too_large');
    const plain = await postYaml(u.projectId, u.token, GAME_DEV_CHIP, 'text/plain');
    expect(plain.status).toBe(415);
    expect(plain.body.error.code).toBe('http_error');
    expect((await sql`select count(*)::int as n from chips where project_id = ${u.projectId}`)[0]!.n).toBe(0);

    const stored = await postYaml(u.projectId, u.token, GAME_DEV_CHIP);
    const evalPath = `/api/projects/${u.projectId}/chips/${stored.body.id}/evaluations`;
    const badLabels = await u.api.post(evalPath, { labels: { [E.e1]: ['no_such_observer'] } });
    expect(badLabels.status).toBe(400);
    expect(badLabels.body.error.path).toBe(`labels.${E.e1}`);
    const badWindow = await u.api.post(evalPath, { since: 10, until: 5 });
    expect(badWindow.status).toBe(400);
    expect(badWindow.body.error.path).toBe('until');
    expect((await sql`select count(*)::int as n from chip_evaluations where project_id = ${u.projectId}`)[0]!.n).toBe(0);

    const other = await userWithProject(worker.url, 'chips4');
    expect((await other.api.post(evalPath.replace(u.projectId, other.projectId), {})).status).toBe(404);
    expect((await apiClient(worker.url, other.token).post(evalPath, {})).status).toBe(404);
  });
});
