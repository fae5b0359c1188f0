import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';
import { describe, expect, it } from 'vitest';
import { digestWindow, duePeriods, renderDigestMarkdown, type DigestFacts } from '../../contracts/digests';
import { digestLlm, writeHighlights } from '../../edge/services/digests';
import { outgoingUrlProblem } from '../../edge/services/outgoing-url';
import { generateSecret } from '../../edge/webhooks/secrets';
import { standardWebhookHeaders } from '../../edge/webhooks/sign-standard';
import { startScriptedLlm } from '../support/scripted-llm';

const facts: DigestFacts = {
  events: 42,
  commits: { total: 3, per_day: [{ day: '2026-11-20', commits: 3 }] },
  contributors: [{ name: 'Ada | Lovelace', commits: 2 }, { name: 'Bob', commits: 1 }],
  pull_requests: { opened: 2, merged: 1 },
  ci_runs: { total: 4, by_conclusion: [{ conclusion: 'success', runs: 3 }, { conclusion: 'failure', runs: 1 }] },
  deploys: { total: 1, by_outcome: [{ outcome: 'succeeded', deploys: 1 }] },
  spark_operations: { total: 5, failed: 1, by_type: [{ op: 'apply_patch', total: 5, failed: 1 }] },
  builds: { total: 0, by_status: [] },
  most_changed_files: [{ path: 'src/game.ts', changes: 3 }],
  active_sessions: { total: 1, sessions: [{ id: 's1', name: 'level-1', events: 9 }] },
};
const window = { period: 'daily' as const, start: '2026-11-20', end: '2026-11-20' };

describe('digest periods', () => {
  it('a day, an ISO week from Monday, a calendar month', () => {
    expect(digestWindow('daily', '2026-11-18')).toEqual({ period: 'daily', start: '2026-11-18', end: '2026-11-18', until: '2026-11-19' });
    expect(digestWindow('weekly', '2026-11-18')).toEqual({ period: 'weekly', start: '2026-11-16', end: '2026-11-22', until: '2026-11-23' });
    expect(digestWindow('weekly', '2026-11-22')).toMatchObject({ start: '2026-11-16' }); // a Sunday ends its week
    expect(digestWindow('weekly', '2026-12-30')).toEqual({ period: 'weekly', start: '2026-12-28', end: '2027-01-03', until: '2027-01-04' });
    expect(digestWindow('monthly', '2028-02-10')).toEqual({ period: 'monthly', start: '2028-02-01', end: '2028-02-29', until: '2028-03-01' });
  });

  it('the cron makes yesterday every day, last week on Mondays, last month on the 1st', () => {
    expect(duePeriods(new Date('2026-11-25T03:17:00Z')).map((w) => [w.period, w.start])).toEqual([['daily', '2026-11-24']]);
    expect(duePeriods(new Date('2026-11-23T03:17:00Z')).map((w) => [w.period, w.start])).toEqual([['daily', '2026-11-22'], ['weekly', '2026-11-16']]);
    expect(duePeriods(new Date('2027-03-01T03:17:00Z')).map((w) => [w.period, w.start, w.end])).toEqual([
      ['daily', '2027-02-28', '2027-02-28'],
      ['weekly', '2027-02-22', '2027-02-28'],
      ['monthly', '2027-02-01', '2027-02-28'],
    ]);
  });
});

describe('digest Markdown (no database)', () => {
  it('states every fact and the highlights, escaping table cells', () => {
    const md = renderDigestMarkdown({ projectName: 'Game', window, facts, highlights: { status: 'written', text: 'A calm day.', model: 'm', reason: null } });
    expect(md.startsWith('# Daily digest: Game\n\n2026-11-20 (UTC). 42 events.\n\n## Highlights\n\nA calm day.\n')).toBe(true);
    for (const line of ['Commits: 3', '| 2026-11-20 | 3 |', '| Ada \\| Lovelace | 2 |', 'Opened: 2', 'Merged: 1', 'CI runs: 4', '| failure | 1 |', 'Deploys: 1', 'Operations: 5 (failed: 1)', '| apply_patch | 5 | 1 |', 'Builds: 0', '| `src/game.ts` | 3 |', 'Active sessions: 1', '| level-1 | 9 |']) {
      expect(md).toContain(line);
    }
  });

  it('says why there are no highlights', () => {
    const down = renderDigestMarkdown({ projectName: 'Game', window, facts, highlights: { status: 'unavailable', text: null, model: 'm', reason: 'the model did not answer within 20 s' } });
    expect(down).toContain('Highlights unavailable: the model did not answer within 20 s.');
    const off = renderDigestMarkdown({ projectName: 'Game', window, facts, highlights: { status: 'not_configured', text: null, model: null, reason: null } });
    expect(off).toContain('Highlights not configured');
  });
});

describe('digest highlights from a model', () => {
  it('needs DIGEST_LLM_URL and DIGEST_LLM_MODEL; the time budget defaults to 20 s', () => {
    expect(digestLlm({ DIGEST_LLM_URL: 'http://x' })).toBeNull();
    expect(digestLlm({ DIGEST_LLM_URL: 'http://x/', DIGEST_LLM_MODEL: 'm' })).toEqual({ url: 'http://x', model: 'm', timeoutMs: 20_000 });
    expect(digestLlm({ DIGEST_LLM_URL: 'http://x', DIGEST_LLM_MODEL: 'm', DIGEST_LLM_TIMEOUT_SECONDS: '2' })?.timeoutMs).toBe(2000);
  });

  it("is the model's answer when it answers", async () => {
    const llm = await startScriptedLlm(() => ({ text: 'Three commits landed.', usage: { prompt_tokens: 1, completion_tokens: 1 } }));
    try {
      const h = await writeHighlights({ url: llm.url.replace(/\/v1$/, ''), model: 'm', timeoutMs: 5000 }, { projectName: 'Game', window, facts });
      expect(h).toEqual({ status: 'written', text: 'Three commits landed.', model: 'm', reason: null });
    } finally {
      await llm.close();
    }
  });

  it('is unavailable, within the budget, when the model is slow', async () => {
    const hanging = createServer(() => {}); // accepts, never answers
    await new Promise<void>((r) => hanging.listen(0, '127.0.0.1', r));
    try {
      const started = Date.now();
      const h = await writeHighlights({ url: `http://127.0.0.1:${(hanging.address() as AddressInfo).port}`, model: 'm', timeoutMs: 300 }, { projectName: 'Game', window, facts });
      expect(h).toEqual({ status: 'unavailable', text: null, model: 'm', reason: 'the model did not answer within 0.3 s' });
      expect(Date.now() - started).toBeLessThan(3000);
    } finally {
      hanging.closeAllConnections();
      await new Promise<void>((r) => hanging.close(() => r()));
    }
  });
});

describe('outgoing webhooks', () => {
  it('refuses non-http(s), credentials, private and (unless allowed) loopback addresses', () => {
    const strict = { allowLoopback: false };
    expect(outgoingUrlProblem('https://hooks.example.com/spark', strict)).toBeNull();
    for (const bad of ['ftp://example.com', 'javascript:alert(1)', 'file:///etc/passwd', 'not a url']) expect(outgoingUrlProblem(bad, strict)).toMatch(/^url must be/);
    expect(outgoingUrlProblem('https://user:pw@example.com/', strict)).toMatch(/credentials/);
    for (const internal of ['http://10.1.2.3/', 'http://192.168.0.1/', 'http://172.20.0.1/', 'http://169.254.169.254/', 'http://[fd00::1]/', 'http://[::ffff:10.0.0.1]/', 'http://metadata.internal/', 'http://intranet/', 'http://0.0.0.0/']) {
      expect(outgoingUrlProblem(internal, strict), internal).toMatch(/private|loopback/);
    }
    for (const loop of ['http://127.0.0.1:9/', 'http://localhost/', 'http://[::1]/', 'http://2130706433/', 'http://0x7f.1/']) {
      expect(outgoingUrlProblem(loop, strict), loop).toMatch(/loopback/);
      expect(outgoingUrlProblem(loop, { allowLoopback: true }), loop).toBeNull();
    }
  });

  it("signs as Standard Webhooks: the reference library verifies Spark's signature", async () => {
    const secret = generateSecret('standard');
    const body = JSON.stringify({ type: 'spark.digest.created', data: { n: 1 } });
    const ts = Math.floor(Date.now() / 1000);
    const headers = await standardWebhookHeaders(secret, 'msg_1', ts, body);
    expect(new Webhook(secret).verify(body, headers)).toEqual({ type: 'spark.digest.created', data: { n: 1 } });
    expect(headers['webhook-signature']).toBe(new Webhook(secret).sign('msg_1', new Date(ts * 1000), body));
  });
});
