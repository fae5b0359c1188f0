import type { Db } from '../../db/client';
import type { RoomDeps } from '../services/room';

/**
 * What a tool needs, without HTTP: the database, the bindings, the (mcp) token's caller and
 * project, how long it may wait for Unity, and where its progress goes.
 */
export interface ToolContext extends RoomDeps {
  /** Reads that may lag (query_events): on the read replica when one is configured; `db` when absent. */
  readDb?: Db;
  /** The project the token is bound to: every tool acts in it and nowhere else. */
  projectId: string;
  /** When the call must answer (epoch ms): it waits for the agent until then, then says what it knows. */
  deadline: number;
  /** How often a tool looks again at what it cannot wait on (the history rows, a frame in R2). */
  pollMs: number;
  /** The client cancelled the call (or went away). */
  signal?: AbortSignal;
  /** A progress line for the client; a no-op when it sent no progressToken. */
  progress(message: string): Promise<void>;
}

/** What a tool answers: `structured` becomes structuredContent (and a JSON text block), images become image blocks. */
export interface ToolOutcome {
  structured: Record<string, unknown>;
  /** A short line for people, before the JSON. */
  summary?: string;
  images?: { data: string; mimeType: string }[];
}

/**
 * A failure the client should read as the tool's answer (an `isError` result), not a protocol
 * error: the agent is offline, Unity is reloading, the budget ran out, the input was refused.
 */
export class ToolError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly path?: string,
    readonly detail?: Record<string, unknown>,
  ) {
    super(message);
  }
}
