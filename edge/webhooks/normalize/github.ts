// GitHub deliveries as SparkEventV1 drafts. The session is the repository's full name, so a
// repository's activity reads as one stream. Unknown events are kept as `github.<event>`.
import { changedFiles, clip, eventTypeOf, fitPayload, MAX_COMMITS, num, obj, isoTime, sessionOf, str, type EventDraft, type Json, type NormalizeInput } from './shared';

const SOURCE = 'github';

export function normalizeGithub({ event, body, receivedAt, sourceName }: NormalizeInput): EventDraft[] {
  const b = obj(body);
  const repo = obj(b.repository);
  const repository = str(repo.full_name);
  const action = str(b.action);
  const draft = (type: string, payload: Json, time?: unknown): EventDraft => ({
    type,
    source: SOURCE,
    ts: receivedAt / 1000,
    session_id: sessionOf(repository, sourceName),
    payload: fitPayload({ repository, ...payload, occurred_at: isoTime(time) }),
  });
  const name = event ?? 'unknown';
  switch (name) {
    case 'push': {
      const commits = Array.isArray(b.commits) ? b.commits.map(obj) : [];
      return [
        draft(
          'github.push',
          {
            ref: str(b.ref),
            before: str(b.before),
            after: str(b.after),
            forced: b.forced === true,
            pusher: str(obj(b.pusher).name),
            compare: str(b.compare),
            commit_count: commits.length,
            commits: commits.slice(0, MAX_COMMITS).map((c) => ({
              id: str(c.id),
              author: { name: str(obj(c.author).name), email: str(obj(c.author).email), username: str(obj(c.author).username) },
              message: clip(str(c.message)),
              timestamp: str(c.timestamp),
              url: str(c.url),
              ...changedFiles(c),
            })),
          },
          obj(b.head_commit).timestamp,
        ),
      ];
    }
    case 'pull_request': {
      const pr = obj(b.pull_request);
      return [
        draft(
          eventTypeOf('github', 'pull_request', action ?? 'unknown'),
          {
            action,
            number: num(b.number) ?? num(pr.number),
            title: clip(str(pr.title)),
            state: str(pr.state),
            merged: pr.merged === true,
            author: str(obj(pr.user).login),
            head: str(obj(pr.head).ref),
            base: str(obj(pr.base).ref),
            url: str(pr.html_url),
          },
          pr.updated_at,
        ),
      ];
    }
    case 'workflow_run':
    case 'check_suite': {
      const run = obj(b[name]);
      return [
        draft(
          eventTypeOf('ci', 'run', action ?? 'unknown'),
          {
            provider: SOURCE,
            kind: name,
            id: num(run.id),
            name: str(run.name) ?? str(obj(run.app).name),
            status: str(run.status),
            conclusion: str(run.conclusion),
            branch: str(run.head_branch),
            sha: str(run.head_sha),
            run_number: num(run.run_number),
            url: str(run.html_url) ?? str(run.url),
          },
          run.updated_at,
        ),
      ];
    }
    case 'deployment_status': {
      const status = obj(b.deployment_status);
      const deployment = obj(b.deployment);
      const state = str(status.state) ?? 'unknown';
      const outcome = state === 'success' ? 'succeeded' : state === 'failure' || state === 'error' ? 'failed' : state;
      return [
        draft(
          eventTypeOf('deploy', outcome),
          {
            provider: SOURCE,
            state,
            environment: str(status.environment) ?? str(deployment.environment),
            deployment_id: num(deployment.id),
            sha: str(deployment.sha),
            ref: str(deployment.ref),
            description: clip(str(status.description)),
            url: str(status.target_url) ?? str(status.environment_url),
          },
          status.created_at,
        ),
      ];
    }
    case 'issues': {
      const issue = obj(b.issue);
      return [
        draft(
          eventTypeOf('github', 'issues', action ?? 'unknown'),
          { action, number: num(issue.number), title: clip(str(issue.title)), state: str(issue.state), author: str(obj(issue.user).login), url: str(issue.html_url) },
          issue.updated_at,
        ),
      ];
    }
    case 'release': {
      const release = obj(b.release);
      return [
        draft(
          eventTypeOf('github', 'release', action ?? 'unknown'),
          {
            action,
            tag: str(release.tag_name),
            name: clip(str(release.name)),
            draft: release.draft === true,
            prerelease: release.prerelease === true,
            author: str(obj(release.author).login),
            url: str(release.html_url),
          },
          release.published_at ?? release.created_at,
        ),
      ];
    }
    default:
      return [draft(eventTypeOf('github', name), b)];
  }
}
