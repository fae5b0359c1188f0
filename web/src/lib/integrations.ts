// Pure helpers of the Integrations page: how a sender is set up, and the event log's filters as
// the API's query. Unit-tested in tests/unit/web-integrations.test.ts.
import type { WebhookProvider } from '../../../contracts/enums';

export interface SetupStep {
  /** What the sender's form calls the field (or the step, when there is no field). */
  label: string;
  /** What goes in it; absent for a step with nothing to copy. */
  value?: string;
  note?: string;
}

/** The steps to point a sender at a new source, in the sender's own words. */
export function webhookSetupSteps(provider: WebhookProvider, url: string, secret: string): SetupStep[] {
  switch (provider) {
    case 'github':
      return [
        { label: 'Open', note: 'The repository (or organisation) → Settings → Webhooks → Add webhook.' },
        { label: 'Payload URL', value: url },
        { label: 'Content type', value: 'application/json' },
        { label: 'Secret', value: secret },
        { label: 'Which events', note: 'Choose "Let me select individual events": Pushes, Pull requests, Workflow runs, Check suites, Deployment statuses, Issues and Releases (or "Send me everything").' },
        { label: 'Add webhook', note: 'GitHub sends a ping at once; it shows below as accepted.' },
      ];
    case 'gitlab':
      return [
        { label: 'Open', note: 'The project → Settings → Webhooks → Add new webhook.' },
        { label: 'URL', value: url },
        { label: 'Secret token', value: secret },
        { label: 'Trigger', note: 'Push events, Merge request events, Pipeline events, Deployment events.' },
        { label: 'Add webhook', note: 'Use "Test" to send one; it shows below.' },
      ];
    case 'standard':
      return [
        { label: 'Endpoint URL', value: url },
        { label: 'Signing secret', value: secret, note: 'Standard Webhooks (or Svix) signs with it: webhook-id, webhook-timestamp, webhook-signature.' },
      ];
  }
}

/** The event log's filters as typed in the form: date-times are the browser's local time. */
export interface EventLogFilters {
  type: string;
  session_id: string;
  since: string;
  until: string;
}

export const NO_FILTERS: EventLogFilters = { type: '', session_id: '', since: '', until: '' };

/** The filters as the events API's query: blanks left out, local date-times as ISO 8601 (UTC). */
export function eventLogQuery(f: EventLogFilters): { type?: string; session_id?: string; since?: string; until?: string } {
  const q: { type?: string; session_id?: string; since?: string; until?: string } = {};
  if (f.type.trim()) q.type = f.type.trim();
  if (f.session_id.trim()) q.session_id = f.session_id.trim();
  const since = localToIso(f.since);
  const until = localToIso(f.until);
  if (since) q.since = since;
  if (until) q.until = until;
  return q;
}

/** The export route's address for these filters (it has no type filter: it exports whole sessions and windows). */
export function exportPath(projectId: string, f: EventLogFilters): string {
  const { type: _, ...q } = eventLogQuery(f);
  const search = new URLSearchParams(q).toString();
  return `/api/projects/${encodeURIComponent(projectId)}/events/export${search ? `?${search}` : ''}`;
}

/** A `datetime-local` value (no zone: the browser's) as ISO 8601 in UTC, or undefined when blank or unreadable. */
function localToIso(v: string): string | undefined {
  if (!v.trim()) return undefined;
  const t = new Date(v).getTime();
  return Number.isFinite(t) ? new Date(t).toISOString() : undefined;
}

/** Saves a fetched body as a file, without a second request (the route needs the Authorization header). */
export async function saveResponse(res: Response, fallbackName: string): Promise<void> {
  const name = /filename="([^"]+)"/.exec(res.headers.get('content-disposition') ?? '')?.[1] ?? fallbackName;
  const url = URL.createObjectURL(await res.blob());
  try {
    const a = document.createElement('a');
    a.href = url;
    a.download = name;
    document.body.appendChild(a);
    a.click();
    a.remove();
  } finally {
    // The click has handed the blob to the download; revoke on the next turn.
    setTimeout(() => URL.revokeObjectURL(url), 1000);
  }
}
