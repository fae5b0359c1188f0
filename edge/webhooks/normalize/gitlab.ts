// GitLab deliveries as SparkEventV1 drafts, named like GitHub's where they mean the same thing
// (CI runs, deploys); the session is the project's `path_with_namespace`.
import { changedFiles, clip, eventTypeOf, fitPayload, MAX_COMMITS, num, obj, isoTime, sessionOf, str, type EventDraft, type Json, type NormalizeInput } from './shared';

const SOURCE = 'gitlab';
// GitLab's merge request actions in the past tense GitHub's use (`open` → `opened`).
const MR_ACTIONS: Record<string, string> = { open: 'opened', close: 'closed', reopen: 'reopened', merge: 'merged', update: 'updated', approved: 'approved', unapproved: 'unapproved' };
const FINISHED = new Set(['success', 'failed', 'canceled', 'skipped']);
const CONCLUSIONS: Record<string, string> = { success: 'success', failed: 'failure', canceled: 'cancelled', skipped: 'skipped' };

export function normalizeGitlab({ event, body, receivedAt, sourceName }: NormalizeInput): EventDraft[] {
  const b = obj(body);
  const project = obj(b.project);
  const repository = str(project.path_with_namespace);
  const kind = str(b.object_kind) ?? str(b.event_name) ?? event ?? 'unknown';
  const draft = (type: string, payload: Json, time?: unknown): EventDraft => ({
    type,
    source: SOURCE,
    ts: receivedAt / 1000,
    session_id: sessionOf(repository, sourceName),
    payload: fitPayload({ repository, ...payload, occurred_at: isoTime(time) }),
  });
  const attrs = obj(b.object_attributes);
  switch (kind) {
    case 'push':
    case 'tag_push': {
      const commits = Array.isArray(b.commits) ? b.commits.map(obj) : [];
      return [
        draft(`gitlab.${kind}`, {
          ref: str(b.ref),
          before: str(b.before),
          after: str(b.after),
          pusher: str(b.user_username) ?? str(b.user_name),
          commit_count: num(b.total_commits_count) ?? commits.length,
          commits: commits.slice(0, MAX_COMMITS).map((c) => ({
            id: str(c.id),
            author: { name: str(obj(c.author).name), email: str(obj(c.author).email) },
            message: clip(str(c.message)),
            timestamp: str(c.timestamp),
            url: str(c.url),
            ...changedFiles(c),
          })),
        }, commits.at(-1)?.timestamp),
      ];
    }
    case 'merge_request': {
      const action = str(attrs.action) ?? 'unknown';
      return [
        draft(eventTypeOf('gitlab', 'merge_request', MR_ACTIONS[action] ?? action), {
          action,
          number: num(attrs.iid),
          title: clip(str(attrs.title)),
          state: str(attrs.state),
          merged: action === 'merge' || attrs.state === 'merged',
          author: str(obj(b.user).username),
          head: str(attrs.source_branch),
          base: str(attrs.target_branch),
          url: str(attrs.url),
        }, attrs.updated_at),
      ];
    }
    case 'pipeline': {
      const status = str(attrs.status) ?? 'unknown';
      return [
        draft(eventTypeOf('ci', 'run', FINISHED.has(status) ? 'completed' : status), {
          provider: SOURCE,
          kind: 'pipeline',
          id: num(attrs.id),
          status,
          conclusion: CONCLUSIONS[status] ?? null,
          branch: str(attrs.ref),
          sha: str(attrs.sha),
          url: str(attrs.url),
        }, attrs.finished_at ?? attrs.created_at),
      ];
    }
    case 'deployment': {
      const status = str(b.status) ?? 'unknown';
      const outcome = status === 'success' ? 'succeeded' : status === 'failed' || status === 'canceled' ? 'failed' : status;
      return [
        draft(eventTypeOf('deploy', outcome), {
          provider: SOURCE,
          state: status,
          environment: str(b.environment),
          deployment_id: num(b.deployment_id),
          sha: str(b.short_sha) ?? str(b.commit_sha),
          ref: str(b.ref),
          url: str(b.deployable_url),
        }, b.status_changed_at),
      ];
    }
    default:
      return [draft(eventTypeOf('gitlab', kind), b)];
  }
}
