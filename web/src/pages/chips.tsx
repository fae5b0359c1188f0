/** @jsxImportSource hono/jsx/dom */
// A project's Chips (issue 11): the stored chip versions, a form to store one from pasted or
// uploaded YAML (the API's error, which names the line and field, shown as it comes), an
// evaluation of a version over the stored events, and two evaluations side by side.
import { useState } from 'hono/jsx/dom';
import type { ChipEvaluationView, ChipLabels, ChipView } from '../../../contracts/chips';
import { errorMessage, projectsApi, unwrap } from '../lib/api';
import { compareReports, formatDelta, formatMetric, localToEpochSeconds } from '../lib/chips';
import { formatDateTime } from '../lib/format';
import { useResource, useTitle } from '../lib/hooks';
import { toastOk } from '../lib/toast';
import { EmptyState, InlineError, ProjectCrumbs, Spinner, TimeAgo } from '../components/ui';

type Evaluation = ChipEvaluationView & { version: ChipView };

const versionLabel = (c: { chip_id: string; version: string }) => `${c.chip_id} ${c.version}`;
const evaluationLabel = (e: Evaluation) => `${versionLabel(e.version)} · ${formatDateTime(e.started_at)}`;

export function ChipsPage(props: { projectId: string }) {
  const param = { param: { projectId: props.projectId } };
  const project = useResource(() => unwrap(projectsApi[':projectId'].$get(param)), [props.projectId]);
  // Every version with its evaluations (one list call per version), newest evaluation first.
  const chips = useResource(async () => {
    const versions = (await unwrap(projectsApi[':projectId'].chips.$get(param))).items as ChipView[];
    const lists = await Promise.all(
      versions.map(async (v) => {
        const got = await unwrap(projectsApi[':projectId'].chips[':chipId'].evaluations.$get({ param: { projectId: props.projectId, chipId: v.id } }));
        return (got.items as ChipEvaluationView[]).map((e) => ({ ...e, version: v }));
      }),
    );
    const evaluations = lists.flat().sort((x, y) => y.started_at.localeCompare(x.started_at));
    return { versions, evaluations };
  }, [props.projectId]);
  useTitle(project.data ? `Chips · ${project.data.name}` : 'Chips');
  const versions = chips.data?.versions ?? [];
  const evaluations = chips.data?.evaluations ?? [];
  return (
    <main id="main" class="page page-wide">
      <ProjectCrumbs projectId={props.projectId} projectName={project.data?.name} page="Chips" />
      <div class="page-head">
        <h1>Chips</h1>
        <p class="muted">Chips watch the event log for patterns, capture fields and score outcomes. Replay the stored events through a version to see how it does, and compare versions side by side.</p>
      </div>
      <InlineError message={project.error} />
      <StoreChip projectId={props.projectId} onStored={() => void chips.reload()} />
      <section class="card integ-section" aria-labelledby="chip-versions-title" data-testid="chip-versions-panel">
        <h2 id="chip-versions-title">Versions</h2>
        {chips.loading && !chips.data ? <Spinner label="Loading chips" /> : null}
        <InlineError message={chips.error} />
        {chips.data && versions.length === 0 ? <EmptyState data-testid="chips-empty">No chips yet. Store one above.</EmptyState> : null}
        <ul class="list" data-testid="chip-version-list">
          {versions.map((v) => (
            <ChipVersionRow projectId={props.projectId} version={v} onEvaluated={() => void chips.reload()} />
          ))}
        </ul>
      </section>
      <section class="card integ-section" aria-labelledby="chip-evaluations-title" data-testid="chip-evaluations-panel">
        <h2 id="chip-evaluations-title">Evaluations</h2>
        {chips.data && evaluations.length === 0 ? <EmptyState data-testid="evaluations-empty">No evaluations yet. Evaluate a version above.</EmptyState> : null}
        <ul class="list" data-testid="chip-evaluation-list">
          {evaluations.map((e) => (
            <li class="list-row" data-testid="chip-evaluation-row" data-evaluation-id={e.id}>
              <div class="list-main">
                <strong>{versionLabel(e.version)}</strong>
                <span class="muted small">
                  {e.report ? `${e.report.events_replayed} events replayed, ${e.report.triggered} triggered` : e.status} · <TimeAgo at={e.started_at} />
                  {windowText(e.params)}
                </span>
              </div>
            </li>
          ))}
        </ul>
      </section>
      {evaluations.length >= 2 ? <Comparison evaluations={evaluations} /> : null}
    </main>
  );
}

function windowText(params: unknown): string {
  const p = (params ?? {}) as { since?: number; until?: number; session_id?: string; labels?: unknown };
  const parts = [
    p.since !== undefined ? `from ${formatDateTime(p.since * 1000)}` : '',
    p.until !== undefined ? `until ${formatDateTime(p.until * 1000)}` : '',
    p.session_id ? `session ${p.session_id}` : '',
    p.labels ? 'labelled' : 'unlabelled',
  ].filter(Boolean);
  return ` · ${parts.join(', ')}`;
}

function StoreChip(props: { projectId: string; onStored: () => void }) {
  const [yaml, setYaml] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const upload = async (e: Event) => {
    const file = (e.target as HTMLInputElement).files?.[0];
    if (file) setYaml(await file.text());
  };
  const store = async (e: Event) => {
    e.preventDefault();
    if (busy) return;
    if (!yaml.trim()) return setError('Paste or upload the chip’s YAML.');
    setBusy(true);
    setError(null);
    try {
      const c = await unwrap(projectsApi[':projectId'].chips.$post({ param: { projectId: props.projectId }, json: { yaml } }));
      toastOk(`Stored ${versionLabel(c)}.`);
      setYaml('');
      props.onStored();
    } catch (err) {
      setError(errorMessage(err));
    } finally {
      setBusy(false);
    }
  };
  return (
    <section class="card integ-section" aria-labelledby="store-chip-title">
      <h2 id="store-chip-title">Store a chip version</h2>
      <form class="integ-form chip-store-form" onSubmit={store} data-testid="store-chip-form">
        <div>
          <label for="chip-yaml">Chip YAML</label>
          <textarea
            id="chip-yaml"
            class="chip-yaml"
            rows={10}
            spellcheck={false}
            placeholder={'chip: { id: my_chip, name: My chip, version: 1.0.0 }\ntriggers: …'}
            value={yaml}
            aria-invalid={error ? 'true' : undefined}
            aria-describedby={error ? 'chip-yaml-error' : undefined}
            onInput={(e: Event) => setYaml((e.target as HTMLTextAreaElement).value)}
          />
        </div>
        <div>
          <label for="chip-file">or upload a .yaml file</label>
          <input id="chip-file" type="file" accept=".yaml,.yml,application/yaml,text/yaml" onChange={upload} />
        </div>
        <button type="submit" class="btn btn-primary" disabled={busy} data-testid="store-chip">
          {busy ? 'Storing…' : 'Store chip'}
        </button>
      </form>
      <InlineError message={error} id="chip-yaml-error" data-testid="store-chip-error" />
    </section>
  );
}

function ChipVersionRow(props: { projectId: string; version: ChipView; onEvaluated: () => void }) {
  const v = props.version;
  const [open, setOpen] = useState(false);
  return (
    <li class="integ-hook" data-testid="chip-version-row" data-chip-key={v.chip_id} data-version={v.version}>
      <div class="list-row">
        <div class="list-main">
          <strong>
            {v.name} · {v.version}
          </strong>
          <span class="muted small">
            <code>{v.chip_id}</code> · stored <TimeAgo at={v.created_at} />
          </span>
        </div>
        <button type="button" class="btn btn-small" aria-expanded={open} onClick={() => setOpen(!open)} data-testid="toggle-evaluate">
          {open ? 'Close' : 'Evaluate'}
        </button>
      </div>
      {open ? (
        <EvaluateForm
          projectId={props.projectId}
          version={v}
          onDone={() => {
            setOpen(false);
            props.onEvaluated();
          }}
        />
      ) : null}
    </li>
  );
}

function EvaluateForm(props: { projectId: string; version: ChipView; onDone: () => void }) {
  const idp = `eval-${props.version.id}`;
  const [since, setSince] = useState('');
  const [until, setUntil] = useState('');
  const [session, setSession] = useState('');
  const [labels, setLabels] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const run = async (e: Event) => {
    e.preventDefault();
    if (busy) return;
    let parsed: ChipLabels | undefined;
    if (labels.trim()) {
      try {
        parsed = JSON.parse(labels) as ChipLabels;
      } catch (err) {
        return setError(`Labels are not JSON: ${errorMessage(err)}`);
      }
    }
    const body = {
      ...(localToEpochSeconds(since) !== undefined ? { since: localToEpochSeconds(since) } : {}),
      ...(localToEpochSeconds(until) !== undefined ? { until: localToEpochSeconds(until) } : {}),
      ...(session.trim() ? { session_id: session.trim() } : {}),
      ...(parsed ? { labels: parsed } : {}),
    };
    setBusy(true);
    setError(null);
    try {
      const r = await unwrap(projectsApi[':projectId'].chips[':chipId'].evaluations.$post({ param: { projectId: props.projectId, chipId: props.version.id }, json: body }));
      toastOk(`Evaluated ${versionLabel(props.version)} over ${r.report?.events_replayed ?? 0} events.`);
      props.onDone();
    } catch (err) {
      setError(errorMessage(err));
    } finally {
      setBusy(false);
    }
  };
  return (
    <form class="integ-deliveries chip-eval-form" onSubmit={run} data-testid="evaluate-form">
      <div class="chip-eval-window">
        <div>
          <label for={`${idp}-since`}>Since (optional)</label>
          <input id={`${idp}-since`} type="datetime-local" step={1} value={since} onInput={(e: Event) => setSince((e.target as HTMLInputElement).value)} />
        </div>
        <div>
          <label for={`${idp}-until`}>Until (optional)</label>
          <input id={`${idp}-until`} type="datetime-local" step={1} value={until} onInput={(e: Event) => setUntil((e.target as HTMLInputElement).value)} />
        </div>
      </div>
      <label for={`${idp}-session`}>Session id (optional)</label>
      <input id={`${idp}-session`} value={session} onInput={(e: Event) => setSession((e.target as HTMLInputElement).value)} />
      <label for={`${idp}-labels`}>Labels (optional JSON)</label>
      <p class="hint">Event id → the observers that should fire on it, e.g. {'{"<event id>": ["playtest_feedback"]}'}. Without labels there is no precision or recall.</p>
      <textarea id={`${idp}-labels`} class="chip-yaml" rows={4} spellcheck={false} value={labels} onInput={(e: Event) => setLabels((e.target as HTMLTextAreaElement).value)} />
      <button type="submit" class="btn btn-primary" disabled={busy} data-testid="run-evaluation">
        {busy ? 'Evaluating…' : 'Evaluate'}
      </button>
      <InlineError message={error} data-testid="evaluate-error" />
    </form>
  );
}

function Comparison(props: { evaluations: Evaluation[] }) {
  const all = props.evaluations;
  // Default: the second newest against the newest.
  const [aId, setA] = useState<string>(all[1]!.id);
  const [bId, setB] = useState<string>(all[0]!.id);
  const a = all.find((e) => e.id === aId) ?? all[1]!;
  const b = all.find((e) => e.id === bId) ?? all[0]!;
  const rows = a.report && b.report ? compareReports(a.report, b.report) : [];
  const pick = (id: string, value: string, set: (v: string) => void) => (
    <select id={id} value={value} onChange={(e: Event) => set((e.target as HTMLSelectElement).value)}>
      {all.map((e) => (
        <option value={e.id} selected={e.id === value}>
          {evaluationLabel(e)}
        </option>
      ))}
    </select>
  );
  let group = '';
  return (
    <section class="card integ-section" aria-labelledby="compare-title" data-testid="chip-compare-panel">
      <h2 id="compare-title">Side by side</h2>
      <div class="chip-eval-window">
        <div>
          <label for="compare-a">A</label>
          {pick('compare-a', a.id, setA)}
        </div>
        <div>
          <label for="compare-b">B</label>
          {pick('compare-b', b.id, setB)}
        </div>
      </div>
      {rows.length === 0 ? <EmptyState>One of these evaluations has no report.</EmptyState> : null}
      {rows.length > 0 ? (
        <div class="table-scroll chip-compare-box">
          <table class="dash-table chip-compare" data-testid="chip-compare">
            <caption class="muted small">
              A: {versionLabel(a.version)} · B: {versionLabel(b.version)} · Δ = B − A
            </caption>
            <thead>
              <tr>
                <th scope="col">Metric</th>
                <th scope="col">A</th>
                <th scope="col">B</th>
                <th scope="col">Δ</th>
              </tr>
            </thead>
            <tbody>
              {rows.flatMap((r) => {
                const head =
                  r.group !== group ? (
                    <tr class="chip-compare-group">
                      <th scope="colgroup" colSpan={4}>
                        {r.group}
                      </th>
                    </tr>
                  ) : null;
                group = r.group;
                const changed = r.delta !== null && r.delta !== 0;
                const line = (
                  <tr class={changed ? 'chip-diff' : undefined} data-testid="compare-row" data-group={r.group} data-metric={r.metric} data-changed={changed ? 'yes' : 'no'}>
                    <th scope="row">{r.metric}</th>
                    <td data-side="a" data-value={r.a ?? ''}>
                      {formatMetric(r.a, r.kind)}
                    </td>
                    <td data-side="b" data-value={r.b ?? ''}>
                      {formatMetric(r.b, r.kind)}
                    </td>
                    <td data-side="delta" data-value={r.delta ?? ''}>
                      {formatDelta(r.delta, r.kind)}
                    </td>
                  </tr>
                );
                return head ? [head, line] : [line];
              })}
            </tbody>
          </table>
        </div>
      ) : null}
    </section>
  );
}
