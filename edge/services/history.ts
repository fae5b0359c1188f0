import { firstIssue } from '../../contracts/errors';
import { unityOperation, type UnityOperation, type UnityOperationInput } from '../../contracts/unity-ops';
import type { Db } from '../../db/client';
import type { ChangeExport } from '../../contracts/api';
import { changesAfter, getChange, lastUndoableChange, markReverted, type ImportedChange } from '../../db/queries/history';
import type { patches } from '../../db/schema';
import { HttpError } from '../http/errors';
import type { OpenedRoom } from './room';

type Change = typeof patches.$inferSelect;

/**
 * The operation that puts a path back to how it was before `change`: its earlier content, or no
 * file at all when the change created it. A change whose earlier content was too large to keep
 * cannot be put back, and saying so beats guessing. The operation passes the same validation as
 * POST …/ops (the history may hold what an older Spark or an import let in): a 422 names the
 * field otherwise.
 */
export function restoreOp(change: Change): UnityOperation {
  return validated(change, restoreInput(change));
}

function restoreInput(change: Change): UnityOperationInput {
  if (change.beforeContent !== null) return { op: 'generate_script', path: change.path, code: change.beforeContent, overwrite: true };
  if (change.op === 'create' && change.beforeSha256 === null) return { op: 'delete_script', path: change.path };
  throw new HttpError(409, 'not_restorable', `the content of ${change.path} before this change was not kept (too large), so it cannot be restored`, 'path');
}

function validated(change: Change, input: UnityOperationInput): UnityOperation {
  const parsed = unityOperation.safeParse(input);
  if (parsed.success) return parsed.data;
  const issue = firstIssue(parsed.error, input);
  throw new HttpError(422, 'invalid_op', `change ${change.id} cannot be restored: ${issue.message}`, issue.path);
}

/**
 * A rollback to a point: for every path changed since, restore it as it was before the OLDEST of
 * those changes — which is how it was at that point. Returns one operation per path, with the
 * changes it takes back.
 */
export function planRollback(changesSince: Change[]): { path: string; op: UnityOperation; changeIds: string[] }[] {
  const byPath = new Map<string, Change[]>();
  for (const c of changesSince) byPath.set(c.path, [...(byPath.get(c.path) ?? []), c]);
  return [...byPath.entries()].map(([path, list]) => ({ path, op: restoreOp(list[0]!), changeIds: list.map((c) => c.id) }));
}

/** Undo: queues the restore of the session's newest undoable change and marks it reverted. */
export async function undoLastChange(db: Db, room: Pick<OpenedRoom, 'sessionId' | 'queue'>) {
  const change = await lastUndoableChange(db, room.sessionId);
  if (!change) throw new HttpError(409, 'nothing_to_undo', 'there is no change to undo in this session');
  const callId = await room.queue(restoreOp(change));
  await markReverted(db, [change.id], callId);
  return { callId, undone: change.id, path: change.path };
}

/** Rollback to the change `to`: one restore per path changed since, all planned before any is queued. */
export async function rollbackTo(db: Db, room: Pick<OpenedRoom, 'sessionId' | 'queue'>, to: string) {
  const point = await getChange(db, room.sessionId, to);
  if (!point) throw new HttpError(404, 'not_found', 'no such change in this session', 'to');
  // Plan everything first: one path that cannot be restored refuses the whole rollback.
  const plan = planRollback(await changesAfter(db, room.sessionId, point));
  const callIds: string[] = [];
  for (const step of plan) {
    const callId = await room.queue(step.op);
    await markReverted(db, step.changeIds, callId);
    callIds.push(callId);
  }
  return { callIds, paths: plan.map((p) => p.path) };
}

/** An exported change (GET …/changes/export) as the row an import stores. */
export function importedChange(ch: ChangeExport['changes'][number]): ImportedChange {
  return {
    path: ch.path,
    op: ch.op,
    callId: ch.call_id,
    beforeContent: ch.before_content,
    afterContent: ch.after_content,
    beforeSha256: ch.before_sha256,
    afterSha256: ch.after_sha256,
    createdAt: new Date(ch.created_at),
    revertedAt: ch.reverted_at ? new Date(ch.reverted_at) : null,
  };
}
