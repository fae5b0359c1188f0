// The event catalog: every event type Spark itself produces, with its kind and payload schema.
// Producers (the agent's executor, the session room) build payloads through it, so a payload of
// the wrong shape does not compile and is refused at run time naming the field; the consumer's
// projections parse with it, so they read declared fields instead of guessing at JSON.
// Types outside the catalog (ingest tokens, webhooks, AI-tool adapters) stay valid SparkEventV1
// events with the generic payload: the catalog constrains only the types Spark owns.
import { z } from 'zod';
import { firstIssue, type IssueSummary } from './errors';
import { functionCallPayload, sparkEventV1, type EventKind, type EventPayload, type SparkEventV1 } from './event';
import { MAX_PATH_LEN } from './limits';
import { BUILD_TARGETS, PREVIEW_FORMATS } from './unity-ops';
import { agentInfo, errorInfo } from './ws';

/** The call (operation) an event reports: the room's callId, a UUID. */
const callId = z.uuid('call_id must be a UUID');
const path = z.string().min(1, 'path must not be empty').max(MAX_PATH_LEN);
/** Unity's answers are hashed by the agent or by Unity: hex either way, case as given. */
const sha256 = z.string().regex(/^[0-9a-fA-F]{64}$/, 'must be a SHA-256 as 64 hex characters');
const count = z.int().nonnegative();
const px = z.int().positive();
const opName = z.string().min(1).max(64);
/** Text carried along for undo; the agent drops all such texts together when the payload would pass 64 KiB. */
const content = z.string();
/** Set by the agent (mcp/payload.ts) when it left the optional content out to fit the payload limit. */
const contentOmitted = z.literal(true).optional();
const imageType = z.enum(['image/png', 'image/jpeg']);
const buildTarget = z.enum(BUILD_TARGETS);
/** Unity's build job id (`build-` and hex digits on the real server). */
const jobId = z.string().min(1);
/** The agent's view of a Unity build job. */
export const UNITY_BUILD_STATES = ['queued', 'running', 'succeeded', 'failed', 'cancelled'] as const;
const buildArtifact = z.object({ path, sizeBytes: count.optional(), sha256: z.string().optional() });

// ── payloads ─────────────────────────────────────────────────────────────────────────────────
const opStarted = z.object({ call_id: callId, op: opName, path: path.optional() });
const opCompleted = z.object({ call_id: callId, op: opName, latency_ms: count, mcp_ms: count });
const opFailed = z.object({ call_id: callId, op: opName, error: errorInfo, latency_ms: count, mcp_ms: count });

const scriptGenerated = z.object({
  call_id: callId,
  path,
  sha256,
  bytes: count,
  overwritten: z.boolean(),
  /** The replaced file, when there was one. */
  before_sha256: sha256.optional(),
  before: content.optional(),
  after: content.optional(),
  content_omitted: contentOmitted,
});
const patchApplied = z.object({
  call_id: callId,
  path,
  before_sha256: sha256,
  after_sha256: sha256,
  before: content.optional(),
  after: content.optional(),
  content_omitted: contentOmitted,
});
const scriptDeleted = z.object({ call_id: callId, path, before_sha256: sha256, before: content.optional(), content_omitted: contentOmitted });
/** What Unity said about the asset; left out (content_omitted) when it would not fit. */
const assetReport = z.object({ call_id: callId, path, asset: z.record(z.string(), z.unknown()).optional(), content_omitted: contentOmitted });

const previewStarted = z.object({ call_id: callId, width: px, height: px, format: z.enum(PREVIEW_FORMATS), camera: z.string().min(1).optional() });
/**
 * One frame, described the same way by both who see it: its size, type, length and digest. The
 * agent adds whether it came from its preview cache; the room, which stores it, adds where
 * (`r2_key`), and only that stored frame becomes a row of `previews`.
 */
const previewFrame = z.object({
  call_id: callId,
  width: px,
  height: px,
  content_type: imageType,
  bytes: count,
  sha256,
  cached: z.boolean().optional(),
  r2_key: z.string().min(1).max(1024).optional(),
});
const previewCompleted = z.object({ call_id: callId, width: px, height: px, cached: z.boolean() });
const previewFailed = z.object({ call_id: callId, error: errorInfo });

const buildStarted = z.object({ call_id: callId, target: buildTarget, development: z.boolean() });
const buildProgress = z.object({
  call_id: callId,
  jobId,
  status: z.enum(UNITY_BUILD_STATES),
  /** Unity's own word for the state ("pending", "building"), when it gave one. */
  unity_state: z.string().optional(),
  /** 0..1 as Unity reports it (the build_jobs projection clamps); absent while Unity reports none. */
  progress: z.number().optional(),
});
const buildTimeout = z.object({ call_id: callId, jobId, target: buildTarget, timeout_ms: count, progress: z.number() });
const buildCompleted = z.object({ call_id: callId, jobId, target: buildTarget, artifact: buildArtifact.nullable(), duration_ms: count });
/** jobId is absent when Unity refused to start the build. */
const buildFailed = z.object({ call_id: callId, jobId: jobId.optional(), target: buildTarget, error: errorInfo });

/** One status change of a function call (the agent's view, then the edge's with queue wait). */
const toolCall = functionCallPayload.extend({ content_omitted: contentOmitted });

const agentConnected = z.object({ token_id: z.uuid('token_id must be a UUID'), name: agentInfo.shape.name, version: agentInfo.shape.version, profile: agentInfo.shape.profile });
const agentDisconnected = z.object({ token_id: z.uuid('token_id must be a UUID') });

/** The session's TTL runs out within a day; sent once, before the cleanup cron may expire it. */
const sessionExpiring = z.object({ expires_at: z.iso.datetime({ offset: true }), seconds_left: count });
/** One model call of the assistant; the rollups read provider, model, input/output tokens and cost_usd. */
const usageLlm = z.object({
  provider: z.string().min(1).max(200),
  model: z.string().min(1).max(200),
  input_tokens: count,
  output_tokens: count,
  cached_tokens: count,
  cost_usd: z.number().nonnegative(),
  latency_ms: count,
  run_id: z.uuid('run_id must be a UUID'),
});

/** A request the person made to the assistant, kept with the session (and exported with its event log). */
const assistantPrompt = z.object({ run_id: z.uuid('run_id must be a UUID'), text: z.string().min(1, 'text must not be empty') });
/**
 * One answer of the model: what it wrote and the tools it called. The calls' arguments (a whole
 * script, say) are left out together (content_omitted) when the payload would pass 64 KiB, and
 * the text is cut (truncated) only when it alone would.
 */
const assistantAnswer = z.object({
  run_id: z.uuid('run_id must be a UUID'),
  text: z.string(),
  tool_calls: z.array(z.object({ id: z.string().min(1).max(200), name: z.string().min(1).max(64), arguments: z.string().optional() })),
  content_omitted: contentOmitted,
  truncated: z.literal(true).optional(),
});

const entry = <const K extends EventKind, P extends z.ZodObject>(kind: K, payload: P): { kind: K; payload: P } => ({ kind, payload });

/** type → kind and payload schema, for every event Spark produces. */
export const EVENT_CATALOG = {
  // The agent: one op's life, as its executor reports it.
  'unity.started': entry('command', opStarted),
  'unity.completed': entry('command', opCompleted),
  'unity.failed': entry('command', opFailed),
  'unity.script_generated': entry('system', scriptGenerated),
  'unity.patch_applied': entry('system', patchApplied),
  'unity.script_deleted': entry('system', scriptDeleted),
  'unity.asset_ingested': entry('system', assetReport),
  'unity.asset_deconstructed': entry('system', assetReport),
  'preview.started': entry('system', previewStarted),
  'preview.frame': entry('system', previewFrame),
  'preview.completed': entry('system', previewCompleted),
  'preview.failed': entry('system', previewFailed),
  'build.started': entry('system', buildStarted),
  'build.progress': entry('system', buildProgress),
  'build.timeout': entry('system', buildTimeout),
  'build.completed': entry('system', buildCompleted),
  'build.failed': entry('system', buildFailed),
  // The agent and the room: the function-call record of an op.
  'tool.call': entry('tool', toolCall),
  // The room: presence (and the stored preview.frame above).
  'agent.connected': entry('system', agentConnected),
  'agent.disconnected': entry('system', agentDisconnected),
  // The lifecycle cron.
  'session.expiring': entry('system', sessionExpiring),
  // The assistant (edge/assistant): one model call, its tokens and cost.
  'usage.llm': entry('system', usageLlm),
  // The assistant's conversation: the person's prompts and the model's answers.
  'assistant.prompt': entry('message', assistantPrompt),
  'assistant.answer': entry('message', assistantAnswer),
} as const;

export type CatalogType = keyof typeof EVENT_CATALOG;
export const CATALOG_TYPES = Object.keys(EVENT_CATALOG) as CatalogType[];
/** What a consumer reads after parsing. */
export type CatalogPayload<T extends CatalogType> = z.output<(typeof EVENT_CATALOG)[T]['payload']>;
/** What a producer writes. */
export type CatalogPayloadInput<T extends CatalogType> = z.input<(typeof EVENT_CATALOG)[T]['payload']>;
export type CatalogKind<T extends CatalogType> = (typeof EVENT_CATALOG)[T]['kind'];
/** A parsed event of a catalog type, discriminated on `type`. */
export type CatalogEvent<T extends CatalogType = CatalogType> = { [K in T]: { type: K; payload: CatalogPayload<K> } }[T];
/** What a producer hands on to be wrapped into a SparkEventV1 (the agent adds id, ts, source, session). */
export type CatalogDraft<T extends CatalogType = CatalogType> = { type: T; kind: CatalogKind<T>; payload: EventPayload };

export function isCatalogType(type: string): type is CatalogType {
  return Object.hasOwn(EVENT_CATALOG, type);
}

/** A payload that breaks its type's schema; the message names the type and the field. */
export class EventPayloadError extends Error {
  readonly code = 'invalid_payload';
  readonly path: string;
  constructor(type: string, issue: IssueSummary) {
    super(`${type} payload: ${issue.message}`);
    this.name = 'EventPayloadError';
    this.path = issue.path === '' ? 'payload' : `payload.${issue.path}`;
  }
}

function payloadIssue(type: CatalogType, payload: unknown): IssueSummary | null {
  const r = EVENT_CATALOG[type].payload.safeParse(payload);
  return r.success ? null : firstIssue(r.error, payload);
}

/**
 * A producer's event before its envelope: kind from the catalog, payload checked against the
 * type's schema and passed on exactly as built (the wire carries what the producer wrote).
 * Throws EventPayloadError naming the field.
 */
export function eventDraft<T extends CatalogType>(type: T, payload: CatalogPayloadInput<T>): CatalogDraft<T> {
  const issue = payloadIssue(type, payload);
  if (issue) throw new EventPayloadError(type, issue);
  return { type, kind: EVENT_CATALOG[type].kind, payload: payload as EventPayload };
}

export interface EventEnvelope {
  id: string;
  ts: number;
  source: string;
  session_id: string;
  trace_id?: string;
}

/** A whole SparkEventV1 of a catalog type; throws EventPayloadError naming the field that failed. */
export function eventOf<T extends CatalogType>(type: T, payload: CatalogPayloadInput<T>, envelope: EventEnvelope): SparkEventV1 {
  const draft = eventDraft(type, payload);
  const candidate = { v: 1, ...envelope, type, kind: draft.kind, payload: draft.payload };
  const r = sparkEventV1.safeParse(candidate);
  if (!r.success) throw new EventPayloadError(type, firstIssue(r.error, candidate));
  return r.data;
}

export type CatalogParse = { ok: true; event: CatalogEvent } | { ok: false; error: IssueSummary };

/**
 * The consumer's reading of an event: a catalog type with its payload parsed (fields typed,
 * undeclared ones dropped), a catalog type whose payload breaks the schema (the error names the
 * field), or null for a type outside the catalog, whose payload stays generic.
 */
export function parseCatalogEvent(event: Pick<SparkEventV1, 'type' | 'payload'>): CatalogParse | null {
  if (!isCatalogType(event.type)) return null;
  const r = EVENT_CATALOG[event.type].payload.safeParse(event.payload);
  if (!r.success) return { ok: false, error: firstIssue(r.error, event.payload) };
  return { ok: true, event: { type: event.type, payload: r.data } as CatalogEvent };
}

