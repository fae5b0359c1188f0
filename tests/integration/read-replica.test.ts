// The read replica, against a real hot standby: a primary cluster of this file's own, copied with
// `pg_basebackup -R` into a second cluster that streams its WAL. With the standby's replay paused
// it lags visibly, so a read that misses what the primary already has was served by the standby,
// and one that sees it was served by the primary.
import type postgres from 'postgres';
import pg from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runMigrations } from '../../db/migrate';
import { apiClient, eventually, makeEvent, userWithProject } from '../support/api';
import { createPgCluster, createStandby, type PgCluster } from '../support/pg-cluster';
import { startSparkWorker, type SparkWorker } from '../support/spark-worker';

const inDatabase = (cluster: PgCluster, name: string) => cluster.url.replace(/\/postgres$/, `/${name}`);

describe('read replica (hot standby)', () => {
  let primary: PgCluster | undefined;
  let standby: PgCluster | undefined;
  let onPrimary: postgres.Sql;
  let onStandby: postgres.Sql;
  let worker: SparkWorker | undefined;

  beforeAll(async () => {
    primary = await createPgCluster();
    const admin = pg(primary.url, { max: 1, onnotice: () => {} });
    await admin`create database spark`;
    await admin.end();
    await runMigrations(inDatabase(primary, 'spark'));
    standby = await createStandby(primary);
    onPrimary = pg(inDatabase(primary, 'spark'), { max: 2, onnotice: () => {} });
    onStandby = pg(inDatabase(standby, 'spark'), { max: 2, onnotice: () => {} });
    worker = await startSparkWorker({ databaseUrl: inDatabase(primary, 'spark'), vars: { DATABASE_REPLICA_URL: inDatabase(standby, 'spark') } });
  });

  afterAll(async () => {
    await onPrimary?.end();
    await onStandby?.end();
    await worker?.dispose();
    standby?.destroy();
    primary?.destroy();
  });

  /** Stops the standby applying WAL: from here it answers as of this moment until resumed. */
  async function pauseReplay() {
    await onStandby`select pg_wal_replay_pause()`;
    await eventually(async () => (await onStandby`select pg_get_wal_replay_pause_state() as s`)[0]!.s === 'paused');
  }
  const resumeReplay = () => onStandby`select pg_wal_replay_resume()`;

  it('is a real standby: in recovery, refusing writes, following the primary', async () => {
    expect((await onStandby`select pg_is_in_recovery() as r`)[0]!.r).toBe(true);
    expect((await onPrimary`select pg_is_in_recovery() as r`)[0]!.r).toBe(false);
    await expect(onStandby`insert into users (email, password_hash) values ('x@example.com', 'x')`).rejects.toThrow(/read-only transaction/);
    expect((await onPrimary`select count(*)::int as n from pg_stat_replication where state = 'streaming'`)[0]!.n).toBe(1);
  });

  it('serves lists, dashboards and exports from the standby, and writes and read-your-write paths from the primary', async () => {
    const alice = await userWithProject(worker!.url, 'alice');
    const p = `/api/projects/${alice.projectId}`;
    const before = makeEvent({ session_id: 'replica' });
    expect((await alice.api.post(`${p}/events`, { events: [before] })).status).toBe(202);
    // Stored, and replayed on the standby: the list (a standby read) shows it.
    await eventually(async () => (await alice.api.get(`${p}/events`)).body.items?.some((e: { id: string }) => e.id === before.id));

    await pauseReplay();
    try {
      // Writes succeed while the standby lags: none of them went to it (it would refuse them).
      const during = makeEvent({ session_id: 'replica' });
      expect((await alice.api.post(`${p}/events`, { events: [during] })).status).toBe(202);
      await eventually(async () => (await onPrimary`select 1 from spark_events where id = ${during.id}`).length === 1, 30_000);
      const session = await alice.api.post(`${p}/sessions`, { name: 'made while the standby lags' });
      expect(session.status).toBe(201);
      const token = await alice.api.post(`${p}/tokens`, { name: 'reader', scope: 'read' });
      expect(token.status).toBe(201);
      expect((await onStandby`select 1 from sessions where id = ${session.body.id}`).length).toBe(0);
      expect((await onStandby`select 1 from api_tokens where id = ${token.body.id}`).length).toBe(0);

      // Read-your-write paths read the primary: the new session, the new token (auth included).
      expect((await alice.api.get(`${p}/sessions/${session.body.id}`)).status).toBe(200);
      expect((await alice.api.get(`${p}/tokens`)).body.items.map((t: { id: string }) => t.id)).toContain(token.body.id);
      const reader = apiClient(worker!.url, token.body.token);
      expect((await reader.get(p)).status).toBe(200);

      // Lag-tolerant reads come from the standby: the primary has these rows, they do not.
      const listed = await reader.get(`${p}/events`);
      expect(listed.status).toBe(200);
      const ids = listed.body.items.map((e: { id: string }) => e.id);
      expect(ids).toContain(before.id);
      expect(ids).not.toContain(during.id);
      const audit = await alice.api.get(`${p}/audit`);
      expect(audit.status).toBe(200);
      expect(audit.body.items.map((e: { target: string | null }) => e.target)).not.toContain(token.body.id);
      expect((await onPrimary`select 1 from audit_log where target = ${token.body.id}`).length).toBe(1);
      const board = await alice.api.get(`${p}/dashboard`);
      expect(board.status).toBe(200);
      expect(board.body.sessions.active_now).toBe(0);
      const exported = await worker!.fetch(`${p}/events/export`, { headers: { authorization: `Bearer ${alice.token}` } });
      expect(exported.status).toBe(200);
      const ndjson = await exported.text();
      expect(ndjson).toContain(before.id);
      expect(ndjson).not.toContain(during.id);

      // Resumed, the standby catches up and the same reads show what was written.
      await resumeReplay();
      await eventually(async () => (await reader.get(`${p}/events`)).body.items?.some((e: { id: string }) => e.id === during.id));
      await eventually(async () => (await alice.api.get(`${p}/audit`)).body.items?.some((e: { target: string | null }) => e.target === token.body.id));
      expect((await alice.api.get(`${p}/dashboard`)).body.sessions.active_now).toBe(1);
    } finally {
      await resumeReplay();
    }
  });

  it('reads through a HYPERDRIVE_REPLICA binding the same way', async () => {
    const bound = await startSparkWorker({ databaseUrl: inDatabase(primary!, 'spark'), replicaHyperdriveUrl: inDatabase(standby!, 'spark') });
    try {
      const bob = await userWithProject(bound.url, 'bob');
      const p = `/api/projects/${bob.projectId}`;
      await pauseReplay();
      try {
        const during = makeEvent({ session_id: 'replica' });
        expect((await bob.api.post(`${p}/events`, { events: [during] })).status).toBe(202);
        await eventually(async () => (await onPrimary`select 1 from spark_events where id = ${during.id}`).length === 1, 30_000);
        const listed = await bob.api.get(`${p}/events`);
        expect(listed.status).toBe(200);
        expect(listed.body.items.map((e: { id: string }) => e.id)).not.toContain(during.id);
        await resumeReplay();
        await eventually(async () => (await bob.api.get(`${p}/events`)).body.items?.some((e: { id: string }) => e.id === during.id));
      } finally {
        await resumeReplay();
      }
    } finally {
      await bound.dispose();
    }
  });
});
