// The texts a snapshot points at (its scripts' contents, its history export), by sha-256, once per
// project. They live in Postgres (snapshot_texts) with the snapshot, so a project's backup holds
// its snapshots whole. Snapshots taken before kept their texts in R2; reading one copies them over.
import { sha256Hex } from '../../contracts/bytes';
import type { Db } from '../../db/client';
import { findSnapshotTexts, missingSnapshotTexts, storeSnapshotTexts, type SnapshotText } from '../../db/queries/snapshots';
import { HttpError } from '../http/errors';

/** Where the texts are: Postgres, and the R2 bucket older snapshots kept theirs in. */
export interface TextStore {
  db: Db;
  legacyBucket: R2Bucket;
}

/** Where a snapshot text was kept before snapshot_texts: one R2 object per project and content. */
export const legacyTextKey = (projectId: string, sha256: string) => `projects/${projectId}/blobs/sha256/${sha256}`;

/** A text an older snapshot kept in R2, or null when it is not there. */
async function legacyText(store: TextStore, projectId: string, sha256: string): Promise<string | null> {
  const obj = await store.legacyBucket.get(legacyTextKey(projectId, sha256));
  return obj ? obj.text() : null;
}

/** `content` with its sha-256, ready to store with a snapshot. */
export async function snapshotText(content: string): Promise<SnapshotText> {
  return { sha256: await sha256Hex(content), content };
}

/**
 * The texts with these sha-256s (`what` names each for an error), checked against their hash.
 * One missing from both Postgres and R2, or not matching its hash, is a 409: the snapshot cannot
 * be put back as it was, and nothing is guessed.
 */
export async function readSnapshotTexts(store: TextStore, projectId: string, wanted: readonly { sha256: string; what: string }[]): Promise<Map<string, string>> {
  const found = await findSnapshotTexts(store.db, projectId, wanted.map((w) => w.sha256));
  const fromR2 = await Promise.all(
    [...new Map(wanted.filter((w) => !found.has(w.sha256)).map((w) => [w.sha256, w])).values()].map(async (w) => {
      const content = await legacyText(store, projectId, w.sha256);
      if (content === null) throw new HttpError(409, 'snapshot_incomplete', `the stored text of ${w.what} (sha-256 ${w.sha256}) is missing from storage`);
      return { sha256: w.sha256, content };
    }),
  );
  for (const t of fromR2) found.set(t.sha256, t.content);
  for (const w of wanted) {
    // A wrong text under a hash (a bad copy, a hand edit) is refused, not restored.
    if ((await sha256Hex(found.get(w.sha256)!)) !== w.sha256) throw new HttpError(409, 'snapshot_incomplete', `the stored text of ${w.what} does not match its sha-256`);
  }
  await storeSnapshotTexts(store.db, projectId, fromR2);
  return found;
}

/** R2 reads in flight at once while adopting (a Worker has a limit of six open connections). */
const LEGACY_COPY_CHUNK = 6;

/**
 * Copies every text the project's older snapshots still keep in R2 into Postgres (before a backup,
 * so the file holds the snapshots whole). A text that is nowhere stays missing: that snapshot was
 * incomplete already, and a restore of it says so. Resolves with how many texts were copied.
 */
export async function adoptLegacySnapshotTexts(store: TextStore, projectId: string): Promise<number> {
  let copied = 0;
  const missing = await missingSnapshotTexts(store.db, projectId);
  for (let i = 0; i < missing.length; i += LEGACY_COPY_CHUNK) {
    const found = await Promise.all(
      missing.slice(i, i + LEGACY_COPY_CHUNK).map(async (sha256) => {
        const content = await legacyText(store, projectId, sha256);
        return content !== null && (await sha256Hex(content)) === sha256 ? { sha256, content } : null;
      }),
    );
    const texts = found.filter((t) => t !== null);
    await storeSnapshotTexts(store.db, projectId, texts);
    copied += texts.length;
  }
  return copied;
}
