// The assistant's rows: settings, runs (state, stop, confirmation) and the messages kept with the session.
import { and, asc, eq, gte, sql } from 'drizzle-orm';
import type { AssistantRunState } from '../../contracts/assistant';
import type { Db } from '../../db/client';
import { assistantMessages, assistantRuns, assistantSettings } from '../../db/schema';
import type { ChatMessage } from './chat';

export async function readSettings(db: Db, projectId: string) {
  const [row] = await db.select().from(assistantSettings).where(eq(assistantSettings.projectId, projectId));
  return { enabled: row?.enabled ?? true, monthlyBudgetUsd: row?.monthlyBudgetUsd ?? null };
}

export async function writeSettings(db: Db, projectId: string, change: { enabled?: boolean; monthly_budget_usd?: number | null }) {
  const set = { ...(change.enabled !== undefined ? { enabled: change.enabled } : {}), ...(change.monthly_budget_usd !== undefined ? { monthlyBudgetUsd: change.monthly_budget_usd } : {}), updatedAt: new Date() };
  await db.insert(assistantSettings).values({ projectId, ...set }).onConflictDoUpdate({ target: assistantSettings.projectId, set });
}

/** What the project's runs cost since the first of this month (UTC). */
export async function spentThisMonth(db: Db, projectId: string, now = new Date()): Promise<number> {
  const since = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1));
  const [row] = await db
    .select({ usd: sql<string>`coalesce(sum(${assistantRuns.costUsd}), 0)` })
    .from(assistantRuns)
    .where(and(eq(assistantRuns.projectId, projectId), gte(assistantRuns.createdAt, since)));
  return Number(row?.usd ?? 0);
}

export async function insertRun(db: Db, projectId: string, sessionId: string) {
  const [row] = await db.insert(assistantRuns).values({ projectId, sessionId }).returning();
  return row!;
}

export async function findRun(db: Db, projectId: string, sessionId: string, runId: string) {
  const [row] = await db.select().from(assistantRuns).where(and(eq(assistantRuns.id, runId), eq(assistantRuns.projectId, projectId), eq(assistantRuns.sessionId, sessionId)));
  return row ?? null;
}

export async function updateRun(db: Db, runId: string, set: Partial<{ state: AssistantRunState; stopRequested: boolean; pendingToolCallId: string | null; decision: boolean | null; steps: number; finishedAt: Date }>) {
  await db.update(assistantRuns).set(set).where(eq(assistantRuns.id, runId));
}

export async function addRunCost(db: Db, runId: string, usd: number) {
  await db.update(assistantRuns).set({ costUsd: sql`${assistantRuns.costUsd} + ${usd}` }).where(eq(assistantRuns.id, runId));
}

/** The person's answer, only for the call the run waits on. False when it waits on no such call. */
export async function decide(db: Db, runId: string, toolCallId: string, approve: boolean): Promise<boolean> {
  const rows = await db
    .update(assistantRuns)
    .set({ decision: approve })
    .where(and(eq(assistantRuns.id, runId), eq(assistantRuns.state, 'awaiting_confirmation'), eq(assistantRuns.pendingToolCallId, toolCallId)))
    .returning({ id: assistantRuns.id });
  return rows.length > 0;
}

export async function keepMessage(db: Db, runId: string, sessionId: string, m: ChatMessage) {
  await db.insert(assistantMessages).values({
    runId,
    sessionId,
    role: m.role === 'system' ? 'assistant' : m.role,
    content: m.content,
    toolCalls: m.tool_calls?.map((t) => ({ id: t.id, name: t.function.name, arguments: t.function.arguments })) ?? null,
    toolCallId: m.tool_call_id ?? null,
  });
}

export async function sessionMessages(db: Db, sessionId: string, limit = 500) {
  return db.select().from(assistantMessages).where(eq(assistantMessages.sessionId, sessionId)).orderBy(asc(assistantMessages.id)).limit(limit);
}

/** The session's earlier conversation, as the model reads it. */
export async function conversation(db: Db, sessionId: string): Promise<ChatMessage[]> {
  return (await sessionMessages(db, sessionId)).map((r) => ({
    role: r.role,
    content: r.content,
    ...(r.toolCalls ? { tool_calls: r.toolCalls.map((t) => ({ id: t.id, type: 'function' as const, function: { name: t.name, arguments: t.arguments } })) } : {}),
    ...(r.toolCallId ? { tool_call_id: r.toolCallId } : {}),
  }));
}
