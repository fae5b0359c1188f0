// The Dashboard page in Chromium: after a scripted session (ops, failures, builds, previews, model
// usage) stored through the consumer and rolled up, every panel shows the numbers worked out by
// hand in tests/support/dashboard-script.ts. Screenshots at 1280 and 390 px in tests/artifacts/screenshots/.
import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createDb, type DbHandle } from '../../db/client';
import { rollUpEvents } from '../../db/queries/rollups';
import { buildWeb } from '../../scripts/build-web';
import { userWithProject } from '../support/api';
import { expectedPanels, scriptSession } from '../support/dashboard-script';
import { logInToProject } from '../support/browser';
import { startSparkWorker, type SparkWorker } from '../support/spark-worker';
import { createTestDatabase, type TestDatabase } from '../support/test-db';

// A build of our own, served whatever wrangler.toml's [assets] directory says (as web-ui.test.ts does).
const WEB_DIST = resolve('tests/artifacts/web-dist-dashboard');
vi.mock('wrangler', async (importOriginal) => {
  const orig = await importOriginal<typeof import('wrangler')>();
  return {
    ...orig,
    unstable_getMiniflareWorkerOptions: ((...args: Parameters<typeof orig.unstable_getMiniflareWorkerOptions>) => {
      const out = orig.unstable_getMiniflareWorkerOptions(...args);
      const assets = (out.workerOptions as { assets?: { directory: string } }).assets;
      if (assets) assets.directory = WEB_DIST;
      return out;
    }) as typeof orig.unstable_getMiniflareWorkerOptions,
  };
});

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const SHOTS = resolve('tests/artifacts/screenshots');
const PASSWORD = 'correct horse battery';

describe('Dashboard page', () => {
  let tdb: TestDatabase;
  let h: DbHandle;
  let worker: SparkWorker;
  let browser: Browser;
  let page: Page;
  let projectId: string;
  let email: string;
  const problems: string[] = [];

  beforeAll(async () => {
    mkdirSync(SHOTS, { recursive: true });
    await buildWeb({ outDir: WEB_DIST, log: false });
    tdb = await createTestDatabase('spark_web_dashboard');
    h = createDb({ url: tdb.url, max: 2 });
    worker = await startSparkWorker({ databaseUrl: tdb.url, withAssets: true });
    const owner = await userWithProject(worker.url, 'dash');
    projectId = owner.projectId;
    email = owner.email;
    // The signup helper's password is the same as ours.
    const a = await owner.api.post(`/api/projects/${projectId}/sessions`, { name: 'Level 1' });
    const b = await owner.api.post(`/api/projects/${projectId}/sessions`, { name: 'Boss fight' });
    expect(await scriptSession(h.db, projectId, { a: a.body.id, b: b.body.id })).toBe(21);
    await rollUpEvents(h.db, { marginMs: 0 });
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run', '--disable-sync', '--disable-quic'],
    });
    page = await (await browser.newContext({ viewport: { width: 1280, height: 860 } })).newPage();
    page.on('pageerror', (err) => problems.push(`pageerror: ${err.message}`));
    page.on('console', (m) => {
      if (m.type() === 'error' && !/Failed to load resource/.test(m.text())) problems.push(`console: ${m.text()}`);
    });
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await h?.close();
    await worker?.dispose();
    await tdb?.drop();
  });

  const panel = (id: string) => page.getByTestId(`panel-${id}`);
  const big = async (id: string) => [await panel(id).getByTestId('big').textContent(), await panel(id).getByTestId('big-note').textContent()];
  /** A bar panel's rows as "label: value note". */
  const bars = async (id: string) =>
    panel(id)
      .getByTestId('bar')
      .evaluateAll((rows) => rows.map((r) => `${r.getAttribute('data-label')}: ${r.querySelector('.dash-bar-value')!.textContent!.trim()}`));

  it('shows every panel with the numbers of the scripted session, at 1280 px', async () => {
    // The project page links to its dashboard.
    await logInToProject(page, worker.url, projectId, email, PASSWORD, { testId: 'dashboard-link', path: 'dashboard' });
    await page.getByTestId('dashboard').waitFor();

    expect(await big('preview')).toEqual(['75%', '3 of 4 previews']);
    // 4 succeeded of 6 finished.
    expect(await big('calls')).toEqual(['67%', 'succeeded of finished']);
    expect(await bars('calls')).toEqual(['succeeded: 4', 'failed: 1', 'timeout: 1', 'running: 1']);
    expect(await bars('latency')).toEqual(['render_preview: 5.0 s 2 calls', 'run_build: 2.0 s 1 call', 'generate_script: 300 ms 3 calls']);
    expect(await bars('errors')).toEqual(['render_preview: 50% 1 of 2', 'run_build: 100% 1 of 1', 'generate_script: 0% 0 of 3']);
    expect(await big('in-flight')).toEqual(['1', 'now']);
    // The 21st event waited 21 × 100 ms; 23.1 s of waiting over days is well under 0.01 events on average.
    expect(await big('queue')).toEqual(['2.1 s', 'longest wait']);
    expect(await panel('queue').getByTestId('queue-summary').textContent()).toBe(`<0.01 waiting on average · ${expectedPanels.queue.events} events`);
    const slow = await panel('slowest').getByTestId('slow-session').evaluateAll((rows) => rows.map((r) => [...r.querySelectorAll('td')].map((td) => td.textContent)));
    expect(slow).toEqual([
      ['Level 1', '4', '5.0 s', '5.0 s'],
      ['Boss fight', '2', '200 ms', '200 ms'],
    ]);
    expect(await big('usage')).toEqual(['$0.025', '2,500 in · 450 out · 3 requests']);
    expect(await bars('usage')).toEqual(['claude-x: $0.024 2,000 in · 400 out', 'gpt-y: $0.001 500 in · 50 out']);
    expect(await big('sessions')).toEqual(['2', 'active now']);
    expect(await bars('builds')).toEqual(['completed: 1', 'failed: 1', 'started: 1']);
    // The charts carry their numbers too: today's previews, 2 completed and 1 failed.
    const today = new Date().toISOString().slice(5, 10);
    expect(await panel('preview').locator('svg').getAttribute('aria-label')).toContain(`${today}: 2 completed, 1 failed`);

    await page.evaluate(() => window.scrollTo(0, 0));
    await page.screenshot({ path: `${SHOTS}/dashboard-1280.png`, fullPage: true });
    expect(problems).toEqual([]);
  });

  it('fits a 390 px phone screen, and the range buttons reload the panels', async () => {
    await page.setViewportSize({ width: 390, height: 844 });
    await page.getByTestId('dashboard').waitFor();
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    expect(overflow).toBe(0);
    await page.evaluate(() => window.scrollTo(0, 0));
    await page.screenshot({ path: `${SHOTS}/dashboard-390.png`, fullPage: true });
    // Today only: yesterday's preview drops out.
    await page.getByTestId('range-1').click();
    await expect.poll(() => big('preview')).toEqual(['67%', '2 of 3 previews']);
    expect(problems).toEqual([]);
  });
});
