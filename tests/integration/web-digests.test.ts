// The Digests page in Chromium at phone width (390 px), against the real Worker and Postgres: make
// a weekly digest of imported activity, read its Markdown, download it, and add a receiver whose
// secret is shown once. Screenshot in tests/artifacts/screenshots/.
import { mkdirSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { userWithProject } from '../support/api';
import { expectNoSideScroll, launchChromium, logInToProject, screenshot, watchProblems } from '../support/browser';
import { WEEK, weekOfActivity } from '../support/repo-activity';
import { startWebStack, type WebStack } from '../support/web-stack';

const SHOTS = resolve('tests/artifacts/screenshots');

describe('Digests page', () => {
  let stack: WebStack;
  let browser: Browser;
  let owner: Awaited<ReturnType<typeof userWithProject>>;
  const problems: string[] = [];

  beforeAll(async () => {
    mkdirSync(SHOTS, { recursive: true });
    stack = await startWebStack('web_digests', { vars: { OUTGOING_WEBHOOKS_ALLOW_LOOPBACK: 'on' } });
    owner = await userWithProject(stack.worker.url, 'digestui');
    const sessions = await Promise.all(['a', 'b'].map((name) => owner.api.post(`/api/projects/${owner.projectId}/sessions`, { name })));
    const { events } = weekOfActivity([sessions[0]!.body, sessions[1]!.body]);
    const res = await fetch(`${stack.worker.url}/api/projects/${owner.projectId}/events/import`, {
      method: 'POST',
      headers: { authorization: `Bearer ${owner.token}`, 'content-type': 'application/x-ndjson' },
      body: events.map((e) => JSON.stringify(e)).join('\n'),
    });
    expect(res.status).toBe(200);
    browser = await launchChromium();
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await stack?.dispose();
  });

  it('makes a weekly digest, shows and downloads its Markdown, and adds a receiver (390 px)', async () => {
    const context = await browser.newContext({ viewport: { width: 390, height: 844 }, acceptDownloads: true });
    const page = await context.newPage();
    watchProblems(page, problems);
    await logInToProject(page, stack.worker.url, owner.projectId, owner.email, 'correct horse battery', { testId: 'digests-link', path: 'digests' });
    await page.getByTestId('digests-empty').waitFor();

    await page.getByLabel('Period', { exact: true }).selectOption('weekly');
    await page.getByLabel('A day in the period (UTC)').fill('2026-11-18');
    await page.getByTestId('make-digest').click();
    const md = page.getByTestId('digest-markdown');
    await md.waitFor();
    const text = (await md.textContent())!;
    expect(text).toContain(`${WEEK.start} to ${WEEK.end} (UTC).`);
    expect(text).toContain('Commits: 57');
    expect(text).toContain('Opened: 6');
    expect(await page.getByTestId('highlights-status').textContent()).toContain('not configured');
    expect(await page.getByTestId('digest-row').count()).toBe(1);

    const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('download-digest').click()]);
    expect(download.suggestedFilename()).toBe(`spark-weekly-digest-${WEEK.start}.md`);
    expect(readFileSync((await download.path())!, 'utf8')).toBe(text);

    await page.getByLabel('Receiver URL').fill('ftp://example.com/x');
    await page.getByTestId('add-outgoing-webhook').click();
    await page.getByText(/url must be http or https, not ftp/i).waitFor();
    await page.getByLabel('Receiver URL').fill('http://127.0.0.1:9/digests');
    await page.getByTestId('add-outgoing-webhook').click();
    const secret = (await page.getByTestId('outgoing-secret').locator('code').textContent())!;
    expect(secret).toMatch(/^whsec_/);
    await page.getByTestId('outgoing-webhook-row').waitFor();
    expect(await page.getByTestId('outgoing-webhook-row').count()).toBe(1);
    const [row] = await stack.sql`select url from outgoing_webhooks where project_id = ${owner.projectId}`;
    expect(row?.url).toBe('http://127.0.0.1:9/digests');

    await expectNoSideScroll(page);
    await screenshot(page, SHOTS, 'digests-390');
    expect(problems).toEqual([]);
    await context.close();
  });
});
