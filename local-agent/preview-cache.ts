// Recently rendered preview frames, so a browser asking again for the same view (reconnects,
// several tabs, a UI re-render) does not make Unity render it again. Bounded (LRU) and short-lived
// (entries expire) because the scene changes under us.
import type { UnityOpOf } from '../contracts/index';

export interface PreviewFrame {
  contentType: 'image/png' | 'image/jpeg';
  width: number;
  height: number;
  data: Uint8Array;
}

export interface PreviewCacheOptions {
  maxEntries?: number;
  ttlMs?: number;
  now?: () => number;
}

export const PREVIEW_CACHE_MAX_ENTRIES = 1000;
export const PREVIEW_CACHE_TTL_MS = 5 * 60_000;

/** Who may share a cached frame: frames never cross sessions (or projects). */
export interface PreviewScope {
  sessionId: string;
  projectId?: string;
}

/**
 * The cache key of a render_preview request: the validated op (defaults applied, so an omitted
 * `format` equals `format: 'png'`) reduced to the fields that change the picture, in a fixed
 * order, plus the scope.
 */
export function previewCacheKey(op: UnityOpOf<'render_preview'>, scope: PreviewScope): string {
  return JSON.stringify([scope.projectId ?? '', scope.sessionId, op.width, op.height, op.camera ?? '', op.format]);
}

export class PreviewCache {
  // A Map iterates in insertion order: re-inserting on read makes the first key the least recent.
  private readonly entries = new Map<string, { frame: PreviewFrame; expiresAt: number }>();
  private readonly max: number;
  private readonly ttlMs: number;
  private readonly now: () => number;

  constructor(opts: PreviewCacheOptions = {}) {
    this.max = Math.max(1, opts.maxEntries ?? PREVIEW_CACHE_MAX_ENTRIES);
    this.ttlMs = opts.ttlMs ?? PREVIEW_CACHE_TTL_MS;
    this.now = opts.now ?? Date.now;
  }

  get size(): number {
    return this.entries.size;
  }

  get(key: string): PreviewFrame | undefined {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    this.entries.delete(key);
    if (entry.expiresAt <= this.now()) return undefined;
    this.entries.set(key, entry);
    return entry.frame;
  }

  set(key: string, frame: PreviewFrame): void {
    this.entries.delete(key);
    this.entries.set(key, { frame, expiresAt: this.now() + this.ttlMs });
    while (this.entries.size > this.max) {
      const oldest = this.entries.keys().next().value as string;
      this.entries.delete(oldest);
    }
  }

  delete(key: string): void {
    this.entries.delete(key);
  }

  clear(): void {
    this.entries.clear();
  }

  /** Drops expired entries (get() already ignores them; this only frees memory early). */
  prune(): number {
    const t = this.now();
    let dropped = 0;
    for (const [key, entry] of this.entries) {
      if (entry.expiresAt <= t) {
        this.entries.delete(key);
        dropped += 1;
      }
    }
    return dropped;
  }
}
