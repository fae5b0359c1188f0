/** @jsxImportSource hono/jsx/dom */
// A project's Integrations: webhook sources (add one and see its secret once, with the sender's
// setup steps; rotate, delete), each source's recent deliveries (status, reason, replay), and the
// event log with filters and an NDJSON export.
import { useState } from 'hono/jsx/dom';
import type { StoredEvent } from '../../../contracts/api';
import { WEBHOOK_PROVIDERS, type WebhookProvider } from '../../../contracts/enums';
import type { WebhookDeliveryView, WebhookView, WebhookWithSecret } from '../../../contracts/webhooks';
import { authFetch, errorMessage, projectsApi, reportError, unwrap } from '../lib/api';
import { formatBytes, formatDateTime } from '../lib/format';
import { useInterval, useResource, useTitle } from '../lib/hooks';
import { eventLogQuery, exportPath, NO_FILTERS, saveResponse, webhookSetupSteps, type EventLogFilters } from '../lib/integrations';
import { toastOk } from '../lib/toast';
import { Badge, CopyButton, EmptyState, InlineError, ProjectCrumbs, Spinner, TimeAgo, type Tone } from '../components/ui';

const PROVIDER_LABEL: Record<WebhookProvider, string> = { github: 'GitHub', gitlab: 'GitLab', standard: 'Standard Webhooks' };
const deliveryTone = (s: WebhookDeliveryView['status']): Tone => (s === 'accepted' ? 'ok' : s === 'received' ? 'info' : 'err');

export function IntegrationsPage(props: { projectId: string }) {
  const param = { param: { projectId: props.projectId } };
  const project = useResource(() => unwrap(projectsApi[':projectId'].$get(param)), [props.projectId]);
  useTitle(project.data ? `Integrations · ${project.data.name}` : 'Integrations');
  return (
    <main id="main" class="page page-wide">
      <ProjectCrumbs projectId={props.projectId} projectName={project.data?.name} page="Integrations" />
      <div class="page-head">
        <h1>Integrations</h1>
        <p class="muted">Repository, CI and deploy activity reaches Spark through signed webhooks; every event lands in the event log.</p>
      </div>
      <InlineError message={project.error} />
      <Webhooks projectId={props.projectId} />
      <EventLog projectId={props.projectId} />
    </main>
  );
}

function Webhooks(props: { projectId: string }) {
  const param = { param: { projectId: props.projectId } };
  const hooks = useResource(() => unwrap(projectsApi[':projectId'].webhooks.$get(param)), [props.projectId]);
  const [name, setName] = useState('');
  const [provider, setProvider] = useState<WebhookProvider>('github');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  /** The secret just made (create or rotate): shown once, until dismissed. */
  const [revealed, setRevealed] = useState<{ hook: WebhookWithSecret; rotated: boolean } | null>(null);
  const [open, setOpen] = useState<string | null>(null);

  const create = async (e: Event) => {
    e.preventDefault();
    if (busy) return;
    if (!name.trim()) return setError('Give the webhook a name.');
    setBusy(true);
    setError(null);
    try {
      const hook = await unwrap(projectsApi[':projectId'].webhooks.$post({ ...param, json: { name: name.trim(), provider } }));
      setRevealed({ hook, rotated: false });
      setOpen(hook.id);
      setName('');
      await hooks.reload();
    } catch (err) {
      setError(errorMessage(err));
    } finally {
      setBusy(false);
    }
  };

  const items = hooks.data?.items ?? [];
  return (
    <section class="card integ-section" aria-labelledby="webhooks-title" data-testid="webhooks-panel">
      <h2 id="webhooks-title">Webhooks</h2>
      <form class="integ-form" onSubmit={create} data-testid="new-webhook-form">
        <div>
          <label for="webhook-name">Name</label>
          <input id="webhook-name" maxLength={128} placeholder="e.g. game repo" value={name} onInput={(e: Event) => setName((e.target as HTMLInputElement).value)} />
        </div>
        <div>
          <label for="webhook-provider">Sender</label>
          <select id="webhook-provider" value={provider} onChange={(e: Event) => setProvider((e.target as HTMLSelectElement).value as WebhookProvider)}>
            {WEBHOOK_PROVIDERS.map((p) => (
              <option value={p} selected={p === provider}>
                {PROVIDER_LABEL[p]}
              </option>
            ))}
          </select>
        </div>
        <button type="submit" class="btn btn-primary" disabled={busy} data-testid="create-webhook">
          {busy ? 'Adding…' : 'Add webhook'}
        </button>
      </form>
      <InlineError message={error} />
      {revealed ? <SecretReveal hook={revealed.hook} rotated={revealed.rotated} onDone={() => setRevealed(null)} /> : null}
      {hooks.loading && !hooks.data ? <Spinner label="Loading webhooks" /> : null}
      <InlineError message={hooks.error} />
      {hooks.data && items.length === 0 ? <EmptyState data-testid="webhooks-empty">No webhooks yet. Add one to hear from GitHub, GitLab or a CI.</EmptyState> : null}
      <ul class="list" data-testid="webhook-list">
        {items.map((h) => (
          <WebhookRow
            key={h.id}
            projectId={props.projectId}
            hook={h}
            open={open === h.id}
            onToggle={() => setOpen(open === h.id ? null : h.id)}
            onRotated={(hook) => setRevealed({ hook, rotated: true })}
            onDeleted={() => {
              if (revealed?.hook.id === h.id) setRevealed(null);
              void hooks.reload();
            }}
          />
        ))}
      </ul>
    </section>
  );
}

/** The URL and secret, once, with the sender's steps. */
function SecretReveal(props: { hook: WebhookWithSecret; rotated: boolean; onDone: () => void }) {
  const h = props.hook;
  return (
    <div class="integ-reveal" role="status" data-testid="webhook-secret">
      <p>
        <strong>{props.rotated ? `New secret for “${h.name}”.` : `“${h.name}” is ready.`}</strong> Copy the secret now: Spark shows it only this once.
        {props.rotated ? ' The old one keeps working for 24 hours.' : ''}
      </p>
      <ol class="steps integ-steps">
        {webhookSetupSteps(h.provider, h.url, h.secret).map((s) => (
          <li>
            <span class="integ-step-label">{s.label}</span>
            {s.value !== undefined ? (
              <span class="integ-copy">
                <code data-testid={`setup-${s.label.toLowerCase().replace(/\W+/g, '-')}`}>{s.value}</code>
                <CopyButton text={s.value} label={`Copy ${s.label}`} />
              </span>
            ) : null}
            {s.note ? <span class="muted small integ-step-note">{s.note}</span> : null}
          </li>
        ))}
      </ol>
      <button type="button" class="btn btn-small" onClick={props.onDone} data-testid="secret-done">
        I have copied it
      </button>
    </div>
  );
}

function WebhookRow(props: { projectId: string; hook: WebhookView; open: boolean; onToggle: () => void; onRotated: (h: WebhookWithSecret) => void; onDeleted: () => void }) {
  const h = props.hook;
  const param = { param: { projectId: props.projectId, webhookId: h.id } };
  const [confirming, setConfirming] = useState(false);
  const [busy, setBusy] = useState(false);
  const act = async (what: () => Promise<void>) => {
    setBusy(true);
    try {
      await what();
    } catch (err) {
      reportError(err);
    } finally {
      setBusy(false);
    }
  };
  const rotate = () => act(async () => props.onRotated(await unwrap(projectsApi[':projectId'].webhooks[':webhookId'].rotate.$post(param))));
  const remove = () =>
    act(async () => {
      await unwrap(projectsApi[':projectId'].webhooks[':webhookId'].$delete(param));
      toastOk(`Webhook “${h.name}” removed.`);
      props.onDeleted();
    });
  return (
    <li class="integ-hook" data-testid="webhook-row" data-webhook-id={h.id}>
      <div class="list-row">
        <div class="list-main">
          <strong>{h.name}</strong>
          <span class="muted small">
            {PROVIDER_LABEL[h.provider]} · added <TimeAgo at={h.created_at} />
            {h.previous_secret_expires_at && Date.parse(h.previous_secret_expires_at) > Date.now() ? ' · old secret still valid' : ''}
          </span>
          <code class="small integ-url" data-testid="webhook-url">
            {h.url}
          </code>
        </div>
      </div>
      <div class="row-actions">
        <button type="button" class="btn btn-small" aria-expanded={props.open} onClick={props.onToggle} data-testid="toggle-deliveries">
          {props.open ? 'Hide deliveries' : 'Deliveries'}
        </button>
        <button type="button" class="btn btn-small" onClick={rotate} disabled={busy} data-testid="rotate-webhook">
          Rotate secret
        </button>
        {confirming ? (
          <>
            <button type="button" class="btn btn-danger btn-small" onClick={remove} disabled={busy} data-testid="confirm-delete-webhook">
              Delete it and its deliveries
            </button>
            <button type="button" class="btn btn-ghost btn-small" onClick={() => setConfirming(false)}>
              Keep
            </button>
          </>
        ) : (
          <button type="button" class="btn btn-ghost btn-small" onClick={() => setConfirming(true)} data-testid="delete-webhook">
            Delete
          </button>
        )}
      </div>
      {props.open ? <Deliveries projectId={props.projectId} webhookId={h.id} /> : null}
    </li>
  );
}

function Deliveries(props: { projectId: string; webhookId: string }) {
  const param = { param: { projectId: props.projectId, webhookId: props.webhookId } };
  const list = useResource(() => unwrap(projectsApi[':projectId'].webhooks[':webhookId'].deliveries.$get(param)), [props.projectId, props.webhookId]);
  const [replaying, setReplaying] = useState<string | null>(null);
  // New deliveries arrive while the person watches (GitHub's ping after setup).
  useInterval(() => void list.reload(), 5000);
  const replay = async (d: WebhookDeliveryView) => {
    setReplaying(d.id);
    try {
      const after = await unwrap(projectsApi[':projectId'].webhooks[':webhookId'].deliveries[':deliveryId'].replay.$post({ param: { ...param.param, deliveryId: d.id } }));
      toastOk(`Replayed: ${after.status}, ${after.events} ${after.events === 1 ? 'event' : 'events'}.`);
      await list.reload();
    } catch (err) {
      reportError(err, 'Replay failed');
    } finally {
      setReplaying(null);
    }
  };
  const items = list.data?.items ?? [];
  return (
    <div class="integ-deliveries" data-testid="deliveries">
      <InlineError message={list.error} />
      {list.loading && !list.data ? <Spinner label="Loading deliveries" /> : null}
      {list.data && items.length === 0 ? <EmptyState data-testid="deliveries-empty">No deliveries yet.</EmptyState> : null}
      <ul class="list">
        {items.map((d) => (
          <li class="list-row integ-delivery" data-testid="delivery" data-status={d.status}>
            <div class="list-main">
              <span>
                <Badge tone={deliveryTone(d.status)} data-testid="delivery-status">
                  {d.status}
                </Badge>{' '}
                <strong data-testid="delivery-event">{d.event ?? 'unknown event'}</strong>
                {d.reason ? (
                  <span class="integ-reason" data-testid="delivery-reason">
                    {' '}
                    · {d.reason}
                  </span>
                ) : null}
              </span>
              <span class="muted small">
                <TimeAgo at={d.received_at} /> · {d.events} {d.events === 1 ? 'event' : 'events'} · {formatBytes(d.body_bytes)}
                {d.redeliveries > 0 ? ` · sent again ${d.redeliveries}×` : ''}
                {d.body_kept ? '' : ' · body not kept'}
              </span>
            </div>
            <button type="button" class="btn btn-small" disabled={!d.body_kept || replaying !== null} onClick={() => replay(d)} data-testid="replay-delivery">
              {replaying === d.id ? 'Replaying…' : 'Replay'}
            </button>
          </li>
        ))}
      </ul>
    </div>
  );
}

function EventLog(props: { projectId: string }) {
  const [draft, setDraft] = useState<EventLogFilters>(NO_FILTERS);
  const [filters, setFilters] = useState<EventLogFilters>(NO_FILTERS);
  const [older, setOlder] = useState<{ items: StoredEvent[]; cursor: string | null } | null>(null);
  const [exporting, setExporting] = useState(false);
  const page = useResource(
    () => unwrap(projectsApi[':projectId'].events.$get({ param: { projectId: props.projectId }, query: { ...eventLogQuery(filters), limit: '50' } })),
    [props.projectId, filters],
  );
  const field = (k: keyof EventLogFilters) => (e: Event) => setDraft({ ...draft, [k]: (e.target as HTMLInputElement).value });
  const apply = (e: Event) => {
    e.preventDefault();
    setOlder(null);
    setFilters({ ...draft });
  };
  const cursor = older ? older.cursor : (page.data?.next_cursor ?? null);
  const more = async () => {
    if (!cursor) return;
    try {
      const next = await unwrap(projectsApi[':projectId'].events.$get({ param: { projectId: props.projectId }, query: { ...eventLogQuery(filters), limit: '50', cursor } }));
      setOlder({ items: [...(older?.items ?? []), ...next.items], cursor: next.next_cursor });
    } catch (err) {
      reportError(err);
    }
  };
  const exportLog = async () => {
    setExporting(true);
    try {
      await saveResponse(await authFetch(exportPath(props.projectId, filters)), 'spark-events.ndjson');
    } catch (err) {
      reportError(err, 'Export failed');
    } finally {
      setExporting(false);
    }
  };
  const items = [...(page.data?.items ?? []), ...(older?.items ?? [])];
  return (
    <section class="card integ-section" aria-labelledby="event-log-title" data-testid="event-log">
      <header class="panel-head">
        <h2 id="event-log-title">Event log</h2>
        <button type="button" class="btn btn-small" onClick={exportLog} disabled={exporting} data-testid="export-events" title="NDJSON, one event per line; session and time filters apply">
          {exporting ? 'Exporting…' : 'Export NDJSON'}
        </button>
      </header>
      <form class="integ-filters" onSubmit={apply} data-testid="event-filters">
        <div>
          <label for="filter-type">Type</label>
          <input id="filter-type" placeholder="github.push" value={draft.type} onInput={field('type')} />
        </div>
        <div>
          <label for="filter-session">Session</label>
          <input id="filter-session" placeholder="owner/repo" value={draft.session_id} onInput={field('session_id')} />
        </div>
        <div>
          <label for="filter-since">Since</label>
          <input id="filter-since" type="datetime-local" value={draft.since} onInput={field('since')} />
        </div>
        <div>
          <label for="filter-until">Until</label>
          <input id="filter-until" type="datetime-local" value={draft.until} onInput={field('until')} />
        </div>
        <button type="submit" class="btn" data-testid="apply-filters">
          Filter
        </button>
      </form>
      <InlineError message={page.error} />
      {page.loading && !page.data ? <Spinner label="Loading events" /> : null}
      {page.data && items.length === 0 ? <EmptyState data-testid="events-empty">No events match.</EmptyState> : null}
      <ul class="list integ-events">
        {items.map((e) => (
          <li class="list-row" data-testid="event-row">
            <div class="list-main">
              <strong class="integ-type" data-testid="event-type">
                {e.type}
              </strong>
              <span class="muted small ellipsis">
                <time dateTime={new Date(e.ts * 1000).toISOString()}>{formatDateTime(e.ts * 1000)}</time> · {e.session_id} · {e.source}
              </span>
            </div>
          </li>
        ))}
      </ul>
      {cursor ? (
        <button type="button" class="btn btn-small" onClick={more} data-testid="older-events">
          Older events
        </button>
      ) : null}
    </section>
  );
}
