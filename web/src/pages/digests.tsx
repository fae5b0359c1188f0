/** @jsxImportSource hono/jsx/dom */
// A project's Digests: make one for a period on demand, read any (its Markdown, the Highlights'
// state, where it was sent and how each attempt went), download it as Markdown, and the outgoing
// webhooks that receive every new digest (the signing secret shown once).
import { useState } from 'hono/jsx/dom';
import type { DigestView } from '../../../contracts/digests';
import { DIGEST_PERIODS, type DigestPeriod } from '../../../contracts/enums';
import { authFetch, errorMessage, projectsApi, reportError, unwrap } from '../lib/api';
import { formatDateTime } from '../lib/format';
import { useResource, useTitle } from '../lib/hooks';
import { saveResponse } from '../lib/integrations';
import { toastOk } from '../lib/toast';
import { Badge, CopyButton, EmptyState, InlineError, ProjectCrumbs, Spinner, TimeAgo, type Tone } from '../components/ui';

const PERIOD_LABEL: Record<DigestPeriod, string> = { daily: 'Daily', weekly: 'Weekly', monthly: 'Monthly' };
const highlightTone = (s: string): Tone => (s === 'written' ? 'ok' : s === 'unavailable' ? 'warn' : 'muted');
const deliveryTone = (s: string): Tone => (s === 'delivered' ? 'ok' : s === 'pending' ? 'info' : 'err');
const range = (d: { start: string; end: string }) => (d.start === d.end ? d.start : `${d.start} – ${d.end}`);

export function DigestsPage(props: { projectId: string }) {
  const param = { param: { projectId: props.projectId } };
  const project = useResource(() => unwrap(projectsApi[':projectId'].$get(param)), [props.projectId]);
  const digests = useResource(() => unwrap(projectsApi[':projectId'].digests.$get(param)), [props.projectId]);
  const [open, setOpen] = useState<string | null>(null);
  useTitle(project.data ? `Digests · ${project.data.name}` : 'Digests');
  const items = digests.data?.items ?? [];
  return (
    <main id="main" class="page page-wide">
      <ProjectCrumbs projectId={props.projectId} projectName={project.data?.name} page="Digests" />
      <div class="page-head">
        <h1>Digests</h1>
        <p class="muted">Daily, weekly and monthly summaries of repository and Spark activity, counted from the event log. New ones are made each night.</p>
      </div>
      <InlineError message={project.error} />
      <MakeDigest
        projectId={props.projectId}
        onMade={(id) => {
          setOpen(id);
          void digests.reload();
        }}
      />
      <section class="card integ-section" aria-labelledby="digests-title" data-testid="digests-panel">
        <h2 id="digests-title">Digests</h2>
        {digests.loading && !digests.data ? <Spinner label="Loading digests" /> : null}
        <InlineError message={digests.error} />
        {digests.data && items.length === 0 ? <EmptyState data-testid="digests-empty">No digests yet. Make one above, or wait for tonight’s.</EmptyState> : null}
        <ul class="list" data-testid="digest-list">
          {items.map((d) => (
            <li class="integ-hook" data-testid="digest-row" data-digest-id={d.id}>
              <div class="list-row">
                <div class="list-main">
                  <strong>
                    {PERIOD_LABEL[d.period]} · {range(d)}
                  </strong>
                  <span class="muted small">
                    {d.trigger === 'cron' ? 'made nightly' : 'made on request'} · <TimeAgo at={d.updated_at} />
                  </span>
                </div>
                <button type="button" class="btn btn-small" aria-expanded={open === d.id} onClick={() => setOpen(open === d.id ? null : d.id)} data-testid="toggle-digest">
                  {open === d.id ? 'Hide' : 'Read'}
                </button>
              </div>
              {open === d.id ? <DigestDetail projectId={props.projectId} digestId={d.id} /> : null}
            </li>
          ))}
        </ul>
      </section>
      <OutgoingWebhooks projectId={props.projectId} />
    </main>
  );
}

function MakeDigest(props: { projectId: string; onMade: (id: string) => void }) {
  const [period, setPeriod] = useState<DigestPeriod>('weekly');
  const [date, setDate] = useState(new Date().toISOString().slice(0, 10));
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const make = async (e: Event) => {
    e.preventDefault();
    if (busy) return;
    setBusy(true);
    setError(null);
    try {
      const d = await unwrap(projectsApi[':projectId'].digests.$post({ param: { projectId: props.projectId }, json: { period, ...(date ? { date } : {}) } }));
      toastOk(`${PERIOD_LABEL[d.period]} digest for ${range(d)} is ready.`);
      props.onMade(d.id);
    } catch (err) {
      setError(errorMessage(err));
    } finally {
      setBusy(false);
    }
  };
  return (
    <section class="card integ-section" aria-labelledby="make-digest-title">
      <h2 id="make-digest-title">Make a digest</h2>
      <form class="integ-form" onSubmit={make} data-testid="make-digest-form">
        <div>
          <label for="digest-period">Period</label>
          <select id="digest-period" value={period} onChange={(e: Event) => setPeriod((e.target as HTMLSelectElement).value as DigestPeriod)}>
            {DIGEST_PERIODS.map((p) => (
              <option value={p} selected={p === period}>
                {PERIOD_LABEL[p]}
              </option>
            ))}
          </select>
        </div>
        <div>
          <label for="digest-date">A day in the period (UTC)</label>
          <input id="digest-date" type="date" value={date} onInput={(e: Event) => setDate((e.target as HTMLInputElement).value)} />
        </div>
        <button type="submit" class="btn btn-primary" disabled={busy} data-testid="make-digest">
          {busy ? 'Making…' : 'Make digest'}
        </button>
      </form>
      <InlineError message={error} />
    </section>
  );
}

function DigestDetail(props: { projectId: string; digestId: string }) {
  const param = { param: { projectId: props.projectId, digestId: props.digestId } };
  // Without `format` the answer is the JSON view (the route also declares its Markdown download).
  const digest = useResource(async () => (await unwrap(projectsApi[':projectId'].digests[':digestId'].$get({ ...param, query: {} }))) as DigestView, [props.digestId]);
  const deliveries = useResource(() => unwrap(projectsApi[':projectId'].digests[':digestId'].deliveries.$get(param)), [props.digestId]);
  const download = async () => {
    try {
      await saveResponse(await authFetch(`/api/projects/${encodeURIComponent(props.projectId)}/digests/${encodeURIComponent(props.digestId)}?format=markdown`), 'spark-digest.md');
    } catch (err) {
      reportError(err, 'Download failed');
    }
  };
  const d = digest.data;
  return (
    <div class="integ-deliveries digest-detail" data-testid="digest-detail">
      <InlineError message={digest.error} />
      {digest.loading && !d ? <Spinner label="Loading the digest" /> : null}
      {d ? (
        <>
          <div class="row-actions">
            <Badge tone={highlightTone(d.highlights.status)} data-testid="highlights-status" title={d.highlights.reason ?? undefined}>
              highlights {d.highlights.status.replace('_', ' ')}
            </Badge>
            <button type="button" class="btn btn-small" onClick={download} data-testid="download-digest">
              Download Markdown
            </button>
            <CopyButton text={d.markdown} label="Copy Markdown" />
          </div>
          <pre class="digest-md" data-testid="digest-markdown">
            {d.markdown}
          </pre>
        </>
      ) : null}
      {deliveries.data && deliveries.data.items.length > 0 ? (
        <>
          <h3 class="small">Sent to</h3>
          <ul class="list" data-testid="digest-deliveries">
            {deliveries.data.items.map((x) => (
              <li class="list-row" data-testid="digest-delivery" data-status={x.status}>
                <div class="list-main">
                  <span>
                    <Badge tone={deliveryTone(x.status)}>{x.status}</Badge> <code class="small integ-url">{x.url}</code>
                  </span>
                  <span class="muted small">
                    {x.attempts.map((a) => `#${a.attempt} ${a.status_code ?? a.error ?? 'no answer'} at ${formatDateTime(a.at)}`).join(' · ') || 'not tried yet'}
                    {x.next_attempt_at ? ` · next try ${formatDateTime(x.next_attempt_at)}` : ''}
                  </span>
                </div>
              </li>
            ))}
          </ul>
        </>
      ) : null}
    </div>
  );
}

function OutgoingWebhooks(props: { projectId: string }) {
  const param = { param: { projectId: props.projectId } };
  const hooks = useResource(() => unwrap(projectsApi[':projectId']['outgoing-webhooks'].$get(param)), [props.projectId]);
  const [url, setUrl] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [secret, setSecret] = useState<{ url: string; secret: string } | null>(null);
  const add = async (e: Event) => {
    e.preventDefault();
    if (busy) return;
    if (!url.trim()) return setError('Give the receiver’s URL.');
    setBusy(true);
    setError(null);
    try {
      const made = await unwrap(projectsApi[':projectId']['outgoing-webhooks'].$post({ ...param, json: { url: url.trim() } }));
      setSecret({ url: made.url, secret: made.secret });
      setUrl('');
      await hooks.reload();
    } catch (err) {
      setError(errorMessage(err));
    } finally {
      setBusy(false);
    }
  };
  const remove = async (id: string) => {
    try {
      await unwrap(projectsApi[':projectId']['outgoing-webhooks'][':webhookId'].$delete({ param: { projectId: props.projectId, webhookId: id } }));
      toastOk('Receiver removed.');
      await hooks.reload();
    } catch (err) {
      reportError(err);
    }
  };
  const items = hooks.data?.items ?? [];
  return (
    <section class="card integ-section" aria-labelledby="outgoing-title" data-testid="outgoing-webhooks-panel">
      <h2 id="outgoing-title">Send digests to</h2>
      <p class="muted small">Each new digest is POSTed as JSON, signed with Standard Webhooks (webhook-id, webhook-timestamp, webhook-signature), and retried with backoff until the receiver answers 2xx.</p>
      <form class="integ-form" onSubmit={add} data-testid="new-outgoing-webhook-form">
        <div>
          <label for="outgoing-url">Receiver URL</label>
          <input id="outgoing-url" type="url" inputMode="url" placeholder="https://example.com/spark-digests" value={url} onInput={(e: Event) => setUrl((e.target as HTMLInputElement).value)} />
        </div>
        <button type="submit" class="btn btn-primary" disabled={busy} data-testid="add-outgoing-webhook">
          {busy ? 'Adding…' : 'Add receiver'}
        </button>
      </form>
      <InlineError message={error} />
      {secret ? (
        <div class="integ-reveal" role="status" data-testid="outgoing-secret">
          <p>
            <strong>Copy the signing secret now:</strong> Spark shows it only this once. The receiver verifies each digest with it.
          </p>
          <span class="integ-copy">
            <code>{secret.secret}</code>
            <CopyButton text={secret.secret} label="Copy secret" />
          </span>
          <button type="button" class="btn btn-small" onClick={() => setSecret(null)}>
            I have copied it
          </button>
        </div>
      ) : null}
      {hooks.loading && !hooks.data ? <Spinner label="Loading receivers" /> : null}
      <InlineError message={hooks.error} />
      {hooks.data && items.length === 0 ? <EmptyState>No receivers yet.</EmptyState> : null}
      <ul class="list" data-testid="outgoing-webhook-list">
        {items.map((h) => (
          <li class="list-row" data-testid="outgoing-webhook-row">
            <div class="list-main">
              <code class="small integ-url">{h.url}</code>
              <span class="muted small">
                added <TimeAgo at={h.created_at} />
              </span>
            </div>
            <button type="button" class="btn btn-ghost btn-small" onClick={() => remove(h.id)}>
              Remove
            </button>
          </li>
        ))}
      </ul>
    </section>
  );
}
