// MCP client for the Unity MCP server on this machine (Streamable HTTP, default
// http://localhost:8080/mcp). It connects lazily, learns the tool list to pick a profile, and
// reconnects on the next call after any transport failure (Unity restarted, server restarted,
// session expired), so a flaky editor never needs an agent restart.
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport, StreamableHTTPError } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { ErrorCode, McpError, type CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { ServiceError } from '../service-client';
import { parseToolResult, type ToolResult } from './envelope';
import { detectProfile, type McpProfile, type ProfileSetting } from './profile';

export const DEFAULT_UNITY_MCP_URL = 'http://localhost:8080/mcp';

/** What a person reads when the server's auth guard refuses our X-API-Key (401 or 403). */
export const UNITY_AUTH_MESSAGE = 'Unity refused the token: check UNITY_MCP_TOKEN';

/** The server's auth guard said no: a setting to fix, not an outage (no retry, no breaker). */
function authRefusal(err: unknown, url: string): ServiceError | undefined {
  if (!(err instanceof StreamableHTTPError) || (err.code !== 401 && err.code !== 403)) return undefined;
  return new ServiceError('unity_auth', `${UNITY_AUTH_MESSAGE} (the Unity MCP server at ${url} answered HTTP ${err.code})`, {
    retryable: false,
    breaker: false,
    cause: err,
  });
}

export interface UnityMcpClientOptions {
  url?: string;
  /** Sent as `X-API-Key`, as CoplayDev's server expects when remote-hosted. */
  token?: string;
  /** 'auto' (default) decides from the server's tools. */
  profile?: ProfileSetting;
  clientName?: string;
  clientVersion?: string;
  connectTimeoutMs?: number;
}

export type UnityHealth = 'up' | 'down' | 'unknown';

export interface CallToolOptions {
  signal?: AbortSignal;
  timeoutMs?: number;
}

export interface UnityMcpClient {
  readonly url: string;
  /** Null until connected (or when the server's tools match no profile). */
  readonly profile: McpProfile | null;
  readonly tools: ReadonlySet<string>;
  readonly connected: boolean;
  /** 'up' after a successful exchange, 'down' after a transport failure, 'unknown' before any. */
  readonly health: UnityHealth;
  /** Connects if needed (concurrent callers share one attempt) and returns the profile. */
  connect(signal?: AbortSignal): Promise<McpProfile>;
  /**
   * Calls a tool. Resolves with the parsed answer, including tool-level failures (`ok: false`);
   * throws a ServiceError only when the exchange itself failed (then the connection is dropped
   * and the next call reconnects).
   */
  callTool(name: string, args: Record<string, unknown>, opts?: CallToolOptions): Promise<ToolResult>;
  close(): Promise<void>;
}

interface Session {
  client: Client;
  transport: StreamableHTTPClientTransport;
}

export function createUnityMcpClient(opts: UnityMcpClientOptions = {}): UnityMcpClient {
  const url = opts.url ?? DEFAULT_UNITY_MCP_URL;
  const setting = opts.profile ?? 'auto';
  let session: Session | undefined;
  let connecting: Promise<Session> | undefined;
  let profile: McpProfile | null = null;
  let tools: ReadonlySet<string> = new Set();
  let health: UnityHealth = 'unknown';
  let closed = false;

  async function open(signal?: AbortSignal): Promise<Session> {
    const headers: Record<string, string> = {};
    if (opts.token) headers['X-API-Key'] = opts.token;
    const transport = new StreamableHTTPClientTransport(new URL(url), { requestInit: { headers } });
    const client = new Client({ name: opts.clientName ?? 'spark-agent', version: opts.clientVersion ?? '0.1.0' }, { capabilities: {} });
    const timeout = opts.connectTimeoutMs ?? 10_000;
    try {
      await client.connect(transport, { signal, timeout });
      const names = new Set<string>();
      let cursor: string | undefined;
      do {
        const page = await client.listTools(cursor === undefined ? {} : { cursor }, { signal, timeout });
        for (const t of page.tools) names.add(t.name);
        cursor = page.nextCursor;
      } while (cursor);
      const detected = setting === 'auto' ? detectProfile(names) : setting;
      if (detected === null) {
        throw new ServiceError('unknown_profile', `the MCP server at ${url} has none of the Unity tools Spark uses`, { retryable: false });
      }
      tools = names;
      profile = detected;
      health = 'up';
      return { client, transport };
    } catch (err) {
      await client.close().catch(() => undefined);
      if (err instanceof ServiceError) throw err;
      const refused = authRefusal(err, url);
      if (refused) {
        health = 'up'; // it answered: the server is there, the token is wrong
        throw refused;
      }
      health = 'down';
      throw new ServiceError('unity_unreachable', `cannot connect to the Unity MCP server at ${url}: ${messageOf(err)}`, { cause: err });
    }
  }

  async function ensure(signal?: AbortSignal): Promise<Session> {
    if (closed) throw new ServiceError('closed', 'the Unity MCP client is closed', { retryable: false, breaker: false });
    if (session) return session;
    connecting ??= open(signal).finally(() => (connecting = undefined));
    session = await connecting;
    return session;
  }

  /** Forgets a broken session so the next call reconnects; best-effort close of the old one. */
  function drop(s: Session): void {
    if (session !== s) return;
    session = undefined;
    void s.transport.terminateSession().catch(() => undefined).finally(() => s.client.close().catch(() => undefined));
  }

  return {
    url,
    get profile() {
      return profile;
    },
    get tools() {
      return tools;
    },
    get connected() {
      return session !== undefined;
    },
    get health() {
      return health;
    },
    async connect(signal) {
      await ensure(signal);
      return profile!;
    },
    async callTool(name, args, callOpts = {}) {
      const s = await ensure(callOpts.signal);
      let raw: CallToolResult;
      try {
        raw = (await s.client.callTool({ name, arguments: args }, undefined, {
          signal: callOpts.signal,
          // Our own deadline lives in the service client; keep the SDK's from firing first.
          timeout: (callOpts.timeoutMs ?? 60_000) + 1_000,
        })) as CallToolResult;
      } catch (err) {
        if (callOpts.signal?.aborted) {
          // A timed-out call may leave the session usable, but Unity may still be busy with it;
          // a fresh session costs little and avoids reading a stale stream.
          drop(s);
          throw err;
        }
        const refused = authRefusal(err, url);
        if (refused) {
          health = 'up';
          drop(s);
          throw refused;
        }
        if (err instanceof McpError && err.code !== ErrorCode.ConnectionClosed && err.code !== ErrorCode.RequestTimeout) {
          // The server answered with a protocol error: the connection is fine.
          health = 'up';
          const code = err.code === ErrorCode.InvalidParams ? 'invalid_params' : 'mcp_error';
          throw new ServiceError(code, `${name}: ${err.message}`, { retryable: false, breaker: code !== 'invalid_params', cause: err });
        }
        health = 'down';
        drop(s);
        throw new ServiceError('unity_unreachable', `${name}: ${messageOf(err)}`, { cause: err });
      }
      health = 'up';
      return parseToolResult(raw);
    },
    async close() {
      closed = true;
      const s = session ?? (await connecting?.catch(() => undefined));
      session = undefined;
      if (s) {
        await s.transport.terminateSession().catch(() => undefined);
        await s.client.close().catch(() => undefined);
      }
    },
  };
}

function messageOf(err: unknown): string {
  if (err instanceof Error) {
    const cause = (err as { cause?: unknown }).cause;
    return cause instanceof Error && cause.message && !err.message.includes(cause.message) ? `${err.message} (${cause.message})` : err.message;
  }
  return String(err);
}
