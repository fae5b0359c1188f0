// The Chips page (issue 11) in Chromium, against the real Worker and Postgres: one chip version
// stored through the API and one through the page, a bad chip refused with the API's line and
// field, each version evaluated over a labelled log ingested here, and the two evaluations side by
// side showing the numbers worked out by hand in tests/support/chip-fixture.ts. Screenshots at
// 1280 and 390 px in tests/artifacts/screenshots/.
import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseChipYaml } from '../../contracts/chips';
import { eventually, userWithProject } from '../support/api';
import { expectNoSideScroll, launchChromium, logInToProject, screenshot, textOf, watchProblems } from '../support/browser';
import { EARLIER_CHIP, EARLIER_EXPECTED, GAME_DEV_CHIP, GAME_DEV_EXPECTED, LABELS, labelledLog } from '../support/chip-fixture';
import { startWebStack, type WebStack } from '../support/web-stack';

const SHOTS = resolve('tests/artifacts/screenshots');

// A chip whose outcome condition, on line 8, does not read.
const BAD_CHIP = `chip: { id: broken, name: Broken, version: 1.0.0 }
triggers: { patterns: ["playtest"] }
observers:
  - name: x
    triggers: ["playtest"]
outcomes:
  positive:
    - { condition: "rating >> 4", insight: "x" }
`;

// The hand-worked numbers, as the page writes them (a ratio as a percentage with one decimal).
const SHOWN = {
  game_dev: { triggered: '7', 'playtest_feedback.precision': '66.7%', 'playtest_feedback.recall': '66.7%', 'build_watch.precision': '50.0%', 'build_watch.recall': '33.3%', coverage: '60.0%' },
  legacy: { triggered: '6', 'playtest_feedback.precision': '66.7%', 'playtest_feedback.recall': '66.7%', 'build_watch.precision': '50.0%', 'build_watch.recall': '33.3%', coverage: '20.0%' },
};

describe('Chips page', () => {
  let stack: WebStack;
  let browser: Browser;
  let owner: Awaited<ReturnType<typeof userWithProject>>;
  const problems: string[] = [];
  const base = Math.floor(Date.now() / 1000) - 3600;

  beforeAll(async () => {
    mkdirSync(SHOTS, { recursive: true });
    stack = await startWebStack('web_chips');
    owner = await userWithProject(stack.worker.url, 'chipsui');
    const sent = await owner.api.post(`/api/projects/${owner.projectId}/events`, { events: labelledLog(base) });
    expect(sent.status, JSON.stringify(sent.body)).toBe(202);
    await eventually(async () => (await stack.sql`select count(*)::int as n from spark_events where project_id = ${owner.projectId}`)[0]!.n === 9);
    const stored = await owner.api.post(`/api/projects/${owner.projectId}/chips`, { yaml: GAME_DEV_CHIP });
    expect(stored.status, JSON.stringify(stored.body)).toBe(201);
    browser = await launchChromium();
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await stack?.dispose();
  });

  const evaluate = async (page: Page, chipKey: string, evaluationsBefore: number) => {
    const row = page.locator(`[data-testid="chip-version-row"][data-chip-key="${chipKey}"]`);
    await row.getByTestId('toggle-evaluate').click();
    await row.getByLabel('Labels (optional JSON)').fill(JSON.stringify(LABELS));
    await row.getByTestId('run-evaluation').click();
    await eventually(async () => (await page.getByTestId('chip-evaluation-row').count()) === evaluationsBefore + 1, 15_000);
  };

  const cell = (page: Page, group: string, metric: string, side: 'a' | 'b' | 'delta') =>
    page.locator(`[data-testid="compare-row"][data-group="${group}"][data-metric="${metric}"] td[data-side="${side}"]`);

  it('stores a second version from YAML, refuses a bad one with its line, evaluates both and compares them (1280 px)', async () => {
    // UTC in the page, so the since/until typed below are the instants meant.
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, timezoneId: 'UTC' });
    const page = await context.newPage();
    watchProblems(page, problems);
    await logInToProject(page, stack.worker.url, owner.projectId, owner.email, 'correct horse battery', { testId: 'chips-link', path: 'chips' });
    await page.getByTestId('evaluations-empty').waitFor();
    expect(await page.getByTestId('chip-version-row').count()).toBe(1);

    // A bad chip: the API's message, naming the line and the field, shown as it came.
    const bad = parseChipYaml(BAD_CHIP);
    if (bad.ok) throw new Error('the bad chip parsed');
    expect(bad.problem.line).toBe(8);
    await page.getByLabel('Chip YAML').fill(BAD_CHIP);
    await page.getByTestId('store-chip').click();
    const said = await textOf(page.getByTestId('store-chip-error'), /line 8/i);
    expect(said).toBe(bad.problem.message[0]!.toUpperCase() + bad.problem.message.slice(1));
    expect(said).toContain('outcomes.positive.0.condition');
    expect(await page.getByTestId('chip-version-row').count()).toBe(1);

    // The second version from a file: it lands in the YAML box, then is stored.
    await page.getByLabel('or upload a .yaml file').setInputFiles({ name: 'legacy.yaml', mimeType: 'application/yaml', buffer: Buffer.from(EARLIER_CHIP) });
    await eventually(async () => (await page.getByLabel('Chip YAML').inputValue()) === EARLIER_CHIP, 5_000);
    await page.getByTestId('store-chip').click();
    await page.locator('[data-testid="chip-version-row"][data-chip-key="game_dev_legacy"]').waitFor();
    expect(await page.getByTestId('store-chip-error').count()).toBe(0);
    const [row] = await stack.sql`select version, name from chips where project_id = ${owner.projectId} and chip_key = 'game_dev_legacy'`;
    expect(row).toMatchObject({ version: '0.1', name: 'Game Dev (earlier form)' });

    await evaluate(page, 'game_dev', 0);
    await evaluate(page, 'game_dev_legacy', 1);
    const idOf = async (label: string) =>
      (await page.getByTestId('chip-evaluation-row').filter({ hasText: label }).getAttribute('data-evaluation-id'))!;
    await page.getByLabel('A', { exact: true }).selectOption(await idOf('game_dev 0.2.0'));
    await page.getByLabel('B', { exact: true }).selectOption(await idOf('game_dev_legacy 0.1'));
    await textOf(page.getByTestId('chip-compare').locator('caption'), /A: game_dev 0\.2\.0 · B: game_dev_legacy 0\.1/);

    // Every number on both sides is the hand-worked one, exactly.
    const sides = [
      ['a', GAME_DEV_EXPECTED, SHOWN.game_dev],
      ['b', EARLIER_EXPECTED, SHOWN.legacy],
    ] as const;
    for (const [side, want, shown] of sides) {
      expect(await cell(page, 'Events', 'replayed', side).getAttribute('data-value')).toBe(String(want.events_replayed));
      expect(await cell(page, 'Events', 'triggered', side).textContent()).toBe(shown.triggered);
      for (const [name, score] of Object.entries(want.observers)) {
        for (const [metric, value] of Object.entries(score)) {
          expect(await cell(page, `Observer ${name}`, metric, side).getAttribute('data-value'), `${side} ${name} ${metric}`).toBe(String(value));
        }
        expect(await cell(page, `Observer ${name}`, 'precision', side).textContent()).toBe(shown[`${name}.precision` as keyof typeof shown]);
        expect(await cell(page, `Observer ${name}`, 'recall', side).textContent()).toBe(shown[`${name}.recall` as keyof typeof shown]);
      }
      for (const [metric, value] of Object.entries(want.outcomes)) {
        expect(await cell(page, 'Outcomes', metric, side).getAttribute('data-value'), `${side} ${metric}`).toBe(String(value));
      }
      expect(await cell(page, 'Outcomes', 'coverage', side).textContent()).toBe(shown.coverage);
    }
    // The differences: one event fewer triggered, one positive and one negative fewer, 40 points
    // less coverage; the observers score the same.
    expect(await cell(page, 'Events', 'triggered', 'delta').textContent()).toBe('−1');
    expect(await cell(page, 'Outcomes', 'positive', 'delta').textContent()).toBe('−1');
    expect(await cell(page, 'Outcomes', 'negative', 'delta').textContent()).toBe('−1');
    expect(await cell(page, 'Outcomes', 'coverage', 'delta').textContent()).toBe('−40.0 pts');
    expect(await cell(page, 'Observer playtest_feedback', 'precision', 'delta').textContent()).toBe('0');
    const changed = await page.locator('[data-testid="compare-row"][data-changed="yes"]').evaluateAll((rows) => rows.map((r) => `${r.getAttribute('data-group')}/${r.getAttribute('data-metric')}`));
    expect(changed).toEqual(['Events/triggered', 'Outcomes/positive', 'Outcomes/negative', 'Outcomes/coverage']);

    await screenshot(page, SHOTS, 'chips-1280');

    // A window: from +350 s to +1000 s replays e5, e4, e6, e7, e8, e9 (6 of the 9).
    const local = (t: number) => new Date(t * 1000).toISOString().slice(0, 19);
    const gameDev = page.locator('[data-testid="chip-version-row"][data-chip-key="game_dev"]');
    await gameDev.getByTestId('toggle-evaluate').click();
    await gameDev.getByLabel('Since (optional)').fill(local(base + 350));
    await gameDev.getByLabel('Until (optional)').fill(local(base + 1000));
    await gameDev.getByTestId('run-evaluation').click();
    await eventually(async () => (await page.getByTestId('chip-evaluation-row').count()) === 3, 15_000);
    const windowed = (await page.getByTestId('chip-evaluation-row').first().textContent())!;
    expect(windowed).toContain('game_dev 0.2.0');
    expect(windowed).toContain('6 events replayed');
    const [kept] = await stack.sql`select params from chip_evaluations where project_id = ${owner.projectId} order by started_at desc limit 1`;
    expect(kept?.params).toEqual({ since: base + 350, until: base + 1000 });

    // The same page at phone width: nothing scrolls sideways, the comparison is still there.
    await page.setViewportSize({ width: 390, height: 844 });
    await page.reload();
    await page.getByTestId('chip-compare').waitFor();
    await expectNoSideScroll(page);
    await screenshot(page, SHOTS, 'chips-390');
    // The forms at phone width too: a refused chip and an open evaluation form.
    await page.getByLabel('Chip YAML').fill(BAD_CHIP);
    await page.getByTestId('store-chip').click();
    await textOf(page.getByTestId('store-chip-error'), /line 8/i);
    await page.locator('[data-testid="chip-version-row"][data-chip-key="game_dev"]').getByTestId('toggle-evaluate').click();
    await page.getByTestId('evaluate-form').waitFor();
    await expectNoSideScroll(page);
    await screenshot(page, SHOTS, 'chips-390-forms');
    expect(problems).toEqual([]);
    await context.close();
  }, 120_000);
});
