// Turns what the executor reports ({type, kind, payload}) into a valid SparkEventV1: the agent is a
// producer, so it makes the id (the idempotency key the edge dedupes on) and the timestamp.
import { randomUUID } from 'node:crypto';
import { firstIssue } from '../contracts/errors';
import { sparkEventV1, type EventKind, type SparkEventV1 } from '../contracts/event';

export const AGENT_EVENT_SOURCE = 'spark-agent';

export interface EventDraft {
  type: string;
  kind: EventKind;
  payload: Record<string, unknown>;
  trace_id?: string;
}

export interface EventContext {
  sessionId: string;
  traceId?: string;
  source?: string;
}

export class InvalidEventError extends Error {
  readonly code = 'invalid_event';
  constructor(
    message: string,
    readonly path: string,
  ) {
    super(message);
    this.name = 'InvalidEventError';
  }
}

export interface EventFactoryOptions {
  source?: string;
  now?: () => number;
  uuid?: () => string;
}

export interface EventFactory {
  /** Validated event; throws InvalidEventError naming the field that failed. */
  make(draft: EventDraft, ctx: EventContext): SparkEventV1;
  /** Like make, but returns the error instead of throwing. */
  tryMake(draft: EventDraft, ctx: EventContext): { ok: true; event: SparkEventV1 } | { ok: false; error: InvalidEventError };
}

export function createEventFactory(opts: EventFactoryOptions = {}): EventFactory {
  const now = opts.now ?? Date.now;
  const uuid = opts.uuid ?? randomUUID;
  const defaultSource = opts.source ?? AGENT_EVENT_SOURCE;

  function tryMake(draft: EventDraft, ctx: EventContext) {
    const candidate: Record<string, unknown> = {
      v: 1,
      id: uuid(),
      type: draft?.type,
      source: ctx.source ?? defaultSource,
      kind: draft?.kind,
      ts: now() / 1000,
      session_id: ctx.sessionId,
      payload: draft?.payload,
    };
    const traceId = draft?.trace_id ?? ctx.traceId;
    if (traceId !== undefined) candidate.trace_id = traceId;
    const parsed = sparkEventV1.safeParse(candidate);
    if (parsed.success) return { ok: true as const, event: parsed.data };
    const issue = firstIssue(parsed.error, candidate);
    return { ok: false as const, error: new InvalidEventError(`invalid event: ${issue.message}`, issue.path) };
  }

  return {
    tryMake,
    make(draft, ctx) {
      const r = tryMake(draft, ctx);
      if (!r.ok) throw r.error;
      return r.event;
    },
  };
}

const shared = createEventFactory();
/** Shorthand with the default source, clock and ids. */
export function makeEvent(draft: EventDraft, ctx: EventContext): SparkEventV1 {
  return shared.make(draft, ctx);
}
