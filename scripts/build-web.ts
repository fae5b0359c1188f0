// Builds the browser UI into web/dist: the app bundle (esbuild, minified, ES2020, content-hashed
// names), the stylesheet, index.html pointing at both, and presets.json (fetched by the page when
// a session opens, so the preset scripts stay out of the JS bundle), and the bundled agent a Unity
// machine installs with npx (agent.tgz, agent/<versioned>.tgz, agent.json: scripts/build-agent.ts).
// Prints the gzipped sizes.
//   npx tsx scripts/build-web.ts        (or call buildWeb() from a test setup / npm start)
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { gzipSync } from 'node:zlib';
import { build, type Metafile } from 'esbuild';
import { assetHeadersFile } from '../edge/http/security-headers';
import { buildAgentAssets } from './build-agent';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const SRC = join(ROOT, 'web/src');

export interface BuildWebOptions {
  /** Where to write; default web/dist. Emptied first. */
  outDir?: string;
  /** Print the summary (default true). */
  log?: boolean;
  /** Minify (default true). */
  minify?: boolean;
}

export interface BuildWebResult {
  outDir: string;
  js: { file: string; bytes: number; gzip: number };
  css: { file: string; bytes: number; gzip: number };
  presets: { count: number; bytes: number; gzip: number };
  agent: { file: string; bytes: number; version: string };
}

/**
 * Paths a browser bundle must never contain: server code (edge/db/workers, drizzle, postgres) or
 * zod (the page checks messages by hand; the edge and the agent validate for real).
 */
const FORBIDDEN = [/^edge\//, /^db\//, /^workers\//, /^local-agent\//, /^web\/presets\//, /node_modules\/(zod|drizzle-orm|postgres|@neondatabase|nats)\//];

export async function buildWeb(opts: BuildWebOptions = {}): Promise<BuildWebResult> {
  const outDir = resolve(ROOT, opts.outDir ?? 'web/dist');
  const minify = opts.minify ?? true;
  // It is emptied first: refuse anything that is not a folder of its own inside or outside the repo.
  if (outDir === ROOT || ROOT.startsWith(outDir + '/') || outDir === SRC || outDir.startsWith(SRC + '/')) throw new Error(`build-web: refusing to empty ${outDir}`);
  rmSync(outDir, { recursive: true, force: true });
  mkdirSync(join(outDir, 'assets'), { recursive: true });

  const result = await build({
    absWorkingDir: ROOT,
    entryPoints: { main: join(SRC, 'main.tsx'), styles: join(SRC, 'styles.css') },
    outdir: join(outDir, 'assets'),
    entryNames: '[name]-[hash]',
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2020',
    minify,
    sourcemap: false,
    legalComments: 'none',
    jsx: 'automatic',
    jsxImportSource: 'hono/jsx/dom',
    metafile: true,
    write: true,
    logLevel: 'warning',
    // CSS features newer than the target pass through as written (they degrade gracefully).
    supported: { nesting: true },
  });

  checkInputs(result.metafile);
  const outputs = Object.keys(result.metafile.outputs);
  const jsPath = outputs.find((o) => /main-[^/]+\.js$/.test(o));
  const cssPath = outputs.find((o) => /styles-[^/]+\.css$/.test(o));
  if (!jsPath || !cssPath) throw new Error(`build-web: missing outputs in ${outputs.join(', ')}`);
  // The stylesheet entry also emits an empty JS stub in some esbuild versions: drop it.
  for (const o of outputs) if (/styles-[^/]+\.js$/.test(o)) rmSync(resolve(ROOT, o), { force: true });
  const jsFile = relative(join(outDir, 'assets'), resolve(ROOT, jsPath));
  const cssFile = relative(join(outDir, 'assets'), resolve(ROOT, cssPath));

  const html = readFileSync(join(SRC, 'index.html'), 'utf8').replace('%JS%', jsFile).replace('%CSS%', cssFile);
  if (html.includes('%JS%') || html.includes('%CSS%')) throw new Error('build-web: index.html placeholders left');
  writeFileSync(join(outDir, 'index.html'), html);
  // CSP, nosniff, Referrer-Policy, no framing: the static assets never pass through the Worker.
  writeFileSync(join(outDir, '_headers'), assetHeadersFile());

  const presetsJson = JSON.stringify(await readPresets());
  writeFileSync(join(outDir, 'presets.json'), presetsJson);

  const agent = await buildAgentAssets(outDir);

  const size = (path: string) => {
    const buf = readFileSync(path);
    return { bytes: buf.length, gzip: gzipSync(buf, { level: 9 }).length };
  };
  const res: BuildWebResult = {
    outDir,
    js: { file: `assets/${jsFile}`, ...size(join(outDir, 'assets', jsFile)) },
    css: { file: `assets/${cssFile}`, ...size(join(outDir, 'assets', cssFile)) },
    presets: { count: (JSON.parse(presetsJson) as unknown[]).length, ...size(join(outDir, 'presets.json')) },
    agent: { file: agent.path.slice(1), bytes: agent.bytes, version: agent.version },
  };
  if (opts.log ?? true) {
    const kb = (n: number) => `${(n / 1024).toFixed(1)} KB`;
    console.log(
      [
        `web → ${relative(ROOT, outDir) || '.'}`,
        `  ${res.js.file}  ${kb(res.js.bytes)}  (gzip ${kb(res.js.gzip)})`,
        `  ${res.css.file}  ${kb(res.css.bytes)}  (gzip ${kb(res.css.gzip)})`,
        `  JS + CSS gzipped: ${kb(res.js.gzip + res.css.gzip)}`,
        `  presets.json  ${res.presets.count} presets, ${kb(res.presets.bytes)} (gzip ${kb(res.presets.gzip)}), loaded on demand`,
        `  ${res.agent.file}  ${kb(res.agent.bytes)}  (spark-agent ${agent.version}, for npx on the Unity machine)`,
      ].join('\n'),
    );
  }
  return res;
}

function checkInputs(meta: Metafile) {
  const bad = Object.keys(meta.inputs).filter((i) => FORBIDDEN.some((re) => re.test(i)));
  if (bad.length) throw new Error(`build-web: server-only modules reached the browser bundle:\n  ${bad.join('\n  ')}`);
}

async function readPresets(): Promise<unknown[]> {
  const mod = (await import(pathToFileURL(join(ROOT, 'web/presets/index.ts')).href)) as { loadPresets: () => unknown[] };
  return mod.loadPresets();
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  buildWeb().catch((err: unknown) => {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  });
}
