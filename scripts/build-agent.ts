// Builds the agent a Unity machine installs from the edge: one ESM file with every dependency
// inlined (esbuild), beside a package.json whose only field of note is its `bin`, packed with
// `npm pack` into `agent.tgz`. The edge serves it as a static asset, so
//   npx -y <edge>/agent.tgz pair CODE --edge <edge>
// works on a machine that has Node and nothing of Spark, and fetches nothing from the registry.
//   npx tsx scripts/build-agent.ts [outFile]     (buildWeb() calls it for web/dist/agent.tgz)
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { createHash } from 'node:crypto';
import { AGENT_MANIFEST_PATH, AGENT_TARBALL_PATH, type AgentManifest } from '../contracts/agent-install';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');


export interface BuildAgentResult {
  file: string;
  bytes: number;
  version: string;
}

// Node 20 has no global WebSocket and edge-socket.ts imports `ws` by a computed name (so the
// source runs without it on Node 22): give the bundle the inlined `ws` as the global instead.
// cli.ts runs itself when it is the entry file, which it is inside the bundle.
const ENTRY = `
import WebSocket from 'ws';
if (typeof globalThis.WebSocket !== 'function') globalThis.WebSocket = WebSocket;
import './local-agent/cli.ts';
`;

export async function buildAgent(outFile = join(ROOT, 'dist', AGENT_TARBALL_PATH.slice(1))): Promise<BuildAgentResult> {
  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string; engines?: Record<string, string> };
  const stage = mkdtempSync(join(tmpdir(), 'spark-agent-pack-'));
  try {
    const pkgDir = join(stage, 'package');
    mkdirSync(pkgDir);
    await build({
      stdin: { contents: ENTRY, resolveDir: ROOT, loader: 'ts', sourcefile: 'spark-agent-entry.ts' },
      outfile: join(pkgDir, 'spark-agent.mjs'),
      bundle: true,
      platform: 'node',
      format: 'esm',
      target: 'node20',
      minify: true,
      legalComments: 'none',
      logLevel: 'warning',
      // Optional native speed-ups `ws` loads inside try/catch.
      external: ['bufferutil', 'utf-8-validate'],
      // CommonJS dependencies (nats, ws) call require() for Node's built-ins.
      banner: { js: "#!/usr/bin/env node\nimport { createRequire as __sparkRequire } from 'node:module';\nconst require = __sparkRequire(import.meta.url);" },
    });
    writeFileSync(
      join(pkgDir, 'package.json'),
      `${JSON.stringify(
        {
          name: 'spark-agent',
          version: pkg.version,
          description: 'The Spark agent for your Unity machine: pairs with a Spark project and bridges it to the Unity MCP server.',
          type: 'module',
          bin: { 'spark-agent': 'spark-agent.mjs' },
          engines: pkg.engines ?? { node: '>=20.19' },
          license: 'UNLICENSED',
        },
        null,
        2,
      )}\n`,
    );
    writeFileSync(join(pkgDir, 'README.md'), '# spark-agent\n\nRun `spark-agent --help`. Installed from your Spark edge: `npx -y <edge>/agent.tgz pair CODE --edge <edge>`.\n');
    // npm pack names the tarball <name>-<version>.tgz and prints that name last.
    const out = execFileSync('npm', ['pack', '--silent', '--pack-destination', stage], { cwd: pkgDir, encoding: 'utf8', env: { ...process.env, npm_config_update_notifier: 'false' } });
    const packed = join(stage, out.trim().split('\n').pop()!.trim());
    mkdirSync(dirname(outFile), { recursive: true });
    copyFileSync(packed, outFile);
    return { file: outFile, bytes: statSync(outFile).size, version: pkg.version };
  } finally {
    rmSync(stage, { recursive: true, force: true });
  }
}

/**
 * The agent as the edge serves it, into a web build's folder: agent.tgz, the same bytes under a
 * versioned name in agent/, and agent.json naming that one (the pairing command uses it).
 */
export async function buildAgentAssets(outDir: string): Promise<AgentManifest> {
  const built = await buildAgent(join(outDir, AGENT_TARBALL_PATH.slice(1)));
  const sha256 = createHash('sha256').update(readFileSync(built.file)).digest('hex');
  const path = `/agent/spark-agent-${built.version}-${sha256.slice(0, 12)}.tgz`;
  mkdirSync(join(outDir, 'agent'), { recursive: true });
  copyFileSync(built.file, join(outDir, path.slice(1)));
  const manifest: AgentManifest = { version: built.version, path, sha256, bytes: built.bytes };
  writeFileSync(join(outDir, AGENT_MANIFEST_PATH.slice(1)), `${JSON.stringify(manifest)}\n`);
  return manifest;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  buildAgent(process.argv[2] ? resolve(process.argv[2]) : undefined).then(
    (r) => console.log(`agent → ${r.file}  ${(r.bytes / 1024).toFixed(1)} KB (spark-agent ${r.version})`),
    (err: unknown) => {
      console.error(err instanceof Error ? err.message : err);
      process.exit(1);
    },
  );
}
