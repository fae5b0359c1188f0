import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { buildWeb } from '../../scripts/build-web';

describe('web bundle', () => {
  const out = mkdtempSync(join(tmpdir(), 'spark-web-'));
  afterAll(() => rmSync(out, { recursive: true, force: true }));

  it('builds a small, self-contained app whose index.html points at its hashed files', async () => {
    const res = await buildWeb({ outDir: out, log: false });
    expect(res.js.gzip).toBeLessThan(60 * 1024);
    expect(res.css.gzip).toBeLessThan(10 * 1024);
    const html = readFileSync(join(out, 'index.html'), 'utf8');
    expect(html).toContain(`src="/${res.js.file}"`);
    expect(html).toContain(`href="/${res.css.file}"`);
    const js = readFileSync(join(out, res.js.file), 'utf8');
    // No server code, no zod, no preset sources in the bundle (presets.json is fetched on demand;
    // every preset script is in a Spark.Presets namespace, the editor's new-script template is not).
    expect(js).not.toMatch(/drizzle|postgres:\/\/|ZodError|namespace Spark\.Presets/);
    const presets = JSON.parse(readFileSync(join(out, 'presets.json'), 'utf8')) as { id: string; scripts: unknown[] }[];
    expect(presets).toHaveLength(res.presets.count);
    expect(presets.every((p) => p.scripts.length > 0)).toBe(true);
    // The agent a Unity machine installs with npx, served beside the app.
    const tgz = readFileSync(join(out, res.agent.file));
    expect([tgz[0], tgz[1]]).toEqual([0x1f, 0x8b]);
    // Bundling the agent and npm pack take a few seconds on a busy machine.
  }, 60_000);
});
