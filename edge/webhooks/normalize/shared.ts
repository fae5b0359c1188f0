// What every provider's normaliser shares: the draft it returns and the helpers that keep a
// sender's fields inside SparkEventV1's rules (type names, 64 KiB payloads, timestamps).
import { fitsUtf8Bytes } from '../../../contracts/bytes';
import { MAX_EVENT_PAYLOAD_BYTES, MAX_EVENT_TYPE_LEN, MAX_SESSION_ID_LEN } from '../../../contracts/limits';

/** A SparkEventV1 without the parts the delivery gives (`v`, `id`, `kind`). */
export interface EventDraft {
  type: string;
  source: string;
  ts: number;
  session_id: string;
  payload: Record<string, unknown>;
}

export interface NormalizeInput {
  /** The sender's event name (X-GitHub-Event, X-Gitlab-Event), when it sends one. */
  event: string | null;
  body: unknown;
  /** Unix milliseconds at receipt: every event's `ts`. */
  receivedAt: number;
  /** The webhook source's name: the session of events that name no repository. */
  sourceName: string;
}

export type Normalizer = (input: NormalizeInput) => EventDraft[];

export type Json = Record<string, unknown>;
export const obj = (v: unknown): Json => (typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Json) : {});
export const str = (v: unknown): string | null => (typeof v === 'string' ? v : null);
export const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);

/** One segment of an event type: lowercase letters, digits and `_` (`Merge Request Hook` → `merge_request_hook`). */
export function typeSegment(s: string): string {
  const seg = s.toLowerCase().replace(/[^a-z0-9_]+/g, '_').replace(/^_+|_+$/g, '');
  return seg || 'unknown';
}

/** A dotted type from segments, shortened to the limit; the first segment must start with a letter. */
export function eventTypeOf(...segments: string[]): string {
  const [first, ...rest] = segments.map(typeSegment);
  const head = /^[a-z]/.test(first!) ? first! : `x${first}`;
  return [head, ...rest].join('.').slice(0, MAX_EVENT_TYPE_LEN).replace(/\.$/, '');
}

/**
 * The sender's own time for the event, as ISO 8601, or null. It goes in the payload; the event's
 * `ts` is when the delivery arrived, because a sender's time can be years old (a push of old
 * commits) and an event is stored in the month partition of its `ts`.
 */
export function isoTime(value: unknown): string | null {
  const ms = typeof value === 'number' && Number.isFinite(value) && value > 0 ? (value > 1e11 ? value : value * 1000) : typeof value === 'string' ? Date.parse(value) : NaN;
  return Number.isFinite(ms) && ms > 0 ? new Date(ms).toISOString() : null;
}

export const sessionOf = (name: string | null, fallback: string) => (name && name.length > 0 ? name : fallback).slice(0, MAX_SESSION_ID_LEN);

export const MAX_COMMITS = 100;
export const MAX_MESSAGE_CHARS = 4096;
/** Files per list kept of a pushed commit (digests count the most-changed files from them). */
export const MAX_COMMIT_FILES = 100;
const fileList = (v: unknown) => (Array.isArray(v) ? v.filter((f): f is string => typeof f === 'string').slice(0, MAX_COMMIT_FILES) : []);
/** A pushed commit's `added`, `modified` and `removed` paths, as GitHub and GitLab both send them. */
export const changedFiles = (c: Json) => ({ added: fileList(c.added), modified: fileList(c.modified), removed: fileList(c.removed) });
export const clip = (s: string | null, max = MAX_MESSAGE_CHARS) => (s !== null && s.length > max ? `${s.slice(0, max)}…` : s);

/**
 * The payload as is when it fits SparkEventV1's 64 KiB; otherwise its largest fields are dropped
 * until it does, and `_trimmed` names them, so an unknown event is kept rather than refused.
 */
export function fitPayload(payload: Json, maxBytes = MAX_EVENT_PAYLOAD_BYTES): Json {
  if (fitsUtf8Bytes(JSON.stringify(payload), maxBytes)) return payload;
  const sizes = Object.entries(payload)
    .map(([k, v]) => [k, JSON.stringify(v ?? null).length] as const)
    .sort((a, b) => b[1] - a[1]);
  const kept: Json = { ...payload };
  const trimmed: string[] = [];
  for (const [key] of sizes) {
    delete kept[key];
    trimmed.push(key);
    if (fitsUtf8Bytes(JSON.stringify({ ...kept, _trimmed: trimmed }), maxBytes)) break;
  }
  return { ...kept, _trimmed: trimmed };
}
