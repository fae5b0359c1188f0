// Snapshots: a session's scripts (their newest text), change history and settings, kept so the
// session can be put back — or a new one started — as it was. Texts are kept by their sha-256
// (per project, snapshot-texts.ts), so a text in many snapshots is stored once; the row keeps the manifest.
// Restoring never writes files itself: it queues the same generate_script / delete_script
// operations the browser sends, so the agent writes them (a script that exists is overwritten in
// place, keeping its .meta GUID), the browser sees their progress, and each is a change in the
// history that Undo can take back.
import { changeExport, type ChangeExport } from '../../contracts/api';
import { firstIssue } from '../../contracts/errors';
import { snapshotManifest, type RestoreView, type SnapshotManifest, type SnapshotView } from '../../contracts/snapshots';
import { unityOperation, type UnityOperation, type UnityOperationInput } from '../../contracts/unity-ops';
import type { Db } from '../../db/client';
import { exportChanges } from '../../db/queries/history';
import { sessionScriptTexts } from '../../db/queries/scripts';
import { findSnapshot, insertSnapshot, type SnapshotText } from '../../db/queries/snapshots';
import type { Session, Snapshot } from '../../db/schema';
import { HttpError } from '../http/errors';
import { changeExportEntry } from '../views';
import { isUuid } from './access';
import { presetNamed, type ServedPreset } from './presets';
import { readSnapshotTexts, snapshotText, type TextStore } from './snapshot-texts';
import type { OpenedRoom } from './room';

/** Takes a snapshot of `session`: its scripts' newest text, its history, its settings. */
export async function takeSnapshot(db: Db, session: Session, name: string): Promise<Snapshot> {
  const scripts = await sessionScriptTexts(db, session.id);
  const texts: SnapshotText[] = [];
  const files: SnapshotManifest['files'] = [];
  for (const s of scripts) {
    const text = await snapshotText(s.content);
    texts.push(text);
    files.push({ path: s.path, sha256: text.sha256, bytes: new TextEncoder().encode(s.content).length });
  }
  const changes = (await exportChanges(db, session.id)).map(changeExportEntry);
  const history = await snapshotText(JSON.stringify({ version: 1, session_id: session.id, exported_at: new Date().toISOString(), changes } satisfies ChangeExport));
  texts.push(history);
  const manifest: SnapshotManifest = {
    version: 1,
    files,
    history: { sha256: history.sha256, changes: changes.length },
    settings: {
      name: session.name,
      ttl_seconds: session.expiresAt ? Math.max(1, Math.round((session.expiresAt.getTime() - session.createdAt.getTime()) / 1000)) : null,
      meta: session.meta,
    },
  };
  return insertSnapshot(db, { projectId: session.projectId, sessionId: session.id, label: name, data: manifest }, texts);
}

/** The project's snapshot `id`, or a 404 naming `field` (a snapshot of another project is not found). */
export async function snapshotOf(db: Db, projectId: string, id: string, field: string): Promise<Snapshot> {
  const row = isUuid(id) ? await findSnapshot(db, projectId, id) : null;
  if (!row) throw new HttpError(404, 'not_found', `this project has no snapshot ${id}`, field);
  return row;
}

/** The manifest of a stored snapshot (an unreadable one is refused, not guessed at). */
export function manifestOf(s: Snapshot): SnapshotManifest {
  const parsed = snapshotManifest.safeParse(s.data);
  if (!parsed.success) throw new HttpError(409, 'snapshot_incomplete', `snapshot ${s.id} has no readable manifest`);
  return parsed.data;
}

export function snapshotView(s: Snapshot): SnapshotView {
  const m = manifestOf(s);
  return { id: s.id, project_id: s.projectId, session_id: s.sessionId, name: s.label, created_at: s.createdAt.toISOString(), files: m.files, changes: m.history.changes, settings: m.settings };
}

/** The snapshot's files with their texts (all of them, before anything is queued). */
export async function snapshotFiles(store: TextStore, s: Snapshot): Promise<{ path: string; code: string }[]> {
  const m = manifestOf(s);
  const texts = await readSnapshotTexts(store, s.projectId, m.files.map((f) => ({ sha256: f.sha256, what: f.path })));
  return m.files.map((f) => ({ path: f.path, code: texts.get(f.sha256)! }));
}

/** The snapshot's change history. */
export async function snapshotHistory(store: TextStore, s: Snapshot): Promise<ChangeExport> {
  const m = manifestOf(s);
  const texts = await readSnapshotTexts(store, s.projectId, [{ sha256: m.history.sha256, what: 'the history' }]);
  const parsed = changeExport.safeParse(JSON.parse(texts.get(m.history.sha256)!));
  if (!parsed.success) throw new HttpError(409, 'snapshot_incomplete', `the history of snapshot ${s.id} is not a change export`);
  return parsed.data;
}

type Step = { path: string; action: 'write' | 'delete'; op: UnityOperation };

/**
 * The operations that make the session's scripts equal `files`: every file written (overwriting
 * in place), and every script the session has that `files` lacks deleted. All are validated
 * before any is queued: one that cannot be sent refuses the whole restore (422 naming it).
 * `current` is the session's scripts now (listSessionScripts).
 */
export function planRestore(current: readonly { path: string }[], files: readonly { path: string; code: string }[]): Step[] {
  const wanted = new Set(files.map((f) => f.path));
  const steps: Step[] = files.map((f) => ({ path: f.path, action: 'write', op: validated({ op: 'generate_script', path: f.path, code: f.code, overwrite: true }) }));
  for (const c of current) if (!wanted.has(c.path)) steps.push({ path: c.path, action: 'delete', op: validated({ op: 'delete_script', path: c.path }) });
  return steps;
}

function validated(input: UnityOperationInput): UnityOperation {
  const parsed = unityOperation.safeParse(input);
  if (parsed.success) return parsed.data;
  const issue = firstIssue(parsed.error, input);
  throw new HttpError(422, 'invalid_op', `${'path' in input ? input.path : 'a script'} cannot be restored: ${issue.message}`, issue.path);
}

/** Queues the planned steps into the session's room, in order; the agent runs them. */
export async function queueSteps(room: Pick<OpenedRoom, 'sessionId' | 'queue'>, steps: Step[], source: { snapshotId?: string; template?: string }): Promise<RestoreView> {
  const queued: RestoreView['steps'] = [];
  for (const s of steps) queued.push({ path: s.path, action: s.action, call_id: await room.queue(s.op) });
  return { session_id: room.sessionId, snapshot_id: source.snapshotId ?? null, template: source.template ?? null, steps: queued };
}

/** What a new session starts from: a snapshot's or a preset's files, and a snapshot's history and settings. */
export interface SessionSource {
  files: { path: string; code: string }[];
  snapshot?: { id: string; history: ChangeExport; settings: SnapshotManifest['settings'] };
  template?: string;
}

/** Reads (and checks) the source of a new session before the session is made: a 404 names the field. */
export async function sessionSource(
  deps: TextStore & { presets: () => Promise<ServedPreset[] | null> },
  projectId: string,
  from: { from_snapshot?: string; template?: string },
): Promise<SessionSource | null> {
  if (from.from_snapshot !== undefined) {
    const snapshot = await snapshotOf(deps.db, projectId, from.from_snapshot, 'from_snapshot');
    const files = await snapshotFiles(deps, snapshot);
    return { files, snapshot: { id: snapshot.id, history: await snapshotHistory(deps, snapshot), settings: manifestOf(snapshot).settings } };
  }
  if (from.template !== undefined) {
    const presets = await deps.presets();
    if (!presets) throw new HttpError(404, 'not_found', 'this Spark serves no templates (the web UI is not built)', 'template');
    const preset = presetNamed(presets, from.template);
    if (!preset) throw new HttpError(404, 'not_found', `no template "${from.template}"; there are: ${presets.map((p) => p.id).join(', ')}`, 'template');
    return { files: preset.scripts.map((s) => ({ path: s.path, code: s.code })), template: preset.id };
  }
  return null;
}
