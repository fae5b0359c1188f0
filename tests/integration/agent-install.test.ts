// The first run on a Unity machine that has Node and nothing of Spark: the exact command the
// pairing API gives the page (`npx -y <edge>/agent/spark-agent-….tgz pair CODE --edge <edge>`) runs in an
// empty folder with a fresh HOME and an npm cache of its own, installs the agent from the real
// Worker (workerd, serving web/dist), pairs, keeps running, comes online and does the work
// against the test Unity MCP server (which asks for an API key, given as UNITY_MCP_TOKEN).
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { get } from 'node:http';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiClient, eventually, userWithProject } from '../support/api';
import type { SparkWorker } from '../support/spark-worker';
import { startUnityMcpServer, type UnityMcpServerHandle } from '../support/unity-mcp-server';
import { startWebStack, type WebStack } from '../support/web-stack';


const UNITY_KEY = 'unity-key-for-tests';

describe('installing the agent from the edge', () => {
  let stack: WebStack;
  let worker: SparkWorker;
  let unity: UnityMcpServerHandle;
  let machine: string;
  let child: ChildProcess | undefined;
  let output = '';

  beforeAll(async () => {
    stack = await startWebStack('agentinstall');
    worker = stack.worker;
    unity = await startUnityMcpServer({ profile: 'unity-mcp', apiKey: UNITY_KEY });
    machine = mkdtempSync(join(tmpdir(), 'spark-unity-machine-'));
  }, 120_000);
  afterAll(async () => {
    if (child?.pid && child.exitCode === null && child.signalCode === null) {
      try {
        process.kill(-child.pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    await unity?.close();
    await stack?.dispose();
    if (machine) rmSync(machine, { recursive: true, force: true });
  });

  it('serves the agent as an npm tarball, under a fixed name and under its versioned one', async () => {
    const bytes = await download(`${worker.url}/agent.tgz`);
    // gzip magic; the SPA fallback would have answered index.html.
    expect([bytes[0], bytes[1]]).toEqual([0x1f, 0x8b]);
    const manifest = JSON.parse((await download(`${worker.url}/agent.json`)).toString('utf8')) as { path: string; sha256: string };
    const versioned = await download(worker.url + manifest.path);
    expect(versioned.equals(bytes)).toBe(true);
    expect(createHash('sha256').update(versioned).digest('hex')).toBe(manifest.sha256);
  });

  it('pairs, keeps running and comes online with the one command the page shows', async () => {
    const user = await userWithProject(worker.url, 'installer');
    const session = await user.api.post(`/api/projects/${user.projectId}/sessions`, { name: 'First run' });
    expect(session.status).toBe(201);
    const pairing = await user.api.post(`/api/projects/${user.projectId}/pairing-codes`);
    expect(pairing.status).toBe(201);
    const { code, command, start_command } = pairing.body as { code: string; command: string; start_command: string };
    const manifest = JSON.parse((await download(`${worker.url}/agent.json`)).toString('utf8')) as { path: string };
    expect(command).toBe(`npx -y ${worker.url}${manifest.path} pair ${code} --edge ${worker.url}`);
    expect(manifest.path).toMatch(/^\/agent\/spark-agent-\d+\.\d+\.\d+-[0-9a-f]{12}\.tgz$/);
    expect(start_command).toBe(command.replace(/ pair .*$/, ' start'));

    // A Unity machine: an empty project folder, a HOME of its own, nothing of Spark.
    const homeDir = join(machine, 'home');
    const cwdDir = join(machine, 'MyGame');
    for (const d of [homeDir, cwdDir]) mkdirSync(d);
    // As a terminal runs it: the words of the command (it has no quoting), in a process group
    // of its own, so Ctrl-C reaches npx and the agent alike.
    const [bin, ...args] = command.split(' ');
    child = spawn(bin!, args, {
      cwd: cwdDir,
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: {
        PATH: process.env.PATH!,
        HOME: homeDir,
        npm_config_cache: join(homeDir, '.npm'),
        npm_config_update_notifier: 'false',
        UNITY_MCP_URL: unity.url,
        UNITY_MCP_TOKEN: UNITY_KEY,
        // Not the documented defaults, only so parallel tests do not collide: no shared NATS
        // stream, no fixed tray port, a quick look at the session list.
        NATS_URL: 'off',
        SPARK_TRAY_PORT: '0',
        SPARK_SESSION_REFRESH_MS: '500',
      },
    });
    child.stdout!.on('data', (b: Buffer) => (output += b.toString()));
    child.stderr!.on('data', (b: Buffer) => (output += b.toString()));

    const tray = await eventually(async () => /Status page: (http:\/\/127\.0\.0\.1:\d+)/.exec(output)?.[1] ?? (child!.exitCode !== null ? Promise.reject(new Error(`exited ${child!.exitCode}: ${output}`)) : undefined), 90_000, 200);
    expect(output).toMatch(/Paired "[^"]+" with project/);
    expect(output).toContain(`Unity MCP server: ${unity.url} (with UNITY_MCP_TOKEN)`);
    // The folder stays empty: npx installs into its cache, the credentials go to ~/.spark-agent.
    expect(readdirSync(cwdDir)).toEqual([]);
    const creds = JSON.parse(readFileSync(join(homeDir, '.spark-agent', 'credentials.json'), 'utf8')) as { project_id: string; edge_url: string };
    expect(creds).toMatchObject({ project_id: user.projectId, edge_url: worker.url });

    // Online: in the project's agent list (what the page watches) and in the session.
    const agent = await eventually(async () => {
      const res = await user.api.get(`/api/projects/${user.projectId}/agents`);
      return (res.body.items as { status: string; name: string }[]).find((a) => a.status === 'online');
    }, 60_000, 300);
    expect(agent.name.length).toBeGreaterThan(0);
    const ops = `/api/projects/${user.projectId}/sessions/${session.body.id}/ops`;
    await eventually(async () => ((await user.api.get(ops)).body.agent.online === true ? true : undefined), 20_000, 200);
    const status = (await (await fetch(`${tray}/status.json`)).json()) as { unity: { health: string } };
    expect(status.unity).toBeDefined();

    // And it does the work, with the token Unity asked for.
    const queued = await user.api.post(ops, { op: 'generate_script', path: 'Assets/Scripts/Hello.cs', code: 'public class Hello {}\n' });
    expect(queued.status).toBe(202);
    await eventually(async () => {
      const op = await user.api.get(`${ops}/${queued.body.callId}`);
      if (op.body.state === 'failed') throw new Error(JSON.stringify(op.body.error));
      return op.body.state === 'succeeded' ? true : undefined;
    }, 30_000, 200);
    expect(readFileSync(join(unity.projectDir, 'Assets/Scripts/Hello.cs'), 'utf8')).toBe('public class Hello {}\n');

    // Ctrl-C stops it cleanly.
    const closed = new Promise<void>((r) => child!.once('close', () => r()));
    process.kill(-child.pid!, 'SIGINT');
    await closed;
    expect(output).toMatch(/Stopping…\nStopped\./);
    expect(existsSync(join(homeDir, '.npm'))).toBe(true);
  }, 180_000);

  it('refuses a used code with a plain message and a non-zero exit', async () => {
    const user = await userWithProject(worker.url, 'again');
    const pairing = await user.api.post(`/api/projects/${user.projectId}/pairing-codes`);
    expect((await apiClient(worker.url).post('/api/agent/pair', { code: pairing.body.code, name: 'first' })).status).toBe(201);
    const home = mkdtempSync(join(machine, 'home2-'));
    const [bin, ...args] = (pairing.body.command as string).split(' ');
    const run = spawn(bin!, args, {
      cwd: home,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { PATH: process.env.PATH!, HOME: home, npm_config_cache: join(home, '.npm'), npm_config_update_notifier: 'false', NATS_URL: 'off', SPARK_TRAY_PORT: '0' },
    });
    let err = '';
    run.stderr.on('data', (b: Buffer) => (err += b.toString()));
    const code = await new Promise<number | null>((r) => run.once('exit', (c) => r(c)));
    expect(code).toBe(4);
    expect(err).toMatch(/unknown, was already used or has expired/);
  }, 120_000);
});

/** A GET on a connection of its own (as npm makes it), so no keep-alive socket outlives it. */
function download(url: string): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    get(url, { agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => (res.statusCode === 200 ? resolve(Buffer.concat(chunks)) : reject(new Error(`${url}: ${res.statusCode}`))));
      res.on('error', reject);
    }).on('error', reject);
  });
}
