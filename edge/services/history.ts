import type { UnityOperation } from '../../contracts/unity-ops';
import type { patches } from '../../db/schema';
import { HttpError } from '../http/errors';

type Change = typeof patches.$inferSelect;

/**
 * The operation that puts a path back to how it was before `change`: its earlier content, or no
 * file at all when the change created it. A change whose earlier content was too large to keep
 * cannot be put back, and saying so beats guessing.
 */
export function restoreOp(change: Change): UnityOperation {
  if (change.beforeContent !== null) return { op: 'generate_script', path: change.path, code: change.beforeContent, overwrite: true };
  if (change.op === 'create' && change.beforeSha256 === null) return { op: 'delete_script', path: change.path };
  throw new HttpError(409, 'not_restorable', `the content of ${change.path} before this change was not kept (too large), so it cannot be restored`, 'path');
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
