// patches/miniflare+*.patch, applied by `npm install` (postinstall: patch-package): Miniflare's
// local queue broker deferred every undelayed message with setTimeout(0), and under a steady
// stream of sends those timers starved: the consumer saw its first batch seconds late (the
// ingest bench: first flush at 3.8 s with 92 of ~360 sent messages queued; patched, at 1.3 s, full).
import { readFileSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const require = createRequire(import.meta.url);
const miniflareDir = path.dirname(require.resolve('miniflare/package.json'));

describe('the local queue broker (patched Miniflare)', () => {
  it('has a patch for the installed Miniflare version', () => {
    const { version } = JSON.parse(readFileSync(path.join(miniflareDir, 'package.json'), 'utf8')) as { version: string };
    expect(readdirSync('patches')).toContain(`miniflare+${version}.patch`);
  });

  it('queues a message without delay at once, not on a timer', () => {
    const broker = readFileSync(path.join(miniflareDir, 'dist/src/workers/queues/broker.worker.js'), 'utf8');
    expect(broker).toContain('delay === 0 ? fn() : this.timers.setTimeout(fn, delay * 1e3);');
    expect(broker).not.toMatch(/\n\s*this\.timers\.setTimeout\(fn, delay \* 1e3\);\n\s*\}\n\s*\}\n\s*#getMetricsResponseObject/);
  });
});
