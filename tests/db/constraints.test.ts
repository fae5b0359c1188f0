import { randomUUID } from 'node:crypto';
import { count, eq, sql as dsql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import {
  agents, apiTokens, auditLog, buildJobs, deadLetters, functionCalls, memberships, patches,
  previews, projects, sessions, sparkEvents, usageDaily, users, webhookDeliveries, webhookSources,
} from '../../db/schema';
import { seedProject, useTestDatabase } from './helpers';

describe('constraints and cascades', () => {
  const h = useTestDatabase('spark_constraints', 2);

  it('function_calls upsert on (project_id, session_id, call_id)', async () => {
    const { project } = await seedProject(h.db, 'fc');
    const { project: other } = await seedProject(h.db, 'fc2');
    const upsert = (projectId: string, status: 'started' | 'succeeded', result: unknown) =>
      h.db
        .insert(functionCalls)
        .values({ projectId, sessionId: 'default', callId: '1', name: 'generate_script', status, result, startedAt: new Date() })
        .onConflictDoUpdate({
          target: [functionCalls.projectId, functionCalls.sessionId, functionCalls.callId],
          set: { status: dsql`excluded.status`, result: dsql`excluded.result`, updatedAt: dsql`now()` },
        })
        .returning();
    const [a] = await upsert(project.id, 'started', null);
    const [b] = await upsert(project.id, 'succeeded', { ok: true });
    expect(b!.id).toBe(a!.id);
    expect(b!.status).toBe('succeeded');
    expect(b!.result).toEqual({ ok: true });
    // Same producer-chosen ids in another project: a separate row, the first untouched.
    const [c] = await upsert(other.id, 'started', null);
    expect(c!.id).not.toBe(a!.id);
    const rows = await h.db.select().from(functionCalls).where(eq(functionCalls.projectId, project.id));
    expect(rows).toHaveLength(1);
    expect(rows[0]!.status).toBe('succeeded');
  });

  it('emails must be stored lowercased and are unique', async () => {
    await expect(h.db.insert(users).values({ email: 'Mixed@Example.com', passwordHash: 'x' })).rejects.toMatchObject({
      cause: expect.objectContaining({ code: '23514' }),
    });
    await h.db.insert(users).values({ email: 'dup@example.com', passwordHash: 'x' });
    await expect(h.db.insert(users).values({ email: 'dup@example.com', passwordHash: 'y' })).rejects.toMatchObject({
      cause: expect.objectContaining({ code: '23505' }),
    });
  });

  it('build_jobs.progress stays within 0..1', async () => {
    const { project } = await seedProject(h.db, 'bj');
    const [s] = await h.db.insert(sessions).values({ projectId: project.id, name: 's' }).returning();
    const [job] = await h.db.insert(buildJobs).values({ projectId: project.id, sessionId: s!.id, target: 'StandaloneLinux64' }).returning();
    expect(job!.status).toBe('queued');
    await expect(h.db.update(buildJobs).set({ progress: 1.5 }).where(eq(buildJobs.id, job!.id))).rejects.toMatchObject({
      cause: expect.objectContaining({ code: '23514' }),
    });
  });

  it('webhook deliveries and dead letters dedupe on their natural keys', async () => {
    const { project } = await seedProject(h.db, 'wh');
    const [src] = await h.db.insert(webhookSources).values({ id: randomUUID(), projectId: project.id, provider: 'github', name: 'gh', secretSealed: 's' }).returning();
    const delivery = { sourceId: src!.id, projectId: project.id, deliveryKey: 'abc', status: 'accepted' as const };
    expect(await h.db.insert(webhookDeliveries).values(delivery).onConflictDoNothing().returning()).toHaveLength(1);
    expect(await h.db.insert(webhookDeliveries).values(delivery).onConflictDoNothing().returning()).toHaveLength(0);
    const dl = { queue: 'spark-events', messageId: 'm1', body: { id: 'e1' }, error: 'boom', attempts: 3 };
    expect(await h.db.insert(deadLetters).values(dl).onConflictDoNothing().returning()).toHaveLength(1);
    expect(await h.db.insert(deadLetters).values(dl).onConflictDoNothing().returning()).toHaveLength(0);
  });

  it('rollups upsert on their primary key', async () => {
    const { project } = await seedProject(h.db, 'ru');
    const row = { projectId: project.id, day: '2026-01-02', provider: 'anthropic', model: 'm', requests: 1, inputTokens: 10, outputTokens: 5 };
    for (let i = 0; i < 2; i++) {
      await h.db.insert(usageDaily).values(row).onConflictDoUpdate({
        target: [usageDaily.projectId, usageDaily.day, usageDaily.provider, usageDaily.model],
        set: { requests: dsql`excluded.requests`, inputTokens: dsql`excluded.input_tokens`, updatedAt: dsql`now()` },
      });
    }
    const rows = await h.db.select().from(usageDaily).where(eq(usageDaily.projectId, project.id));
    expect(rows).toEqual([expect.objectContaining({ day: '2026-01-02', requests: 1, inputTokens: 10 })]);
  });

  it('deleting a project cascades to everything it owns, events included', async () => {
    const { user, project } = await seedProject(h.db, 'del');
    const [token] = await h.db.insert(apiTokens).values({ projectId: project.id, name: 't', scope: 'agent', tokenHash: crypto.randomUUID(), tokenPrefix: 'spk_' }).returning();
    await h.db.insert(memberships).values({ projectId: project.id, userId: user.id, role: 'owner' });
    const [s] = await h.db.insert(sessions).values({ projectId: project.id, name: 's', createdBy: user.id }).returning();
    await h.db.insert(previews).values({ projectId: project.id, sessionId: s!.id, width: 64, height: 64 });
    await h.db.insert(patches).values({ projectId: project.id, sessionId: s!.id, path: 'Assets/A.cs', op: 'create', afterContent: 'x' });
    await h.db.insert(agents).values({ projectId: project.id, name: 'a', tokenId: token!.id });
    await h.db.insert(sparkEvents).values({ id: crypto.randomUUID(), occurredAt: new Date(), projectId: project.id, sessionId: s!.id, source: 'test', kind: 'system', type: 't', payload: {} });
    await h.db.insert(auditLog).values({ projectId: project.id, actorUserId: user.id, action: 'project.delete' });

    await h.db.delete(projects).where(eq(projects.id, project.id));

    const left = async (table: typeof sessions | typeof previews | typeof patches | typeof agents | typeof apiTokens | typeof memberships | typeof sparkEvents) =>
      (await h.db.select({ n: count() }).from(table).where(eq(table.projectId, project.id)))[0]!.n;
    for (const t of [sessions, previews, patches, agents, apiTokens, memberships, sparkEvents]) expect(await left(t)).toBe(0);
    // The audit log is history: it keeps the row.
    expect((await h.db.select().from(auditLog).where(eq(auditLog.projectId, project.id)))).toHaveLength(1);
    // Users are not owned by projects.
    expect(await h.db.select().from(users).where(eq(users.id, user.id))).toHaveLength(1);
  });
});
