#!/usr/bin/env node
// spark-agent: pair this machine with a Spark project, run the agent, or ask a running one how it is.
//
//   spark-agent pair <code> --edge <url> [--name <name>] [--no-start]   (pairs, then runs the agent)
//   spark-agent start [--edge <url>] [--nats <url>|off] [--tray <host:port>] [--debug]
//   spark-agent status [--json]
//
// Exit codes: 0 ok · 1 failed (network, edge error) · 2 usage or bad configuration ·
//             3 not paired (start) / not running (status) · 4 pairing code refused.
import { realpathSync } from 'node:fs';
import { hostname } from 'node:os';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { startAgent } from './agent';
import { currentAgentCommand } from './agent-package';
import {
  AGENT_VERSION,
  ConfigError,
  loadConfig,
  readCredentials,
  requirePaired,
  writeCredentials,
} from './config';
import { createEdgeApi } from './edge-api';
import { consoleLogger, errorMessage } from './log';
import type { TrayStatus } from './tray';

export const EXIT = { ok: 0, failed: 1, usage: 2, notReady: 3, refused: 4 } as const;

export interface CliIo {
  out: (s: string) => void;
  err: (s: string) => void;
  env: NodeJS.ProcessEnv;
  fetch: typeof fetch;
  /** `start` resolves this when it should stop (default: SIGINT/SIGTERM). */
  stopSignal?: Promise<void>;
}

const USAGE = `spark-agent ${AGENT_VERSION} — the Spark agent for your Unity machine

Usage:
  spark-agent pair <code> --edge <url> [--name <name>]   pair this machine with a project, then run
                                                         the agent (Ctrl-C to stop; --no-start: pair only)
  spark-agent start [options]                            run the agent (Ctrl-C to stop)
  spark-agent status [--json]                            ask the running agent how it is

Installed from your Spark edge, these are: npx -y <edge>/agent/spark-agent-<version>.tgz <command> ...
(your Spark project page shows the exact command)

Options:
  --home <dir>         agent home (default ~/.spark-agent, or SPARK_AGENT_HOME)
  --edge <url>         the Spark edge (EDGE_URL)
  --nats <url|off>     local NATS (NATS_URL, default nats://127.0.0.1:4222)
  --unity-mcp-url <u>  Unity MCP server (UNITY_MCP_URL, default http://localhost:8080/mcp)
  --tray <host:port>   status page address (default 127.0.0.1:7878)
  --name <name>        this agent's name (default: the host name)
  --no-start           (pair) save the pairing and exit instead of running the agent
  --debug              verbose logs

Environment:
  UNITY_MCP_URL        the Unity MCP server (default http://localhost:8080/mcp)
  UNITY_MCP_TOKEN      its API key, sent as X-API-Key (only when the server asks for one)
`;


function parse(argv: string[]) {
  return parseArgs({
    args: argv,
    allowPositionals: true,
    strict: true,
    options: {
      home: { type: 'string' },
      edge: { type: 'string' },
      'edge-url': { type: 'string' },
      nats: { type: 'string' },
      'unity-mcp-url': { type: 'string' },
      tray: { type: 'string' },
      'tray-port': { type: 'string' },
      name: { type: 'string' },
      'no-start': { type: 'boolean' },
      json: { type: 'boolean' },
      debug: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
      version: { type: 'boolean', short: 'v' },
    },
  });
}

export async function main(argv: string[], io: CliIo): Promise<number> {
  let args: ReturnType<typeof parse>;
  try {
    args = parse(argv);
  } catch (err) {
    io.err(`spark-agent: ${errorMessage(err)}\n\n${USAGE}`);
    return EXIT.usage;
  }
  const [command, ...rest] = args.positionals;
  if (args.values.version) {
    io.out(`${AGENT_VERSION}\n`);
    return EXIT.ok;
  }
  if (args.values.help || command === undefined || command === 'help') {
    io.out(USAGE);
    return command === undefined && !args.values.help ? EXIT.usage : EXIT.ok;
  }
  const flags = args.values as Record<string, string | boolean | undefined>;
  try {
    switch (command) {
      case 'pair':
        return await pair(rest, flags, io);
      case 'start':
        return await start(flags, io);
      case 'status':
        return await status(flags, io);
      default:
        io.err(`spark-agent: unknown command '${command}'\n\n${USAGE}`);
        return EXIT.usage;
    }
  } catch (err) {
    if (err instanceof ConfigError) {
      io.err(`spark-agent: ${err.message}\n`);
      return /not paired/.test(err.message) ? EXIT.notReady : EXIT.usage;
    }
    io.err(`spark-agent: ${errorMessage(err)}\n`);
    return EXIT.failed;
  }
}

async function pair(rest: string[], flags: Record<string, string | boolean | undefined>, io: CliIo): Promise<number> {
  const code = rest[0];
  if (!code || rest.length > 1) {
    io.err(`spark-agent pair: expected exactly one pairing code\n\nUsage: spark-agent pair <code> --edge <url> [--name <name>]\n`);
    return EXIT.usage;
  }
  const config = loadConfig({ env: io.env, flags, skipCredentials: true });
  if (!config.edgeUrl) {
    io.err('spark-agent pair: which edge? pass --edge <url> (or set EDGE_URL)\n');
    return EXIT.usage;
  }
  const name = (typeof flags.name === 'string' ? flags.name : io.env.SPARK_AGENT_NAME ?? hostname()).slice(0, 120);
  const answer = await createEdgeApi({ edgeUrl: config.edgeUrl, fetch: io.fetch }).pair({ code, name });
  if (!answer.ok) {
    if (answer.kind === 'unreachable') {
      io.err(`spark-agent pair: cannot reach the edge at ${config.edgeUrl} (${answer.reason})\n`);
      return EXIT.failed;
    }
    if (answer.kind === 'unexpected') {
      io.err(`spark-agent pair: ${answer.reason}\n`);
      return EXIT.failed;
    }
    const detail = answer.error?.message ? `: ${answer.error.message}` : '';
    const why =
      answer.status === 400
        ? `the pairing code was not accepted${detail}`
        : answer.status === 404
          ? // The edge answers unknown, used and expired codes alike (nothing to learn by guessing).
            'the pairing code is unknown, was already used or has expired: check it, or create a new one in the browser'
          : `the edge answered ${answer.status}${detail}`;
    io.err(`spark-agent pair: ${why}\n`);
    return answer.status === 400 || answer.status === 404 ? EXIT.refused : EXIT.failed;
  }
  const paired = answer.value;
  let previous: string | undefined;
  try {
    previous = readCredentials(config.home)?.project_id;
  } catch {
    previous = undefined;
  }
  const file = writeCredentials(config.home, {
    edge_url: config.edgeUrl,
    token: paired.token,
    project_id: paired.project_id,
    agent_id: paired.agent_id,
    name,
    paired_at: new Date().toISOString(),
  });
  if (previous && previous !== paired.project_id) io.out(`Replaced the previous pairing (project ${previous}).\n`);
  io.out(`Paired "${name}" with project ${paired.project_id} (agent ${paired.agent_id}).\n` + `Credentials saved to ${file} (readable only by you).\n`);
  if (flags['no-start'] === true) {
    io.out(`Start the agent with: ${await currentAgentCommand(io.fetch, config.edgeUrl, 'start')}\n`);
    return EXIT.ok;
  }
  // The page says "leave it running": pairing goes straight on to run the agent.
  return start(flags, io);
}

async function start(flags: Record<string, string | boolean | undefined>, io: CliIo): Promise<number> {
  const config = loadConfig({ env: io.env, flags });
  requirePaired(config);
  const log = consoleLogger({ debug: flags.debug === true || io.env.SPARK_AGENT_DEBUG === '1' });
  const agent = await startAgent(config, { log });
  io.out(
    `Spark agent "${config.agentName}" running for project ${config.projectId} on ${config.edgeUrl}\n` +
      `Unity MCP server: ${config.unityMcpUrl}${config.unityMcpToken ? ' (with UNITY_MCP_TOKEN)' : ''}\n` +
      `Status page: ${agent.trayUrl ?? '(off)'} — Ctrl-C to stop\n`,
  );
  const stopSignal =
    io.stopSignal ??
    new Promise<void>((resolve) => {
      process.once('SIGINT', () => resolve());
      process.once('SIGTERM', () => resolve());
    });
  await stopSignal;
  io.out('Stopping…\n');
  await agent.stop();
  io.out('Stopped.\n');
  return EXIT.ok;
}

async function status(flags: Record<string, string | boolean | undefined>, io: CliIo): Promise<number> {
  const config = loadConfig({ env: io.env, flags, skipCredentials: true });
  const host = config.tray.host.includes(':') ? `[${config.tray.host}]` : config.tray.host;
  const url = `http://${host}:${config.tray.port}/status.json`;
  let res: Response;
  try {
    res = await io.fetch(url, { signal: AbortSignal.timeout(3000) });
  } catch {
    // Installed through npx, `spark-agent` is not on the PATH: name the command that works.
    let edge = config.edgeUrl;
    try {
      edge ??= readCredentials(config.home)?.edge_url;
    } catch {
      // unreadable credentials: the generic hint below
    }
    const how = edge ? `${await currentAgentCommand(io.fetch, edge, 'start')} (or the start command on your Spark project page)` : 'the start command on your Spark project page';
    io.err(`The Spark agent is not running (nothing answers on ${config.tray.host}:${config.tray.port}).\nStart it with: ${how}\n`);
    return EXIT.notReady;
  }
  if (!res.ok) {
    io.err(`Something on ${config.tray.host}:${config.tray.port} answered ${res.status}; it does not look like the Spark agent.\n`);
    return EXIT.failed;
  }
  let st: TrayStatus;
  try {
    st = (await res.json()) as TrayStatus;
  } catch {
    io.err(`Something on ${config.tray.host}:${config.tray.port} answered, but not with the agent's status.\n`);
    return EXIT.failed;
  }
  if (flags.json) {
    io.out(`${JSON.stringify(st, null, 2)}\n`);
    return EXIT.ok;
  }
  io.out(formatStatus(st));
  return EXIT.ok;
}

export function formatStatus(st: TrayStatus): string {
  const lines: string[] = [];
  lines.push(`Spark agent "${st.agent.name}" v${st.agent.version} — running for ${Math.round(st.agent.uptimeS)} s (pid ${st.agent.pid})`);
  lines.push(`  project   ${st.agent.projectId ?? '—'} on ${st.agent.edgeUrl ?? '—'}`);
  lines.push(`  unity     ${st.unity.health} (profile ${st.unity.profile ?? 'unknown'}, circuit ${st.unity.circuit}) at ${st.unity.mcpUrl}`);
  if (st.sessions?.lastError) lines.push(`  sessions  ${st.sessions.lastError}`);
  else if (st.links.length === 0) lines.push('  sessions  none active');
  for (const l of st.links) lines.push(`  session   ${l.sessionName ? `${l.sessionName} ` : ''}${l.sessionId}: ${l.state}${l.lastError ? ` (${l.lastError})` : ''}`);
  lines.push(`  outbox    ${st.outbox.depth} waiting (${st.outbox.backend}), edge ${st.outbox.edge}, sent ${st.outbox.sent}, rejected ${st.outbox.rejected}${st.outbox.lastError ? ` — ${st.outbox.lastError}` : ''}`);
  lines.push(`  nats      ${st.nats.state}${st.nats.url ? ` ${st.nats.url}` : ''}: published ${st.nats.published}, dropped ${st.nats.dropped}, dlq ${st.nats.deadLettered}`);
  if (st.ops.length > 0) {
    lines.push('  last ops');
    for (const o of st.ops) lines.push(`    ${o.name.padEnd(18)} ${o.state.padEnd(10)} ${o.ms === undefined ? '' : `${Math.round(o.ms)} ms`}${o.error ? `  ${o.error}` : ''}`);
  }
  return `${lines.join('\n')}\n`;
}

function isMain(): boolean {
  const entry = process.argv[1];
  if (!entry) return false;
  try {
    return import.meta.url === pathToFileURL(realpathSync(entry)).href;
  } catch {
    return false;
  }
}

/** Runs the CLI in this process with its arguments and exits with its code. */
export function runCli(): void {
  main(process.argv.slice(2), {
    out: (s) => process.stdout.write(s),
    err: (s) => process.stderr.write(s),
    env: process.env,
    fetch,
  }).then(
    (code) => process.exit(code),
    (err: unknown) => {
      process.stderr.write(`spark-agent: ${errorMessage(err)}\n`);
      process.exit(EXIT.failed);
    },
  );
}

if (isMain()) runCli();
