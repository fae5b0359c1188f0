// What the executor needs from a tool profile: one function per Spark operation, written against
// a small context (call a tool, report progress). Profiles differ only in tool names and argument
// shapes; events, caching, polling and error reporting stay in the executor.
import type { CompileResult, UnityOpOf } from '../../contracts/index';
import type { ToolResult } from './envelope';
import type { ImageInfo } from './image';

/** An operation failure with a stable, snake_case code for the op result and events. */
export class OpError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'OpError';
  }
}

export interface ToolCallOptions {
  /** Safe to repeat after a transport failure (reads, and writes guarded by a precondition). */
  idempotent?: boolean;
  timeoutMs?: number;
}

export interface OpContext {
  /** Calls a tool; a failed answer throws OpError (code from the server or 'unity_error'). */
  call(tool: string, args: Record<string, unknown>, opts?: ToolCallOptions): Promise<ToolResult>;
  /** Like call, but a tool-level failure (`ok: false`) is returned, not thrown. */
  tryCall(tool: string, args: Record<string, unknown>, opts?: ToolCallOptions): Promise<ToolResult>;
  hasTool(name: string): boolean;
  progress(stage: string, progress?: number, message?: string): void;
}

export interface ScriptWritten {
  path: string;
  sha256: string;
  bytes: number;
  overwritten: boolean;
  /** False when the file already had exactly this text: nothing was written, nothing to record. */
  changed: boolean;
  /** The replaced file, when there was one and it could be read. */
  before?: string;
  before_sha256?: string;
}

export interface PatchApplied {
  path: string;
  before_sha256: string;
  after_sha256: string;
  /** Full texts, when the server lets us read them. */
  before?: string;
  after?: string;
}

export interface ScriptDeleted {
  path: string;
  before_sha256: string;
  /** The deleted text, when the server let us read it first (undo needs it). */
  before?: string;
}

export interface RenderedFrame extends ImageInfo {
  data: Uint8Array;
}

export interface MenuItemRun {
  menuPath: string;
  message?: string;
}

export type BuildStatusName = 'queued' | 'running' | 'succeeded' | 'failed' | 'cancelled';
export interface BuildState {
  jobId: string;
  status: BuildStatusName;
  progress?: number;
  /** Where the player was written (project-relative), once succeeded. */
  artifact?: { path: string; sizeBytes?: number; sha256?: string };
  message?: string;
  /** Suggested poll interval from the server (ms). */
  pollMs?: number;
  /** Unity's own word for the state (e.g. "pending", "building"), when it gave one. */
  unityState?: string;
}

export interface ProfileOps {
  generateScript(op: UnityOpOf<'generate_script'>, ctx: OpContext): Promise<ScriptWritten>;
  applyPatch(op: UnityOpOf<'apply_patch'>, ctx: OpContext): Promise<PatchApplied>;
  deleteScript(op: UnityOpOf<'delete_script'>, ctx: OpContext): Promise<ScriptDeleted>;
  renderPreview(op: UnityOpOf<'render_preview'>, ctx: OpContext): Promise<RenderedFrame>;
  ingestAsset(op: UnityOpOf<'ingest_asset'>, ctx: OpContext): Promise<Record<string, unknown>>;
  deconstructAsset(op: UnityOpOf<'deconstruct_asset'>, ctx: OpContext): Promise<Record<string, unknown>>;
  startBuild(op: UnityOpOf<'run_build'>, ctx: OpContext): Promise<BuildState>;
  buildStatus(jobId: string, ctx: OpContext): Promise<BuildState>;
  /** After a script write: does that file compile? Never throws; `unknown` says why it cannot tell. */
  compileStatus(path: string, ctx: OpContext): Promise<CompileResult>;
  runMenuItem(op: UnityOpOf<'run_menu_item'>, ctx: OpContext): Promise<MenuItemRun>;
}

const BUILD_STATUSES: Record<string, BuildStatusName> = {
  queued: 'queued',
  pending: 'queued',
  running: 'running',
  building: 'running',
  in_progress: 'running',
  succeeded: 'succeeded',
  success: 'succeeded',
  completed: 'succeeded',
  done: 'succeeded',
  failed: 'failed',
  error: 'failed',
  cancelled: 'cancelled',
  canceled: 'cancelled',
};

/** Normalises the status words servers use into Spark's five. */
export function buildStatusName(s: unknown): BuildStatusName | undefined {
  return typeof s === 'string' ? BUILD_STATUSES[s.trim().toLowerCase()] : undefined;
}

export function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
