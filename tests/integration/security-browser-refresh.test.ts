// Issue 8 (keep people signed in) and issue 15, item 10 (no token in localStorage), in Chromium:
// with a 5-second access token the session view keeps working for 30 s, across a reload, with
// the access token only in memory and the refresh token in an httpOnly cookie; the page's CSP
// blocks nothing the app needs.
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiClient, signUpAndLogIn } from '../support/api';
import { launchChromium, watchProblems } from '../support/browser';
import type { SparkWorker } from '../support/spark-worker';
import { startWebStack, type WebStack } from '../support/web-stack';


const PASSWORD = 'silver comet lantern';
const TTL_SECONDS = 5;

describe('browser: short access tokens, kept fresh from the httpOnly cookie', () => {
  let stack: WebStack;
  let worker: SparkWorker;
  let browser: Browser;
  let page: Page;
  const problems: string[] = [];
  const refreshes: number[] = [];
  const unauthorized: string[] = [];

  beforeAll(async () => {
    stack = await startWebStack('sec_browser', { vars: { ACCESS_TOKEN_TTL_SECONDS: String(TTL_SECONDS) } });
    worker = stack.worker;
    browser = await launchChromium();
    page = await (await browser.newContext({ viewport: { width: 1280, height: 860 } })).newPage();
    // A CSP violation is reported as a console error: any one fails the test.
    watchProblems(page, problems);
    page.on('response', (r) => {
      const path = new URL(r.url()).pathname;
      if (path === '/api/auth/refresh' && r.status() === 200) refreshes.push(Date.now());
      if (r.status() === 401 && path !== '/api/auth/refresh') unauthorized.push(path);
    });
  });
  afterAll(async () => {
    await browser?.close();
    await stack?.dispose();
  });

  it('keeps the session view working for 30 s with a 5-second access token, across a reload', async () => {
    const email = `short-${Date.now()}@example.com`;
    const signIn = await signUpAndLogIn(worker.url, email, PASSWORD);
    expect(signIn.expires_in).toBe(TTL_SECONDS);
    const api = apiClient(worker.url, signIn.token);
    const project = (await api.post('/api/projects', { name: 'Short tokens' })).body;
    const session = (await api.post(`/api/projects/${project.id}/sessions`, { name: 'Long evening' })).body;
    const sessionUrl = `${worker.url}/projects/${project.id}/sessions/${session.id}`;

    await page.goto(sessionUrl);
    await page.waitForURL(/\/login/);
    await page.getByLabel('Email').fill(email);
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByTestId('auth-submit').click();
    await page.waitForURL(/\/sessions\/[0-9a-f-]{36}$/);
    await page.getByTestId('session-title').filter({ hasText: 'Long evening' }).waitFor();
    await page.locator('[data-testid="live-status"][data-state="open"]').waitFor();

    // A reload forgets the in-memory token: the cookie brings the person straight back.
    await page.reload();
    await page.getByTestId('session-title').filter({ hasText: 'Long evening' }).waitFor();
    expect(page.url()).toBe(sessionUrl);

    const start = Date.now();
    const refreshedBefore = refreshes.length;
    // Watch the view for 30 s (six token lifetimes), until the page has refreshed its token at
    // least five times: it must stay on the session, signed in, the whole time.
    const deadline = start + 45_000;
    while (Date.now() - start < 30_000 || refreshes.length - refreshedBefore < 5) {
      expect(page.url()).toBe(sessionUrl);
      expect(Date.now(), 'the page stopped refreshing its token').toBeLessThan(deadline);
      await page.waitForTimeout(250);
    }
    expect(page.url()).toBe(sessionUrl);

    // Still working: the live socket is open and a fresh API call through the app succeeds.
    await page.locator('[data-testid="live-status"][data-state="open"]').waitFor({ timeout: 10_000 });
    await page.getByRole('link', { name: /Spark — your projects/ }).click();
    await page.getByTestId('project-link').filter({ hasText: 'Short tokens' }).waitFor({ timeout: 10_000 });
    expect(page.url()).toBe(`${worker.url}/projects`);

    // The token is nowhere a script could find it later; the refresh cookie is invisible to it.
    const stored = await page.evaluate(() => JSON.stringify({ ...localStorage }) + JSON.stringify({ ...sessionStorage }) + document.cookie);
    expect(stored).not.toMatch(/eyJ|spark_refresh/);
    // A 401 may happen at the edge of a lifetime; the app then refreshes once and retries.
    expect(unauthorized.length).toBeLessThan(3);
    expect(problems).toEqual([]);
  });

  it('logs out for good: the cookie is revoked and a reload lands on the login page', async () => {
    await page.getByTestId('logout').click();
    await page.waitForURL(/\/login/);
    await page.goto(`${worker.url}/projects`);
    await page.waitForURL(/\/login/);
    const cookies = await page.context().cookies();
    expect(cookies.find((c) => c.name === 'spark_refresh')).toBeUndefined();
  });
});
