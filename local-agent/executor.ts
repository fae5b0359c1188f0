// Runs Spark operations against the Unity MCP server on this machine. Every op is validated again
// here (the agent never trusts the edge's checks), goes through the "unity" service client
// (concurrency cap, timeouts, retries, circuit breaker) and the MCP client, and reports what
// happened as domain events, progress and frames through the caller's hooks. Which tools an op
// uses depends on the server's profile (mcp/unity-mcp-ops.ts, mcp/seed-ops.ts).
import {
  eventDraft,
  firstIssue,
  sha256Hex,
  unityOperation,
  utf8ByteLength,
  type CatalogPayloadInput,
  type CatalogType,
  type EventKind,
  type UnityOperation,
  type UnityOpOf,
} from '../contracts/index';
import type { ErrorInfo, OpDispatch } from '../contracts/ws';
import type { CircuitBreakerOptions } from './circuit-breaker';
import { createMetrics, type Metrics } from './metrics';
import { createUnityMcpClient, type McpProfile, type ToolResult, type UnityMcpClient } from './mcp/index';
import { isRecord, OpError, type BuildState, type OpContext, type ProfileOps, type RenderedFrame, type ToolCallOptions } from './mcp/ops';
import { failureCode, isRefusal } from './mcp/failures';
import { fitPayload } from './mcp/payload';
import { seedOps } from './mcp/seed-ops';
import { unityMcpOps } from './mcp/unity-mcp-ops';
import { PreviewCache, previewCacheKey, type PreviewFrame } from './preview-cache';
import { backoffDelay } from '../contracts/backoff';
import { createServiceClient, DEFAULT_TIMEOUTS, ServiceError, type ServiceClient } from './service-client';

export interface OpHooks {
  progress(stage: string, progress?: number, message?: string): void;
  frame(f: { contentType: 'image/png' | 'image/jpeg'; width: number; height: number; data: Uint8Array }): void;
  /** A domain event; the agent wraps it into a SparkEventV1 (id, ts, source, session_id) and sends it to NATS and the outbox. */
  event(e: { type: string; kind: EventKind; payload: Record<string, unknown> }): void;
}
export interface OpOutcome {
  ok: boolean;
  result?: unknown;
  error?: ErrorInfo;
  mcpMs: number;
}
export interface Executor {
  run(dispatch: OpDispatch, hooks: OpHooks): Promise<OpOutcome>;
  info(): { profile: 'unity-mcp' | 'seed' | null; unity: 'up' | 'down' | 'unknown'; circuit: 'closed' | 'open' | 'half-open' };
  close(): Promise<void>;
}
export interface ExecutorOptions {
  mcpUrl: string;
  mcpToken?: string;
  profile?: 'auto' | 'unity-mcp' | 'seed';
  metrics?: Metrics;
  timeouts?: Partial<Record<'unity' | 'cv' | 'asr', number>>;
  /** Build status poll interval (default: the server's suggestion, else 1 s). */
  buildPollMs?: number;
  /** A build not finished after this long emits `build.timeout` and fails the op (default 30 min). */
  buildTimeoutMs?: number;
  now?: () => number;
  /** Optional tuning, mostly for tests: the Unity circuit breaker and retry backoff. */
  breaker?: Omit<CircuitBreakerOptions, 'now' | 'onChange'>;
  retry?: { maxRetries?: number; baseDelayMs?: number; maxDelayMs?: number };
  /** Connect to Unity during createExecutor (default true); failures there are not fatal. */
  connectOnStart?: boolean;
  /** How long a call keeps being retried while Unity answers "reloading" (default 60 s). */
  reloadBudgetMs?: number;
}

export const DEFAULT_BUILD_POLL_MS = 1_000;
/** Real domain reloads take seconds, tens of seconds on big projects (UNITY_RELOAD_BUDGET_MS). */
export const DEFAULT_RELOAD_BUDGET_MS = 60_000;
/** What the person sees while Unity reloads its scripts (domain reload). */
export const RELOADING_MESSAGE = 'Unity is reloading…';
export const DEFAULT_BUILD_TIMEOUT_MS = 30 * 60_000;
/** Texts (patch before/after, replaced scripts) travel in the op result only up to this size each. */
export const MAX_RESULT_TEXT_BYTES = 512 * 1024;
/** Consecutive failed status polls tolerated before a running build is given up on. */
const MAX_POLL_FAILURES = 3;

function errorInfo(err: unknown): ErrorInfo {
  const code = err instanceof OpError || err instanceof ServiceError ? String(err.code) : 'internal';
  const message = err instanceof Error ? err.message : String(err);
  return { code: code.slice(0, 64), message: message.length > 2000 ? `${message.slice(0, 1997)}...` : message };
}

function opNameOf(op: unknown): string {
  const name = isRecord(op) && typeof op.op === 'string' && op.op.length > 0 ? op.op : 'unknown';
  return name.slice(0, 64);
}

const seconds = (ms: number) => ms / 1000;

/** The progress line of a build: Unity's job id and its own words for the state. */
function buildMessage(state: BuildState): string {
  return `${state.jobId}: ${state.message ?? `build ${state.unityState ?? state.status}`}`;
}

/** The op's arguments for a `tool.call` event: code bodies are replaced by their size. */
function argsSummary(op: UnityOperation): Record<string, unknown> {
  switch (op.op) {
    case 'generate_script':
      return { path: op.path, overwrite: op.overwrite ?? false, code_bytes: utf8ByteLength(op.code) };
    case 'apply_patch':
      return {
        path: op.path,
        edits: op.edits.length,
        edit_bytes: op.edits.reduce((n, e) => n + utf8ByteLength(e.newText), 0),
        ...(op.precondition_sha256 ? { precondition_sha256: op.precondition_sha256 } : {}),
      };
    default: {
      const { op: _name, ...rest } = op;
      return rest;
    }
  }
}

function safeHooks(hooks: OpHooks): OpHooks {
  // A broken hook (e.g. a closed socket) must not turn a done op into a failed one.
  const guard =
    <A extends unknown[]>(fn: (...a: A) => void) =>
    (...a: A) => {
      try {
        fn(...a);
      } catch {
        /* the caller's problem; the op goes on */
      }
    };
  return { progress: guard(hooks.progress.bind(hooks)), frame: guard(hooks.frame.bind(hooks)), event: guard(hooks.event.bind(hooks)) };
}

const textOrUndefined = (t: string | undefined) => (t !== undefined && utf8ByteLength(t) <= MAX_RESULT_TEXT_BYTES ? t : undefined);

export async function createExecutor(opts: ExecutorOptions): Promise<Executor> {
  const now = opts.now ?? Date.now;
  const metrics = opts.metrics ?? createMetrics({ now });
  const mcp: UnityMcpClient = createUnityMcpClient({ url: opts.mcpUrl, token: opts.mcpToken, profile: opts.profile ?? 'auto' });
  const unity: ServiceClient = createServiceClient({
    service: 'unity',
    timeoutMs: opts.timeouts?.unity ?? DEFAULT_TIMEOUTS.unity,
    metrics,
    now,
    breaker: opts.breaker,
    maxRetries: opts.retry?.maxRetries,
    baseDelayMs: opts.retry?.baseDelayMs,
    maxDelayMs: opts.retry?.maxDelayMs,
  });
  const cache = new PreviewCache({ now });
  const reloadBudgetMs = opts.reloadBudgetMs ?? DEFAULT_RELOAD_BUDGET_MS;
  const opsTotal = metrics.counter('spark_ops_total', 'Operations run, by op and outcome');
  const opLatency = metrics.timer('spark_op_latency_ms', 'Operation wall time in the agent, ms');
  const cacheLookups = metrics.counter('spark_preview_cache_total', 'Preview cache lookups, by result');
  const closing = new AbortController();

  function sleep(ms: number): Promise<void> {
    return new Promise((resolve, reject) => {
      if (closing.signal.aborted) return reject(new OpError('closed', 'the executor is closing'));
      const t = setTimeout(done, ms);
      function done() {
        clearTimeout(t);
        closing.signal.removeEventListener('abort', done);
        if (closing.signal.aborted) reject(new OpError('closed', 'the executor is closing'));
        else resolve();
      }
      closing.signal.addEventListener('abort', done, { once: true });
    });
  }

  /** Tool calls for one op; accumulates the time spent waiting on the MCP server. */
  function contextFor(acc: { mcpMs: number }, hooks: OpHooks): OpContext {
    /** One call through the service client; a reload answer comes back as is (r.retry). */
    async function attempt(tool: string, args: Record<string, unknown>, o: ToolCallOptions): Promise<ToolResult> {
      return unity.call(
        async (signal) => {
          const t0 = now();
          try {
            const res = await mcp.callTool(tool, args, { signal, timeoutMs: o.timeoutMs ?? unity.timeoutMs });
            if (!res.ok && !res.retry && !isRefusal(res)) {
              // Unity failed (not refused): count it against the breaker, retry if idempotent.
              throw new ServiceError(failureCode(res), `${tool}: ${res.error}`);
            }
            return res;
          } finally {
            acc.mcpMs += Math.max(0, now() - t0);
          }
        },
        { name: tool, idempotent: o.idempotent ?? false, request: args, timeoutMs: o.timeoutMs },
      );
    }

    /**
     * A domain reload rejects every command ("hint: retry": it did not run, so even a write may be
     * sent again). Reloads take seconds, so keep trying with backoff within the reload budget.
     */
    async function invoke(tool: string, args: Record<string, unknown>, o: ToolCallOptions = {}): Promise<ToolResult> {
      const started = now();
      for (let n = 0; ; n++) {
        const r = await attempt(tool, args, o);
        if (!r.retry) return r;
        const waited = now() - started;
        if (waited >= reloadBudgetMs) {
          throw new OpError('unity_reloading', `${tool}: Unity was still reloading after ${Math.round(waited / 1000)} s (${r.error})`);
        }
        hooks.progress('reloading', undefined, RELOADING_MESSAGE);
        const delay = backoffDelay(n, { baseMs: Math.max(50, r.retryAfterMs ?? 250), maxMs: 2_000 });
        await sleep(Math.min(delay, Math.max(1, reloadBudgetMs - waited)));
      }
    }
    return {
      tryCall: invoke,
      async call(tool, args, o) {
        const r = await invoke(tool, args, o);
        if (!r.ok) throw new OpError(r.code ?? (r.isError ? 'tool_error' : 'unity_error'), `${tool}: ${r.error}`);
        return r;
      },
      hasTool: (name) => mcp.tools.has(name),
      progress: (stage, progress, message) => hooks.progress(stage, progress, message),
    };
  }

  async function profileFor(acc: { mcpMs: number }, hooks: OpHooks): Promise<McpProfile> {
    if (!mcp.connected || mcp.profile === null) {
      hooks.progress('connecting');
      await unity.call(
        async (signal) => {
          const t0 = now();
          try {
            await mcp.connect(signal);
          } finally {
            acc.mcpMs += Math.max(0, now() - t0);
          }
        },
        // Reconnecting after a failed call must not reset the breaker's failure count.
        { name: 'connect', idempotent: true, provesHealth: false },
      );
    }
    return mcp.profile!;
  }

  /** A catalog event of this op (its call_id added); `optional` names content fitPayload may drop. */
  type Emit = <T extends CatalogType>(type: T, payload: Omit<CatalogPayloadInput<T>, 'call_id'>, optional?: readonly string[]) => void;

  function deliverFrame(hooks: OpHooks, f: PreviewFrame): void {
    hooks.frame({ contentType: f.contentType, width: f.width, height: f.height, data: f.data });
  }

  async function generateScript(op: UnityOpOf<'generate_script'>, ops: ProfileOps, ctx: OpContext, emit: Emit) {
    const w = await ops.generateScript(op, ctx);
    const result: Record<string, unknown> = { path: w.path, sha256: w.sha256, bytes: w.bytes, overwritten: w.overwritten, changed: w.changed };
    if (w.before_sha256) result.before_sha256 = w.before_sha256;
    if (w.changed) {
      cache.clear(); // the scene may look different once the script compiles
      // The texts before and after ride along (both or neither, within 64 KiB): the change history
      // keeps them so the change can be undone. Identical text is no change and leaves no event.
      emit(
        'unity.script_generated',
        { path: w.path, sha256: w.sha256, bytes: w.bytes, overwritten: w.overwritten, ...(w.before_sha256 ? { before_sha256: w.before_sha256 } : {}), ...(w.before !== undefined ? { before: w.before } : {}), after: op.code },
        ['before', 'after'],
      );
      const before = textOrUndefined(w.before);
      if (before !== undefined) result.before = before;
    }
    result.compile = await ops.compileStatus(w.path, ctx);
    return result;
  }

  async function applyPatch(op: UnityOpOf<'apply_patch'>, ops: ProfileOps, ctx: OpContext, emit: Emit) {
    const p = await ops.applyPatch(op, ctx);
    cache.clear();
    const payload: Omit<CatalogPayloadInput<'unity.patch_applied'>, 'call_id'> = { path: p.path, before_sha256: p.before_sha256, after_sha256: p.after_sha256 };
    if (p.before !== undefined) payload.before = p.before;
    if (p.after !== undefined) payload.after = p.after;
    // Payload rule: before/after texts ride along only when the whole payload fits 64 KiB;
    // otherwise both go and the shas remain (content_omitted: true). See mcp/payload.ts.
    emit('unity.patch_applied', payload, ['before', 'after']);
    const result: Record<string, unknown> = { path: p.path, before_sha256: p.before_sha256, after_sha256: p.after_sha256 };
    const before = textOrUndefined(p.before);
    const after = textOrUndefined(p.after);
    if (before !== undefined) result.before = before;
    if (after !== undefined) result.after = after;
    result.compile = await ops.compileStatus(p.path, ctx);
    return result;
  }

  async function renderPreview(
    op: UnityOpOf<'render_preview'>,
    ops: ProfileOps,
    ctx: OpContext,
    emit: Emit,
    hooks: OpHooks,
    sessionId: string,
  ) {
    emit('preview.started', { width: op.width, height: op.height, format: op.format, ...(op.camera ? { camera: op.camera } : {}) });
    const key = previewCacheKey(op, { sessionId });
    try {
      let frame: PreviewFrame | undefined = cache.get(key);
      const cached = frame !== undefined;
      cacheLookups.inc({ result: cached ? 'hit' : 'miss' });
      if (!frame) {
        const rendered: RenderedFrame = await ops.renderPreview(op, ctx);
        frame = { contentType: rendered.contentType, width: rendered.width, height: rendered.height, data: rendered.data };
        cache.set(key, frame);
      }
      deliverFrame(hooks, frame);
      emit('preview.frame', { width: frame.width, height: frame.height, bytes: frame.data.byteLength, cached, content_type: frame.contentType, sha256: await sha256Hex(frame.data) });
      emit('preview.completed', { width: frame.width, height: frame.height, cached });
      const result: Record<string, unknown> = {
        width: frame.width,
        height: frame.height,
        contentType: frame.contentType,
        bytes: frame.data.byteLength,
        cached,
        requested: { width: op.width, height: op.height, format: op.format },
      };
      // Unity bounds only the longest edge and always sends PNG: say what was produced instead.
      const notes: string[] = [];
      if (frame.width !== op.width || frame.height !== op.height) {
        notes.push(`Unity produced ${frame.width}×${frame.height} for the asked ${op.width}×${op.height}: its screenshot keeps the Game View's aspect and only bounds the longest edge`);
      }
      const producedFormat = frame.contentType === 'image/png' ? 'png' : 'jpg';
      if (producedFormat !== op.format) notes.push(`Unity sent ${producedFormat.toUpperCase()}, not ${op.format.toUpperCase()}`);
      if (notes.length) result.note = `${notes.join('; ')}.`;
      return result;
    } catch (err) {
      emit('preview.failed', { error: errorInfo(err) });
      throw err;
    }
  }

  /** Asset answers may carry a preview image: it goes out as a frame, the rest as data. */
  function splitPreview(data: Record<string, unknown>, hooks: OpHooks): Record<string, unknown> {
    const { previewImage, ...rest } = data;
    if (isRecord(previewImage) && previewImage.data instanceof Uint8Array) {
      const f = previewImage as unknown as RenderedFrame;
      deliverFrame(hooks, f);
      rest.preview = { width: f.width, height: f.height, contentType: f.contentType, bytes: f.data.byteLength };
    }
    return rest;
  }

  async function runBuild(op: UnityOpOf<'run_build'>, ops: ProfileOps, ctx: OpContext, emit: Emit, hooks: OpHooks) {
    const t0 = now();
    emit('build.started', { target: op.target, development: op.development ?? false });
    let state: BuildState | undefined;
    try {
      state = await ops.startBuild(op, ctx);
      const jobId = state.jobId;
      const deadline = t0 + (opts.buildTimeoutMs ?? DEFAULT_BUILD_TIMEOUT_MS);
      let lastProgress = -1;
      let lastState = state.unityState ?? state.status;
      let pollFailures = 0;
      // Unity's job id goes out at once, so the person (or the API) can ask for its status.
      hooks.progress('build', state.progress ?? 0, buildMessage(state));
      emit('build.progress', { jobId, status: state.status, ...(state.unityState ? { unity_state: state.unityState } : {}), progress: state.progress ?? 0 });
      while (state.status === 'queued' || state.status === 'running') {
        const remaining = deadline - now();
        if (remaining <= 0) {
          emit('build.timeout', { jobId, target: op.target, timeout_ms: opts.buildTimeoutMs ?? DEFAULT_BUILD_TIMEOUT_MS, progress: Math.max(0, lastProgress) });
          throw new OpError('build_timeout', `build ${jobId} did not finish within ${opts.buildTimeoutMs ?? DEFAULT_BUILD_TIMEOUT_MS} ms`);
        }
        await sleep(Math.min(remaining, opts.buildPollMs ?? state.pollMs ?? DEFAULT_BUILD_POLL_MS));
        try {
          state = await ops.buildStatus(jobId, ctx);
          pollFailures = 0;
        } catch (err) {
          // One lost status answer does not mean a failed build; several in a row do.
          if (err instanceof OpError && err.code === 'not_found') throw err;
          if (++pollFailures >= MAX_POLL_FAILURES) throw err;
          continue;
        }
        const progress = state.progress;
        hooks.progress('build', progress, buildMessage(state));
        const word = state.unityState ?? state.status;
        const moved = (progress !== undefined && progress !== lastProgress) || word !== lastState;
        if (moved && (state.status === 'queued' || state.status === 'running')) {
          if (progress !== undefined) lastProgress = progress;
          lastState = word;
          emit('build.progress', { jobId, status: state.status, ...(state.unityState ? { unity_state: state.unityState } : {}), ...(progress !== undefined ? { progress } : {}) });
        }
      }
      const duration_ms = Math.round(now() - t0);
      if (state.status !== 'succeeded') {
        throw new OpError(state.status === 'cancelled' ? 'build_cancelled' : 'build_failed', `build ${jobId} ${state.status}${state.message ? `: ${state.message}` : ''}`);
      }
      emit('build.completed', { jobId, target: op.target, artifact: state.artifact ?? null, duration_ms });
      return { jobId, status: state.status, target: op.target, artifact: state.artifact ?? null, duration_ms };
    } catch (err) {
      const code = err instanceof OpError ? err.code : undefined;
      if (code !== 'build_timeout') emit('build.failed', { ...(state ? { jobId: state.jobId } : {}), target: op.target, error: errorInfo(err) });
      throw err;
    }
  }

  async function execute(op: UnityOperation, acc: { mcpMs: number }, hooks: OpHooks, emit: Emit, sessionId: string): Promise<unknown> {
    const profile = await profileFor(acc, hooks);
    const ops = profile === 'seed' ? seedOps : unityMcpOps;
    const ctx = contextFor(acc, hooks);
    switch (op.op) {
      case 'generate_script':
        return generateScript(op, ops, ctx, emit);
      case 'apply_patch':
        return applyPatch(op, ops, ctx, emit);
      case 'delete_script': {
        const d = await ops.deleteScript(op, ctx);
        cache.clear();
        emit('unity.script_deleted', { path: d.path, before_sha256: d.before_sha256, ...(d.before !== undefined ? { before: d.before } : {}) }, ['before']);
        return { path: d.path, before_sha256: d.before_sha256, deleted: true };
      }
      case 'render_preview':
        return renderPreview(op, ops, ctx, emit, hooks, sessionId);
      case 'ingest_asset': {
        const data = splitPreview(await ops.ingestAsset(op, ctx), hooks);
        emit('unity.asset_ingested', { path: op.path, asset: data }, ['asset']);
        return { path: op.path, ...data };
      }
      case 'deconstruct_asset': {
        const data = splitPreview(await ops.deconstructAsset(op, ctx), hooks);
        emit('unity.asset_deconstructed', { path: op.path, asset: data }, ['asset']);
        return { path: op.path, ...data };
      }
      case 'run_build':
        return runBuild(op, ops, ctx, emit, hooks);
      case 'build_status': {
        const s = await ops.buildStatus(op.jobId, ctx);
        return {
          jobId: s.jobId,
          status: s.status,
          ...(s.unityState ? { unity_state: s.unityState } : {}),
          progress: s.progress ?? null,
          artifact: s.artifact ?? null,
          ...(s.message ? { message: s.message } : {}),
        };
      }
      case 'run_menu_item': {
        const m = await ops.runMenuItem(op, ctx);
        return { menuPath: m.menuPath, executed: true, ...(m.message ? { message: m.message } : {}) };
      }
    }
  }

  async function run(dispatch: OpDispatch, rawHooks: OpHooks): Promise<OpOutcome> {
    const t0 = now();
    const hooks = safeHooks(rawHooks);
    const acc = { mcpMs: 0 };
    const name = opNameOf(dispatch.op);
    // Checked against the catalog after fitting: a payload of the wrong shape throws, naming the field.
    const emit: Emit = (type, payload, optional = []) =>
      hooks.event(eventDraft(type, fitPayload({ call_id: dispatch.callId, ...payload }, optional) as CatalogPayloadInput<typeof type>));
    const toolCall = (p: Omit<CatalogPayloadInput<'tool.call'>, 'call_id' | 'name'>) => emit('tool.call', { name, ...p }, ['result']);
    const finish = (ok: boolean, result: unknown, err: unknown): OpOutcome => {
      const latency_ms = Math.max(0, Math.round(now() - t0));
      const mcpMs = Math.round(acc.mcpMs);
      opLatency.observe(latency_ms, { op: name });
      opsTotal.inc({ op: name, outcome: ok ? 'ok' : 'error' });
      if (ok) {
        emit('unity.completed', { op: name, latency_ms, mcp_ms: mcpMs });
        toolCall({ status: 'succeeded', latency_ms, completed_at: seconds(now()), result });
        return { ok: true, result, mcpMs };
      }
      const error = errorInfo(err);
      emit('unity.failed', { op: name, error, latency_ms, mcp_ms: mcpMs });
      const timedOut = error.code === 'timeout' || error.code === 'build_timeout';
      toolCall({ status: timedOut ? 'timeout' : 'failed', latency_ms, completed_at: seconds(now()), error: `${error.code}: ${error.message}` });
      return { ok: false, error, mcpMs };
    };

    // Validated again here: a path outside Assets/ (or any bad input) never reaches Unity.
    const parsed = unityOperation.safeParse(dispatch.op);
    if (!parsed.success) return finish(false, undefined, new OpError('invalid_op', firstIssue(parsed.error, dispatch.op).message));
    if (typeof dispatch.expiresAt === 'number' && now() > dispatch.expiresAt) {
      return finish(false, undefined, new OpError('expired', 'the operation expired before it could start'));
    }
    const op = parsed.data;
    toolCall({ status: 'started', args: argsSummary(op), started_at: seconds(t0) });
    emit('unity.started', { op: op.op, ...('path' in op ? { path: op.path } : {}) });
    try {
      const result = await execute(op, acc, hooks, emit, dispatch.sessionId);
      return finish(true, result, undefined);
    } catch (err) {
      return finish(false, undefined, err);
    }
  }

  if (opts.connectOnStart !== false) {
    // Learn the profile early for the tray and hello. Unity being closed is not an error here, and
    // this one attempt bypasses the breaker so a closed editor at start-up does not open it.
    await mcp.connect(AbortSignal.timeout(Math.min(unity.timeoutMs, 5_000))).catch(() => undefined);
  }

  return {
    run,
    info: () => ({ profile: mcp.profile, unity: mcp.health, circuit: unity.breaker.state }),
    async close() {
      closing.abort();
      await mcp.close();
    },
  };
}
