// Debian's Chromium through playwright-core, and the few things every browser test does with it:
// fail on page errors, wait for a text, take screenshots, check a phone layout.
import { chromium, type Browser, type Locator, type Page } from 'playwright-core';
import { expect } from 'vitest';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** Headless Chromium without the background traffic that makes runs uneven. */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run', '--disable-sync', '--disable-quic'],
  });
}

/**
 * Page errors and console errors (a CSP violation is one) go into `problems`, which tests expect
 * to stay empty; failed requests the page handles itself are fine.
 */
export function watchProblems(p: Page, problems: string[]): void {
  p.on('pageerror', (err) => problems.push(`pageerror: ${err.message}`));
  p.on('console', (m) => {
    if (m.type() === 'error' && !/Failed to load resource/.test(m.text())) problems.push(`console: ${m.text()}`);
  });
}

/** Waits until the element's text (trimmed, runs of white space as one space) matches, and returns it. */
export async function textOf(l: Locator, re: RegExp, timeout = 10_000): Promise<string> {
  const end = Date.now() + timeout;
  let last = '';
  for (;;) {
    try {
      last = ((await l.textContent({ timeout: Math.max(100, end - Date.now()) })) ?? '').trim().replace(/\s+/g, ' ');
      if (re.test(last)) return last;
    } catch {
      // not there yet
    }
    if (Date.now() > end) throw new Error(`expected ${re} in ${l}, got “${last}”`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** A full-page screenshot `<dir>/<name>.png`, from the top so a sticky bar sits where it belongs. */
export async function screenshot(p: Page, dir: string, name: string): Promise<void> {
  await p.evaluate(async () => {
    window.scrollTo(0, 0);
    await document.fonts?.ready;
  });
  await p.screenshot({ path: `${dir}/${name}.png`, fullPage: true });
}

/** The page is no wider than the viewport (nothing to scroll sideways on a phone). */
export async function expectNoSideScroll(p: Page): Promise<void> {
  const [scroll, width] = await p.evaluate(() => [document.documentElement.scrollWidth, window.innerWidth]);
  expect(scroll).toBeLessThanOrEqual(width!);
}

/**
 * Opens a project's page signed out: the app sends the person to log in, then back to it. `link`
 * then follows the project page's link to one of its pages (`dashboard-link` → …/dashboard).
 */
export async function logInToProject(p: Page, base: string, projectId: string, email: string, password: string, link?: { testId: string; path: string }): Promise<void> {
  await p.goto(`${base}/projects/${projectId}`);
  await p.waitForURL(/\/login\?next=/);
  await p.getByLabel('Email').fill(email);
  await p.getByLabel('Password').fill(password);
  await p.getByTestId('auth-submit').click();
  await p.waitForURL(new RegExp(`/projects/${projectId}$`));
  if (!link) return;
  await p.getByTestId(link.testId).click();
  await p.waitForURL(new RegExp(`/projects/${projectId}/${link.path}$`));
}
