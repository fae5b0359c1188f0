// The agent's configuration: flags > environment > <home>/config.json > credentials.json > defaults.
// The credentials (the agent token from `spark-agent pair`) live in <home>/credentials.json, which
// only the user may read: we write it 0600 and refuse to read it when group or others can.
import { randomUUID } from 'node:crypto';
import { chmodSync, closeSync, existsSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { homedir, hostname } from 'node:os';
import { join, resolve } from 'node:path';
import { z } from 'zod';
import { DEFAULT_COOLDOWN_MS } from './circuit-breaker';
import { DEFAULT_RELOAD_BUDGET_MS } from './executor';

export const AGENT_VERSION = '0.1.0';
export const DEFAULT_UNITY_MCP_URL = 'http://localhost:8080/mcp';
export const DEFAULT_NATS_URL = 'nats://127.0.0.1:4222';
export const DEFAULT_TRAY_HOST = '127.0.0.1';
export const DEFAULT_TRAY_PORT = 7878;
export const DEFAULT_OUTBOX_STREAM = 'SPARK_AGENT_OUTBOX';
export const DEFAULT_OUTBOX_SUBJECT_PREFIX = 'spark.agent.outbox';
export const CREDENTIALS_FILE = 'credentials.json';
export const CONFIG_FILE = 'config.json';

export const storedCredentials = z.object({
  edge_url: z.url(),
  token: z.string().min(1),
  project_id: z.uuid(),
  agent_id: z.string().min(1),
  name: z.string().max(120).optional(),
  paired_at: z.string().optional(),
});
export type StoredCredentials = z.infer<typeof storedCredentials>;

/** Optional <home>/config.json: the same knobs as the environment, camelCase. */
const fileConfig = z
  .object({
    edgeUrl: z.url(),
    unityMcpUrl: z.url(),
    unityMcpToken: z.string(),
    natsUrl: z.string(),
    trayHost: z.string(),
    trayPort: z.number().int().min(0).max(65535),
    name: z.string().max(120),
    outboxStream: z.string(),
    outboxSubjectPrefix: z.string(),
    natsPublishMode: z.enum(['core', 'jetstream']),
  })
  .partial();

export interface AgentConfig {
  home: string;
  /** Edge base URL, e.g. https://spark.example.com. Undefined until paired or configured. */
  edgeUrl: string | undefined;
  token: string | undefined;
  projectId: string | undefined;
  agentId: string | undefined;
  agentName: string;
  version: string;
  unityMcpUrl: string;
  unityMcpToken: string | undefined;
  /** Undefined: the agent runs without NATS (file outbox, bridge disabled). */
  natsUrl: string | undefined;
  natsPublishMode: 'core' | 'jetstream';
  tray: { host: string; port: number };
  outbox: { stream: string; subjectPrefix: string };
  /** How often the session list is refreshed (ms). */
  sessionRefreshMs: number;
  /** Status heartbeat on each edge link (ms). */
  heartbeatMs: number;
  /** How long an op keeps retrying while Unity answers "reloading" (UNITY_RELOAD_BUDGET_MS, default 60 s). */
  unityReloadBudgetMs: number;
  /** How long the Unity circuit stays open before a trial call (SPARK_BREAKER_COOLDOWN_MS, default 10 s). */
  breakerCooldownMs: number;
}

export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

export class CredentialsPermissionError extends ConfigError {
  constructor(readonly file: string, readonly mode: number) {
    super(
      `refusing to read ${file}: it is readable by group or others (mode ${(mode & 0o777).toString(8).padStart(3, '0')}). ` +
        `It holds your agent token; run: chmod 600 ${JSON.stringify(file)}`,
    );
    this.name = 'CredentialsPermissionError';
  }
}

export function defaultHome(env: NodeJS.ProcessEnv = process.env): string {
  const fromEnv = env.SPARK_AGENT_HOME?.trim();
  if (fromEnv) return resolve(expandHome(fromEnv));
  return join(homedir(), '.spark-agent');
}

function expandHome(p: string): string {
  return p === '~' ? homedir() : p.startsWith('~/') ? join(homedir(), p.slice(2)) : p;
}

export function credentialsPath(home: string): string {
  return join(home, CREDENTIALS_FILE);
}

const checkModes = process.platform !== 'win32';

/** Reads <home>/credentials.json; undefined when it does not exist. Throws when it is not private. */
export function readCredentials(home: string): StoredCredentials | undefined {
  const file = credentialsPath(home);
  let st;
  try {
    st = statSync(file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
  if (checkModes && (st.mode & 0o077) !== 0) throw new CredentialsPermissionError(file, st.mode);
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new ConfigError(`${file} is not valid JSON (${(err as Error).message}); pair again with 'spark-agent pair'`);
  }
  const parsed = storedCredentials.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new ConfigError(`${file} is invalid (${issue?.path.join('.') || 'input'}: ${issue?.message}); pair again with 'spark-agent pair'`);
  }
  return parsed.data;
}

/** Writes <home>/credentials.json atomically with mode 0600 and verifies the mode afterwards. */
export function writeCredentials(home: string, creds: StoredCredentials): string {
  const data = storedCredentials.parse(creds);
  mkdirSync(home, { recursive: true, mode: 0o700 });
  const file = credentialsPath(home);
  const tmp = `${file}.${process.pid}.${randomUUID()}.tmp`;
  const fd = openSync(tmp, 'wx', 0o600);
  try {
    writeSync(fd, `${JSON.stringify(data, null, 2)}\n`);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  try {
    if (checkModes) chmodSync(tmp, 0o600);
    renameSync(tmp, file);
  } catch (err) {
    try {
      unlinkSync(tmp);
    } catch {
      /* already gone */
    }
    throw err;
  }
  if (checkModes) {
    const mode = statSync(file).mode & 0o777;
    if (mode !== 0o600) {
      throw new ConfigError(`wrote ${file} but its mode is ${mode.toString(8)} instead of 600; fix it with: chmod 600 ${JSON.stringify(file)}`);
    }
  }
  return file;
}

function readFileConfig(home: string): z.infer<typeof fileConfig> {
  const file = join(home, CONFIG_FILE);
  if (!existsSync(file)) return {};
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new ConfigError(`${file} is not valid JSON: ${(err as Error).message}`);
  }
  const parsed = fileConfig.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new ConfigError(`${file}: ${issue?.path.join('.') || 'input'}: ${issue?.message}`);
  }
  return parsed.data;
}

export interface LoadConfigOptions {
  env?: NodeJS.ProcessEnv;
  /** Parsed CLI flags (`--edge`, `--home`, `--nats`, `--tray-port`, `--name`, ...). */
  flags?: Record<string, string | boolean | undefined>;
  /** Skip reading credentials.json (e.g. for `pair`). */
  skipCredentials?: boolean;
}

function flag(flags: LoadConfigOptions['flags'], ...names: string[]): string | undefined {
  for (const n of names) {
    const v = flags?.[n];
    if (typeof v === 'string') return v;
  }
  return undefined;
}

function nonEmpty(v: string | undefined): string | undefined {
  const t = v?.trim();
  return t ? t : undefined;
}

function parseUrl(value: string, what: string, protocols: string[]): string {
  let u: URL;
  try {
    u = new URL(value);
  } catch {
    throw new ConfigError(`${what} must be a URL, got ${JSON.stringify(value)}`);
  }
  if (!protocols.includes(u.protocol)) {
    throw new ConfigError(`${what} must use ${protocols.join(' or ')}, got ${JSON.stringify(value)}`);
  }
  return value.replace(/\/+$/, '');
}

function parsePort(value: string | number, what: string): number {
  const n = typeof value === 'number' ? value : Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new ConfigError(`${what} must be a port number (0-65535), got ${JSON.stringify(value)}`);
  return n;
}

function parseMs(value: string | undefined, what: string, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isFinite(n) || n < 10) throw new ConfigError(`${what} must be a number of milliseconds >= 10`);
  return n;
}

/** Builds the configuration. Throws ConfigError with a message fit for the user. */
export function loadConfig(opts: LoadConfigOptions = {}): AgentConfig {
  const env = opts.env ?? process.env;
  const flags = opts.flags ?? {};
  const home = resolve(expandHome(flag(flags, 'home') ?? defaultHome(env)));
  const file = readFileConfig(home);
  const creds = opts.skipCredentials ? undefined : readCredentials(home);

  const edgeRaw = nonEmpty(flag(flags, 'edge', 'edge-url')) ?? nonEmpty(env.EDGE_URL) ?? file.edgeUrl ?? creds?.edge_url;
  const edgeUrl = edgeRaw === undefined ? undefined : parseUrl(edgeRaw, 'EDGE_URL', ['http:', 'https:']);

  const unityMcpUrl = parseUrl(
    nonEmpty(flag(flags, 'unity-mcp-url')) ?? nonEmpty(env.UNITY_MCP_URL) ?? file.unityMcpUrl ?? DEFAULT_UNITY_MCP_URL,
    'UNITY_MCP_URL',
    ['http:', 'https:'],
  );
  const unityMcpToken = nonEmpty(env.UNITY_MCP_TOKEN) ?? file.unityMcpToken;

  // NATS is optional: "off" / "none" / "" disables it explicitly.
  const natsRaw = flag(flags, 'nats') ?? env.NATS_URL ?? file.natsUrl ?? DEFAULT_NATS_URL;
  const natsUrl = ['', 'off', 'none', 'false', '0'].includes(natsRaw.trim().toLowerCase())
    ? undefined
    : parseUrl(natsRaw.trim(), 'NATS_URL', ['nats:', 'tls:', 'ws:', 'wss:']);
  const modeRaw = nonEmpty(env.SPARK_NATS_PUBLISH_MODE) ?? file.natsPublishMode ?? 'core';
  if (modeRaw !== 'core' && modeRaw !== 'jetstream') throw new ConfigError(`SPARK_NATS_PUBLISH_MODE must be 'core' or 'jetstream'`);

  // Tray: SPARK_TRAY=host:port or SPARK_TRAY_PORT; loopback only unless the user insists.
  let trayHost = file.trayHost ?? DEFAULT_TRAY_HOST;
  let trayPort: number = file.trayPort ?? DEFAULT_TRAY_PORT;
  const trayCombined = nonEmpty(flag(flags, 'tray')) ?? nonEmpty(env.SPARK_TRAY);
  if (trayCombined) {
    const m = /^(?:(.+):)?(\d+)$/.exec(trayCombined);
    if (!m) throw new ConfigError(`tray address must be host:port or port, got ${JSON.stringify(trayCombined)}`);
    if (m[1]) trayHost = m[1];
    trayPort = parsePort(m[2]!, 'tray port');
  }
  const trayPortRaw = nonEmpty(flag(flags, 'tray-port')) ?? nonEmpty(env.SPARK_TRAY_PORT);
  if (trayPortRaw) trayPort = parsePort(trayPortRaw, 'SPARK_TRAY_PORT');

  const token = nonEmpty(env.SPARK_AGENT_TOKEN) ?? creds?.token;
  const projectId = nonEmpty(env.SPARK_PROJECT_ID) ?? creds?.project_id;
  const agentName = nonEmpty(flag(flags, 'name')) ?? nonEmpty(env.SPARK_AGENT_NAME) ?? file.name ?? creds?.name ?? hostname().slice(0, 120);

  return {
    home,
    edgeUrl,
    token,
    projectId,
    agentId: creds?.agent_id,
    agentName: agentName.slice(0, 120),
    version: AGENT_VERSION,
    unityMcpUrl,
    unityMcpToken,
    natsUrl,
    natsPublishMode: modeRaw,
    tray: { host: trayHost, port: trayPort },
    outbox: {
      stream: nonEmpty(env.SPARK_OUTBOX_STREAM) ?? file.outboxStream ?? DEFAULT_OUTBOX_STREAM,
      subjectPrefix: nonEmpty(env.SPARK_OUTBOX_SUBJECT_PREFIX) ?? file.outboxSubjectPrefix ?? DEFAULT_OUTBOX_SUBJECT_PREFIX,
    },
    sessionRefreshMs: parseMs(nonEmpty(env.SPARK_SESSION_REFRESH_MS), 'SPARK_SESSION_REFRESH_MS', 30_000),
    heartbeatMs: parseMs(nonEmpty(env.SPARK_HEARTBEAT_MS), 'SPARK_HEARTBEAT_MS', 15_000),
    unityReloadBudgetMs: parseMs(nonEmpty(env.UNITY_RELOAD_BUDGET_MS), 'UNITY_RELOAD_BUDGET_MS', DEFAULT_RELOAD_BUDGET_MS),
    breakerCooldownMs: parseMs(nonEmpty(env.SPARK_BREAKER_COOLDOWN_MS), 'SPARK_BREAKER_COOLDOWN_MS', DEFAULT_COOLDOWN_MS),
  };
}

/** What `start` needs; throws a ConfigError naming what is missing. */
export function requirePaired(config: AgentConfig): asserts config is AgentConfig & { edgeUrl: string; token: string; projectId: string } {
  const missing: string[] = [];
  if (!config.edgeUrl) missing.push('edge URL (EDGE_URL)');
  if (!config.token) missing.push('agent token');
  if (!config.projectId) missing.push('project id');
  if (missing.length > 0) {
    throw new ConfigError(
      `the agent is not paired (missing ${missing.join(', ')} in ${credentialsPath(config.home)}). ` +
        `Run: spark-agent pair <code> --edge <url>`,
    );
  }
}
