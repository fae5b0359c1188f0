// A week of repository and Spark activity with totals known by construction, as SparkEventV1
// events: GitHub and GitLab deliveries through the real normalisers (so payloads have the shape
// stored webhooks have), Spark's own events through the catalog. The `ts` of each is set to a
// day of the week, which only an import (events of any age) can store.
import { createHash, randomUUID } from 'node:crypto';
import { eventOf } from '../../contracts/event-catalog';
import type { SparkEventV1 } from '../../contracts/event';
import type { DigestFacts } from '../../contracts/digests';
import { normalizeGithub } from '../../edge/webhooks/normalize/github';
import { normalizeGitlab } from '../../edge/webhooks/normalize/gitlab';

export const WEEK = { start: '2026-11-16', end: '2026-11-22' };
const DAYS = ['2026-11-16', '2026-11-17', '2026-11-18', '2026-11-19', '2026-11-20', '2026-11-21', '2026-11-22'];
const AUTHORS = ['Ada', 'Bob', 'Cyd'];
const REPO = 'studio/game';

const at = (day: string, hour: number, minute = 0) => Date.parse(`${day}T${String(hour).padStart(2, '0')}:${String(minute).padStart(2, '0')}:00Z`) / 1000;
const sha = (s: string) => createHash('sha256').update(s).digest('hex');

function fromWebhook(drafts: ReturnType<typeof normalizeGithub>, ts: number): SparkEventV1[] {
  return drafts.map((d) => ({ v: 1, id: randomUUID(), kind: 'system', ...d, ts }) as SparkEventV1);
}
const github = (event: string, body: unknown, ts: number) => fromWebhook(normalizeGithub({ event, body, receivedAt: ts * 1000, sourceName: 'gh' }), ts);
const gitlab = (body: unknown, ts: number) => fromWebhook(normalizeGitlab({ event: null, body, receivedAt: ts * 1000, sourceName: 'gl' }), ts);

const commit = (id: string, author: string, day: string, files: { added?: string[]; modified?: string[] }) => ({
  id: sha(id).slice(0, 40),
  message: `change ${id}`,
  timestamp: `${day}T10:00:00Z`,
  url: `https://github.com/${REPO}/commit/${id}`,
  author: { name: author, email: `${author.toLowerCase()}@studio.test`, username: author.toLowerCase() },
  added: files.added ?? [],
  modified: files.modified ?? [],
  removed: [],
});
const push = (ref: string, commits: ReturnType<typeof commit>[]) => ({
  ref,
  before: '0'.repeat(40),
  after: commits.at(-1)!.id,
  repository: { full_name: REPO },
  pusher: { name: 'Ada' },
  commits,
  head_commit: commits.at(-1),
});

/**
 * Day i (0 = Monday) has i + 1 pushes of two commits each, authors in turn Ada, Bob, Cyd: 56
 * commits. Each commit modifies src/game.ts and adds a file of its own. One push on Thursday is
 * sent again to another branch (the same commits: they count once). GitLab adds one commit by Dee
 * on Sunday. The sessions are Spark sessions' ids (active sessions).
 */
export function weekOfActivity(sessions: [{ id: string; name: string }, { id: string; name: string }]) {
  const events: SparkEventV1[] = [];
  let n = 0;
  const perDay: number[] = [];
  const byAuthor = new Map<string, number>();
  DAYS.forEach((day, i) => {
    perDay.push(0);
    for (let p = 0; p <= i; p++) {
      const commits = [0, 1].map(() => {
        const author = AUTHORS[n % 3]!;
        byAuthor.set(author, (byAuthor.get(author) ?? 0) + 1);
        const c = commit(`c${n}`, author, day, { modified: ['src/game.ts'], added: [`src/f${n}.ts`] });
        n++;
        return c;
      });
      perDay[i]!++;
      perDay[i]!++;
      events.push(...github('push', push('refs/heads/main', commits), at(day, 9 + p)));
      if (day === '2026-11-19' && p === 0) events.push(...github('push', push('refs/heads/release', commits), at(day, 20)));
    }
  });
  // GitLab: one commit by Dee on Sunday, touching src/game.ts too.
  events.push(
    ...gitlab(
      {
        object_kind: 'push',
        ref: 'refs/heads/main',
        project: { path_with_namespace: REPO },
        user_username: 'dee',
        total_commits_count: 1,
        commits: [{ id: sha('dee').slice(0, 40), message: 'gitlab change', timestamp: '2026-11-22T12:00:00Z', url: 'x', author: { name: 'Dee', email: 'dee@studio.test' }, modified: ['src/game.ts'], added: [], removed: [] }],
      },
      at('2026-11-22', 12),
    ),
  );
  perDay[6]!++;
  byAuthor.set('Dee', 1);

  // Pull requests: 5 opened and 3 merged on GitHub (one more closed unmerged); GitLab 1 opened, 1 merged.
  const pr = (action: string, number: number, merged: boolean) => ({ action, number, repository: { full_name: REPO }, pull_request: { number, title: `PR ${number}`, state: action === 'opened' ? 'open' : 'closed', merged, user: { login: 'ada' } } });
  for (let k = 1; k <= 5; k++) events.push(...github('pull_request', pr('opened', k, false), at(DAYS[k - 1]!, 11)));
  for (let k = 1; k <= 3; k++) events.push(...github('pull_request', pr('closed', k, true), at(DAYS[k + 1]!, 15)));
  events.push(...github('pull_request', pr('closed', 4, false), at(DAYS[5]!, 15)));
  const mr = (action: string, iid: number) => ({ object_kind: 'merge_request', project: { path_with_namespace: REPO }, user: { username: 'dee' }, object_attributes: { action, iid, title: `MR ${iid}`, state: action === 'merge' ? 'merged' : 'opened' } });
  events.push(...gitlab(mr('open', 7), at(DAYS[2]!, 8)), ...gitlab(mr('merge', 7), at(DAYS[4]!, 8)));

  // CI: 9 successes, 3 failures and 1 cancelled completed runs, and 4 still running (not counted).
  const run = (action: string, conclusion: string | null, id: number) => ({ action, repository: { full_name: REPO }, workflow_run: { id, name: 'CI', status: action === 'completed' ? 'completed' : 'in_progress', conclusion, head_branch: 'main' } });
  let runId = 0;
  for (const [conclusion, count] of [['success', 9], ['failure', 3], ['cancelled', 1]] as const) {
    for (let k = 0; k < count; k++) events.push(...github('workflow_run', run('completed', conclusion, ++runId), at(DAYS[runId % 7]!, 13)));
  }
  for (let k = 0; k < 4; k++) events.push(...github('workflow_run', run('in_progress', null, 100 + k), at(DAYS[k]!, 12)));

  // Deploys: 2 succeeded, 1 failed.
  const deploy = (state: string, id: number) => ({ repository: { full_name: REPO }, deployment_status: { state, environment: 'production' }, deployment: { id, sha: 'abc', ref: 'main' } });
  events.push(...github('deployment_status', deploy('success', 1), at(DAYS[1]!, 16)), ...github('deployment_status', deploy('success', 2), at(DAYS[3]!, 16)), ...github('deployment_status', deploy('failure', 3), at(DAYS[4]!, 16)));

  // Spark: operations (create_script 4 ok; apply_patch 3 ok + 2 failed; build 1 failed), builds, script changes.
  const env = (session: string, ts: number) => ({ id: randomUUID(), ts, source: 'agent', session_id: session });
  const call = () => randomUUID();
  const err = { code: 'unity_error', message: 'compile failed' };
  const sparkAt = (k: number) => at(DAYS[k % 7]!, 14, k);
  let k = 0;
  const s = (i: number) => sessions[i % 2]!.id;
  for (let j = 0; j < 4; j++, k++) events.push(eventOf('unity.completed', { call_id: call(), op: 'create_script', latency_ms: 10, mcp_ms: 5 }, env(s(k), sparkAt(k))));
  for (let j = 0; j < 3; j++, k++) events.push(eventOf('unity.completed', { call_id: call(), op: 'apply_patch', latency_ms: 10, mcp_ms: 5 }, env(s(k), sparkAt(k))));
  for (let j = 0; j < 2; j++, k++) events.push(eventOf('unity.failed', { call_id: call(), op: 'apply_patch', error: err, latency_ms: 10, mcp_ms: 5 }, env(s(k), sparkAt(k))));
  events.push(eventOf('unity.failed', { call_id: call(), op: 'build', error: err, latency_ms: 10, mcp_ms: 5 }, env(s(k), sparkAt(k++))));
  for (let j = 0; j < 2; j++, k++) events.push(eventOf('build.completed', { call_id: call(), jobId: `build-${j}`, target: 'StandaloneLinux64', artifact: null, duration_ms: 1000 }, env(s(k), sparkAt(k))));
  events.push(eventOf('build.failed', { call_id: call(), target: 'StandaloneLinux64', error: err }, env(s(k), sparkAt(k++))));
  events.push(eventOf('build.timeout', { call_id: call(), jobId: 'build-9', target: 'StandaloneLinux64', timeout_ms: 60000, progress: 0.5 }, env(s(k), sparkAt(k++))));
  for (let j = 0; j < 3; j++, k++) {
    events.push(eventOf('unity.patch_applied', { call_id: call(), path: 'Assets/Scripts/Player.cs', before_sha256: sha(`b${j}`), after_sha256: sha(`a${j}`) }, env(s(k), sparkAt(k))));
  }
  events.push(eventOf('unity.script_generated', { call_id: call(), path: 'Assets/Scripts/Enemy.cs', sha256: sha('e'), bytes: 10, overwritten: false }, env(s(k), sparkAt(k++))));
  const sessionEvents = [0, 0];
  for (let j = 0; j < k; j++) sessionEvents[j % 2]!++;

  const commitsTotal = 57;
  const byCodePoint = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
  const contributors = [...byAuthor].map(([name, commits]) => ({ name, commits })).sort((a, b) => b.commits - a.commits || byCodePoint(a.name, b.name));
  const files = [
    { path: 'src/game.ts', changes: commitsTotal },
    { path: 'Assets/Scripts/Player.cs', changes: 3 },
    { path: 'Assets/Scripts/Enemy.cs', changes: 1 },
    // Then the first of the added files, one change each, in path order.
    ...Array.from({ length: 56 }, (_, i) => `src/f${i}.ts`)
      .sort(byCodePoint)
      .slice(0, 7)
      .map((path) => ({ path, changes: 1 })),
  ];
  const expected: DigestFacts = {
    events: events.length,
    commits: { total: commitsTotal, per_day: DAYS.map((day, i) => ({ day, commits: perDay[i]! })) },
    contributors,
    pull_requests: { opened: 6, merged: 4 },
    ci_runs: { total: 13, by_conclusion: [{ conclusion: 'success', runs: 9 }, { conclusion: 'failure', runs: 3 }, { conclusion: 'cancelled', runs: 1 }] },
    deploys: { total: 3, by_outcome: [{ outcome: 'succeeded', deploys: 2 }, { outcome: 'failed', deploys: 1 }] },
    spark_operations: { total: 10, failed: 3, by_type: [{ op: 'apply_patch', total: 5, failed: 2 }, { op: 'create_script', total: 4, failed: 0 }, { op: 'build', total: 1, failed: 1 }] },
    builds: { total: 4, by_status: [{ status: 'succeeded', builds: 2 }, { status: 'failed', builds: 1 }, { status: 'timeout', builds: 1 }] },
    most_changed_files: files,
    active_sessions: {
      total: 2,
      sessions: sessions
        .map((x, i) => ({ id: x.id, name: x.name as string | null, events: sessionEvents[i]! }))
        .sort((a, b) => b.events - a.events || byCodePoint(a.id, b.id)),
    },
  };
  return { events, expected };
}

/** Events just outside the week (Sunday before, Monday after): a digest of the week must not count them. */
export function aroundTheWeek(): SparkEventV1[] {
  const c = (id: string, day: string) => commit(id, 'Eve', day, { modified: ['src/outside.ts'] });
  return [
    ...github('push', push('refs/heads/main', [c('before', '2026-11-15')]), at('2026-11-15', 23, 59)),
    ...github('push', push('refs/heads/main', [c('after', '2026-11-23')]), at('2026-11-23', 0, 0)),
  ];
}
