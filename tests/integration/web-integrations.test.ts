// The Integrations page in Chromium, against the real Worker and Postgres: add a GitHub webhook in
// the UI, read its secret there, send a delivery signed with GitHub's own library, see it listed
// as accepted (and a forged one as rejected with its reason), replay it, find its event in the
// event log and export the log as NDJSON. Screenshots at 1280 and 390 px in tests/artifacts/screenshots/.
import { mkdirSync, readFileSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import { resolve } from 'node:path';
import { sign as githubSign } from '@octokit/webhooks-methods';
import examples from '@octokit/webhooks-examples';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { userWithProject } from '../support/api';
import { expectNoSideScroll, launchChromium, logInToProject, screenshot, textOf, watchProblems } from '../support/browser';
import { startWebStack, type WebStack } from '../support/web-stack';

const SHOTS = resolve('tests/artifacts/screenshots');
const PASSWORD = 'correct horse battery';
const push = examples.find((e) => e.name === 'push')!.examples[0] as Record<string, any>;

describe('Integrations page', () => {
  let stack: WebStack;
  let browser: Browser;
  let owner: Awaited<ReturnType<typeof userWithProject>>;
  const problems: string[] = [];
  const hook = { url: '', secret: '' };

  beforeAll(async () => {
    mkdirSync(SHOTS, { recursive: true });
    stack = await startWebStack('web_integrations');
    owner = await userWithProject(stack.worker.url, 'integ');
    browser = await launchChromium();
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await stack?.dispose();
  });

  async function openAt(width: number): Promise<Page> {
    const context = await browser.newContext({ viewport: { width, height: 860 }, acceptDownloads: true });
    const page = await context.newPage();
    watchProblems(page, problems);
    // The project page links to its integrations.
    await logInToProject(page, stack.worker.url, owner.projectId, owner.email, PASSWORD, { testId: 'integrations-link', path: 'integrations' });
    return page;
  }

  const send = (secretUsed: string, body: string, id = randomUUID()) =>
    githubSign(secretUsed, body).then((sig) =>
      fetch(hook.url, { method: 'POST', headers: { 'content-type': 'application/json', 'x-github-event': 'push', 'x-github-delivery': id, 'x-hub-signature-256': sig }, body }),
    );

  it('adds a GitHub webhook, shows its URL and secret once with the steps, lists a signed delivery as accepted, replays it; the event log finds and exports its event (1280 px)', async () => {
    const page = await openAt(1280);
    await page.getByTestId('webhooks-empty').waitFor();
    await page.getByLabel('Name').fill('game repo');
    await page.getByLabel('Sender').selectOption('github');
    await page.getByTestId('create-webhook').click();

    const reveal = page.getByTestId('webhook-secret');
    hook.url = (await reveal.getByTestId('setup-payload-url').textContent())!.trim();
    hook.secret = (await reveal.getByTestId('setup-secret').textContent())!.trim();
    expect(hook.url).toMatch(new RegExp(`^${stack.worker.url}/hooks/[0-9a-f-]{36}$`));
    expect(hook.secret).toMatch(/^[0-9a-f]{64}$/);
    expect(await reveal.getByTestId('setup-content-type').textContent()).toBe('application/json');
    expect(await textOf(reveal, /Which events.*Pushes/)).toContain('Pull requests');
    // What the UI showed is what the Worker stored: the source exists under that id.
    const [row] = await stack.sql`select provider from webhook_sources where id = ${hook.url.split('/').pop()!}`;
    expect(row?.provider).toBe('github');

    // A delivery signed by GitHub's own library with the secret read off the page, and a forged one.
    const body = JSON.stringify(push);
    const guid = randomUUID();
    expect((await send(hook.secret, body, guid)).status).toBe(202);
    expect((await send('not-the-secret-0123456789', body)).status).toBe(401);

    await page.getByTestId('secret-done').click();
    await expect(reveal.count()).resolves.toBe(0);
    await page.reload();
    await page.getByTestId('webhook-row').getByTestId('toggle-deliveries').click();
    const deliveries = page.getByTestId('delivery');
    await textOf(page.getByTestId('deliveries'), /rejected push · bad_signature.*accepted push/);
    const accepted = page.locator('[data-testid="delivery"][data-status="accepted"]');
    expect(await textOf(accepted, /1 event/)).toMatch(/^accepted push/);
    expect(await deliveries.count()).toBe(2);
    // A rejected delivery kept no body: nothing to replay.
    expect(await page.locator('[data-testid="delivery"][data-status="rejected"]').getByTestId('replay-delivery').isDisabled()).toBe(true);

    await accepted.getByTestId('replay-delivery').click();
    await textOf(page.getByTestId('toast-ok'), /Replayed: accepted, 1 event/);
    // GitHub's Redeliver (same GUID) is counted on the delivery, not stored again.
    expect((await send(hook.secret, body, guid)).status).toBe(200);
    await textOf(accepted, /sent again 1×/);
    expect(await deliveries.count()).toBe(2);

    // The event log: filtered to the push type; the consumer stores it shortly after the delivery.
    const log = page.getByTestId('event-log');
    await log.getByLabel('Type').fill('github.push');
    await log.getByLabel('Session').fill(push.repository.full_name);
    for (const end = Date.now() + 20_000; ; ) {
      await log.getByTestId('apply-filters').click();
      if ((await log.getByTestId('event-row').count()) > 0 || Date.now() > end) break;
      await page.waitForTimeout(250);
    }
    expect(await log.getByTestId('event-type').allTextContents()).toEqual(['github.push']);
    const stored = await stack.sql`select count(*)::int as n from spark_events where project_id = ${owner.projectId}`;
    expect(stored[0]!.n).toBe(1);

    // Export: NDJSON through the export route, with the person's token, as a download.
    const [download] = await Promise.all([page.waitForEvent('download'), log.getByTestId('export-events').click()]);
    expect(download.suggestedFilename()).toBe(`spark-events-${owner.projectId}.ndjson`);
    const lines = readFileSync((await download.path())!, 'utf8').trimEnd().split('\n').map((l) => JSON.parse(l));
    expect(lines.map((e) => [e.type, e.session_id])).toEqual([['github.push', push.repository.full_name]]);
    const audit = await stack.sql`select action from audit_log where project_id = ${owner.projectId} order by id`;
    expect(audit.map((r) => r.action)).toEqual(['webhook.created', 'events.exported']);

    await screenshot(page, SHOTS, 'integrations-1280');
    expect(problems).toEqual([]);
    await page.context().close();
  }, 90_000);

  it('reads at 390 px; rotate shows a new secret once, delete removes the source', async () => {
    const page = await openAt(390);
    await page.getByTestId('webhook-row').getByTestId('toggle-deliveries').click();
    await textOf(page.getByTestId('deliveries'), /accepted push/);
    await expectNoSideScroll(page);
    await screenshot(page, SHOTS, 'integrations-390');

    await page.getByTestId('rotate-webhook').click();
    const rotated = (await page.getByTestId('webhook-secret').getByTestId('setup-secret').textContent())!.trim();
    expect(rotated).toMatch(/^[0-9a-f]{64}$/);
    expect(rotated).not.toBe(hook.secret);
    await textOf(page.getByTestId('webhook-secret'), /old one keeps working for 24 hours/);
    await expectNoSideScroll(page);
    await screenshot(page, SHOTS, 'integrations-rotated-390');
    // Both secrets verify during the window.
    expect((await send(rotated, JSON.stringify(push))).status).toBe(202);
    expect((await send(hook.secret, JSON.stringify(push))).status).toBe(202);

    await page.getByTestId('delete-webhook').click();
    await page.getByTestId('confirm-delete-webhook').click();
    await page.getByTestId('webhooks-empty').waitFor();
    expect((await stack.sql`select 1 from webhook_sources where project_id = ${owner.projectId}`).length).toBe(0);
    expect(problems).toEqual([]);
    await page.context().close();
  }, 90_000);
});
