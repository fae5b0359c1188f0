import { chmodSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  ConfigError,
  CredentialsPermissionError,
  credentialsPath,
  DEFAULT_NATS_URL,
  DEFAULT_UNITY_MCP_URL,
  loadConfig,
  readCredentials,
  requirePaired,
  writeCredentials,
} from '../../local-agent/config';

const CREDS = {
  edge_url: 'https://spark.example.com',
  token: 'spk_agent_secret',
  project_id: '6f1c2b3a-4d5e-4f60-8a7b-9c0d1e2f3a4b',
  agent_id: 'agent-1',
  name: 'workstation',
};

const posix = process.platform !== 'win32';

describe('credentials file', () => {
  let home: string;
  beforeEach(() => {
    home = mkdtempSync(join(tmpdir(), 'spark-agent-creds-'));
  });
  afterEach(() => rmSync(home, { recursive: true, force: true }));

  it.runIf(posix)('is written with mode 0600 (only the user can read it)', () => {
    const old = process.umask(0o000); // even with a permissive umask
    try {
      const file = writeCredentials(join(home, 'nested'), CREDS);
      expect(statSync(file).mode & 0o777).toBe(0o600);
      expect(statSync(join(home, 'nested')).mode & 0o077).toBe(0);
    } finally {
      process.umask(old);
    }
  });

  it('round-trips', () => {
    writeCredentials(home, CREDS);
    expect(readCredentials(home)).toEqual(CREDS);
  });

  it('is undefined when absent', () => {
    expect(readCredentials(home)).toBeUndefined();
  });

  it.runIf(posix)('is refused when group or world readable, with a clear message', () => {
    writeCredentials(home, CREDS);
    const file = credentialsPath(home);
    for (const mode of [0o644, 0o640, 0o604, 0o660]) {
      chmodSync(file, mode);
      expect(() => readCredentials(home)).toThrow(CredentialsPermissionError);
      expect(() => readCredentials(home)).toThrow(/chmod 600/);
    }
    chmodSync(file, 0o600);
    expect(readCredentials(home)?.token).toBe(CREDS.token);
  });

  it('rejects a malformed file with a hint to pair again', () => {
    writeFileSync(credentialsPath(home), '{"token": 1}', { mode: 0o600 });
    expect(() => readCredentials(home)).toThrow(/pair again/);
  });

  it('overwrites atomically (no temp files left)', () => {
    writeCredentials(home, CREDS);
    writeCredentials(home, { ...CREDS, token: 'new' });
    expect(readCredentials(home)?.token).toBe('new');
  });
});

describe('loadConfig', () => {
  let home: string;
  beforeEach(() => {
    home = mkdtempSync(join(tmpdir(), 'spark-agent-cfg-'));
  });
  afterEach(() => rmSync(home, { recursive: true, force: true }));

  it('has defaults', () => {
    const c = loadConfig({ env: { SPARK_AGENT_HOME: home } });
    expect(c.home).toBe(home);
    expect(c.unityMcpUrl).toBe(DEFAULT_UNITY_MCP_URL);
    expect(c.natsUrl).toBe(DEFAULT_NATS_URL);
    expect(c.tray).toEqual({ host: '127.0.0.1', port: 7878 });
    expect(c.edgeUrl).toBeUndefined();
    expect(c.unityReloadBudgetMs).toBe(60_000);
    expect(c.breakerCooldownMs).toBe(10_000);
    expect(() => requirePaired(c)).toThrow(/spark-agent pair/);
  });

  it('takes the reload budget and the breaker cooldown from the environment', () => {
    const c = loadConfig({ env: { SPARK_AGENT_HOME: home, UNITY_RELOAD_BUDGET_MS: '5000', SPARK_BREAKER_COOLDOWN_MS: '1500' } });
    expect(c.unityReloadBudgetMs).toBe(5_000);
    expect(c.breakerCooldownMs).toBe(1_500);
    expect(() => loadConfig({ env: { SPARK_AGENT_HOME: home, UNITY_RELOAD_BUDGET_MS: 'soon' } })).toThrow(/UNITY_RELOAD_BUDGET_MS/);
    expect(() => loadConfig({ env: { SPARK_AGENT_HOME: home, SPARK_BREAKER_COOLDOWN_MS: '-1' } })).toThrow(/SPARK_BREAKER_COOLDOWN_MS/);
  });

  it('reads credentials and lets env and flags override', () => {
    writeCredentials(home, CREDS);
    const c = loadConfig({ env: { SPARK_AGENT_HOME: home, UNITY_MCP_URL: 'http://127.0.0.1:9000/mcp', NATS_URL: 'off' }, flags: { 'tray-port': '0' } });
    expect(c.edgeUrl).toBe(CREDS.edge_url);
    expect(c.token).toBe(CREDS.token);
    expect(c.projectId).toBe(CREDS.project_id);
    expect(c.unityMcpUrl).toBe('http://127.0.0.1:9000/mcp');
    expect(c.natsUrl).toBeUndefined();
    expect(c.tray.port).toBe(0);
    const d = loadConfig({ env: { SPARK_AGENT_HOME: home, EDGE_URL: 'http://localhost:8787/' }, flags: { edge: 'http://flag:1' } });
    expect(d.edgeUrl).toBe('http://flag:1');
    expect(loadConfig({ env: { SPARK_AGENT_HOME: home, EDGE_URL: 'http://localhost:8787/' } }).edgeUrl).toBe('http://localhost:8787');
  });

  it('explains bad values', () => {
    expect(() => loadConfig({ env: { SPARK_AGENT_HOME: home, EDGE_URL: 'not a url' } })).toThrow(ConfigError);
    expect(() => loadConfig({ env: { SPARK_AGENT_HOME: home, NATS_URL: 'http://x' } })).toThrow(/NATS_URL/);
    expect(() => loadConfig({ env: { SPARK_AGENT_HOME: home, SPARK_TRAY_PORT: '99999' } })).toThrow(/port/);
  });
});
