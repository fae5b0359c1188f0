// Snapshots of a session (its scripts' text, history and settings) and restoring them: the
// request and answer bodies, and the manifest kept in the snapshots table. Texts are in R2, keyed
// by their sha-256, so the manifest holds only paths and hashes.
import { z } from 'zod';
import { displayName, listOf, sessionView } from './api';
import { scriptPath } from './paths';

const sha256 = z.string().regex(/^[0-9a-f]{64}$/, 'must be 64 lowercase hex characters');

export const createSnapshotBody = z.object({ name: displayName('name') });

export const snapshotFile = z.object({ path: scriptPath, sha256, bytes: z.int().min(0) });

/** What a new session started from the snapshot takes over. */
export const snapshotSettings = z.object({
  name: z.string(),
  /** The session's lifetime (expires_at − created_at) when it had one. */
  ttl_seconds: z.int().positive().nullable(),
  meta: z.record(z.string(), z.unknown()),
});

export const snapshotManifest = z.object({
  version: z.literal(1),
  files: z.array(snapshotFile),
  /** The session's change history as a change export (the body of GET …/changes/export). */
  history: z.object({ sha256, changes: z.int().min(0) }),
  settings: snapshotSettings,
});
export type SnapshotManifest = z.infer<typeof snapshotManifest>;

export const snapshotView = z.object({
  id: z.uuid(),
  project_id: z.uuid(),
  /** Null once the session it was taken of is deleted (the snapshot stays). */
  session_id: z.uuid().nullable(),
  name: z.string(),
  created_at: z.string(),
  files: z.array(snapshotFile),
  changes: z.int(),
  settings: snapshotSettings,
});
export type SnapshotView = z.infer<typeof snapshotView>;
export const snapshotList = listOf(snapshotView);

/** One operation a restore queued: a script written (overwritten in place) or deleted. */
export const restoreStep = z.object({ path: scriptPath, action: z.enum(['write', 'delete']), call_id: z.uuid() });
export const restoreView = z.object({
  session_id: z.uuid(),
  snapshot_id: z.uuid().nullable(),
  template: z.string().nullable(),
  /** In the order queued; each one's progress is GET …/ops/{call_id} (and the session's socket). */
  steps: z.array(restoreStep),
});
export type RestoreView = z.infer<typeof restoreView>;

/** A new session; with from_snapshot or template, the writes queued into it. */
export const createdSessionView = sessionView.extend({ restore: restoreView.optional() });
