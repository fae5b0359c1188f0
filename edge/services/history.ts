import { firstIssue } from '../../contracts/errors';
import { unityOperation, type UnityOperation, type UnityOperationInput } from '../../contracts/unity-ops';
import type { patches } from '../../db/schema';
import { HttpError } from '../http/errors';

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
