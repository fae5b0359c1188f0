// NATS subjects the local agent publishes Unity progress on. Every subject ends with the session
// id, so a subscriber follows one session with three wildcards, and a JetStream stream captures
// everything with SPARK_STREAM_SUBJECTS.
import { z } from 'zod';
import { MAX_NATS_TOKEN_LEN } from './limits';

export const RUNTIME_STAGES = [
  'started',
  'completed',
  'failed',
  'script_generated',
  'patch_applied',
  'asset_ingested',
  'asset_deconstructed',
] as const;
export const PREVIEW_STAGES = ['started', 'frame', 'completed', 'failed'] as const;
export const BUILD_STAGES = ['started', 'progress', 'completed', 'failed', 'timeout'] as const;

export type RuntimeStage = (typeof RUNTIME_STAGES)[number];
export type PreviewStage = (typeof PREVIEW_STAGES)[number];
export type BuildStage = (typeof BUILD_STAGES)[number];

export const RUNTIME_PREFIX = 'spark.runtime.unity';
export const PREVIEW_PREFIX = 'spark.preview.unity';
export const BUILD_PREFIX = 'spark.build.unity';
export const NATS_DLQ_SUBJECT = 'spark.dlq';
/** Everything Spark publishes. */
export const NATS_ALL_SUBJECTS = 'spark.>';
/** Subjects for one JetStream stream that captures every Spark message (no overlaps). */
export const SPARK_STREAM_SUBJECTS = [
  `${RUNTIME_PREFIX}.>`,
  `${PREVIEW_PREFIX}.>`,
  `${BUILD_PREFIX}.>`,
  NATS_DLQ_SUBJECT,
] as const;

export type RuntimeSubject = `${typeof RUNTIME_PREFIX}.${RuntimeStage}.${string}`;
export type PreviewSubject = `${typeof PREVIEW_PREFIX}.${PreviewStage}.${string}`;
export type BuildSubject = `${typeof BUILD_PREFIX}.${BuildStage}.${string}`;
export type SessionSubject = RuntimeSubject | PreviewSubject | BuildSubject;

/**
 * A session id usable as one NATS subject token: '.' would split it into two tokens, '*' and '>'
 * are wildcards, and whitespace/control characters end or corrupt the subject on the wire.
 */
export const natsSessionToken = z
  .string()
  .min(1, 'session id must not be empty')
  .max(MAX_NATS_TOKEN_LEN, `session id must be at most ${MAX_NATS_TOKEN_LEN} characters to be a NATS token`)
  .regex(
    /^[^\s.*>\u0000-\u001f\u007f]+$/,
    "session id must be a single NATS token (no '.', '*', '>', whitespace or control characters)",
  );

function token(sessionId: string): string {
  const parsed = natsSessionToken.safeParse(sessionId);
  if (!parsed.success) {
    throw new Error(`invalid NATS session token ${JSON.stringify(sessionId)}: ${parsed.error.issues[0]?.message}`);
  }
  return parsed.data;
}

function stage<S extends string>(stages: readonly S[], value: string, family: string): S {
  if (!(stages as readonly string[]).includes(value)) {
    throw new Error(`unknown ${family} stage '${value}'; expected one of ${stages.join(', ')}`);
  }
  return value as S;
}

export function runtimeSubject(s: RuntimeStage, sessionId: string): RuntimeSubject {
  return `${RUNTIME_PREFIX}.${stage(RUNTIME_STAGES, s, 'runtime')}.${token(sessionId)}`;
}

export function previewSubject(s: PreviewStage, sessionId: string): PreviewSubject {
  return `${PREVIEW_PREFIX}.${stage(PREVIEW_STAGES, s, 'preview')}.${token(sessionId)}`;
}

export function buildSubject(s: BuildStage, sessionId: string): BuildSubject {
  return `${BUILD_PREFIX}.${stage(BUILD_STAGES, s, 'build')}.${token(sessionId)}`;
}

/** The three subscriptions that together receive every subject of one session. */
export function sessionWildcards(sessionId: string): readonly [string, string, string] {
  const t = token(sessionId);
  return [`${RUNTIME_PREFIX}.*.${t}`, `${PREVIEW_PREFIX}.*.${t}`, `${BUILD_PREFIX}.*.${t}`];
}

export type ParsedSubject =
  | { family: 'runtime'; stage: RuntimeStage; sessionId: string }
  | { family: 'preview'; stage: PreviewStage; sessionId: string }
  | { family: 'build'; stage: BuildStage; sessionId: string };

/** The inverse of the builders, for subscribers; undefined for anything that is not a session subject. */
export function parseSubject(subject: string): ParsedSubject | undefined {
  const parts = subject.split('.');
  if (parts.length !== 5 || parts[0] !== 'spark' || parts[2] !== 'unity') return undefined;
  const [, family, , s, sessionId] = parts as [string, string, string, string, string];
  if (!natsSessionToken.safeParse(sessionId).success) return undefined;
  if (family === 'runtime' && (RUNTIME_STAGES as readonly string[]).includes(s)) {
    return { family, stage: s as RuntimeStage, sessionId };
  }
  if (family === 'preview' && (PREVIEW_STAGES as readonly string[]).includes(s)) {
    return { family, stage: s as PreviewStage, sessionId };
  }
  if (family === 'build' && (BUILD_STAGES as readonly string[]).includes(s)) {
    return { family, stage: s as BuildStage, sessionId };
  }
  return undefined;
}

/**
 * Which subject an event of `type` is published on, if any. The mapping is by the type's two
 * segments, exactly:
 *   unity.<runtime stage>   → spark.runtime.unity.<stage>.<sessionId>  (e.g. unity.script_generated)
 *   preview.<preview stage> → spark.preview.unity.<stage>.<sessionId>  (e.g. preview.frame)
 *   build.<build stage>     → spark.build.unity.<stage>.<sessionId>    (e.g. build.progress)
 * Any other type (more segments, unknown stage, other prefix) has no subject: undefined.
 * Throws, like the builders, when a mapped type meets a session id that is not a NATS token.
 */
export function subjectForEventType(type: string, sessionId: string): SessionSubject | undefined {
  const parts = type.split('.');
  if (parts.length !== 2) return undefined;
  const [prefix, s] = parts as [string, string];
  if (prefix === 'unity' && (RUNTIME_STAGES as readonly string[]).includes(s)) {
    return runtimeSubject(s as RuntimeStage, sessionId);
  }
  if (prefix === 'preview' && (PREVIEW_STAGES as readonly string[]).includes(s)) {
    return previewSubject(s as PreviewStage, sessionId);
  }
  if (prefix === 'build' && (BUILD_STAGES as readonly string[]).includes(s)) {
    return buildSubject(s as BuildStage, sessionId);
  }
  return undefined;
}
