/** @jsxImportSource hono/jsx/dom */
import type { OpView } from '../../../contracts/ws';
import { formatMs, opLabel } from '../lib/format';
import { explainOpError, explainWait } from '../lib/explain';
import { opPhase, opStatusText, recentOps, type LiveState } from '../lib/live-state';
import { useNow } from '../lib/hooks';
import { resultFacts } from '../lib/scripts';
import { EmptyState, ErrorNote, Panel, ProgressBar, TimeAgo } from '../components/ui';

const ICON = { pending: '◷', running: '', success: '✓', failure: '✕' } as const;
const PHASE_LABEL = { pending: 'Waiting', running: 'In progress', success: 'Succeeded', failure: 'Failed' } as const;

export function ProgressPanel(props: { live: LiveState; labels: Readonly<Record<string, string>>; agentCommand?: string }) {
  const ops = recentOps(props.live, 10);
  const anyActive = ops.some((o) => opPhase(o.state) === 'pending' || opPhase(o.state) === 'running');
  const now = useNow(1000, anyActive);
  const counts = { active: 0, success: 0, failure: 0 };
  for (const o of ops) {
    const p = opPhase(o.state);
    if (p === 'success') counts.success++;
    else if (p === 'failure') counts.failure++;
    else counts.active++;
  }
  return (
    <Panel
      id="progress"
      title="Activity"
      data-testid="progress-panel"
      actions={
        ops.length ? (
          <span class="muted small" data-testid="progress-summary">
            {counts.active} in progress · {counts.success} ok · {counts.failure} failed
          </span>
        ) : undefined
      }
    >
      {ops.length === 0 ? (
        <EmptyState data-testid="progress-empty">No operations yet. Apply a preset, request a preview or start a build — each step shows up here.</EmptyState>
      ) : (
        <ol class="ops" aria-label="Last 10 operations, newest first">
          {ops.map((op) => (
            <OpRow key={op.callId} op={op} now={now} what={props.labels[op.callId]} online={props.live.online} agentCommand={props.agentCommand} />
          ))}
        </ol>
      )}
    </Panel>
  );
}

function OpRow(props: { op: OpView; now: number; what: string | undefined; online: boolean; agentCommand?: string }) {
  const { op } = props;
  const phase = opPhase(op.state);
  // What this tab knows it sent, else the room's summary (a reload, another tab).
  const what = props.what ?? op.summary;
  const waited = phase === 'pending' || phase === 'running' ? Math.max(0, props.now - op.queuedAt) : null;
  return (
    <li class={`op op-${phase}`} data-testid="op-row" data-op={op.op} data-state={op.state} data-call-id={op.callId}>
      <span class={`op-icon op-icon-${phase}`} aria-hidden="true">
        {phase === 'running' ? <span class="spinner spinner-small" /> : ICON[phase]}
      </span>
      <div class="op-body">
        <div class="op-line">
          <strong>{opLabel(op.op)}</strong>
          <span class="sr-only">{PHASE_LABEL[phase]}</span>
          <span class="op-time muted small">
            <TimeAgo at={op.queuedAt} />
          </span>
        </div>
        {what ? (
          <div class="op-what" data-testid="op-what">
            {what}
          </div>
        ) : null}
        {phase === 'failure' ? (
          <ErrorNote {...explainOpError(op, props.agentCommand)} data-testid="op-error" />
        ) : phase !== 'success' ? (
          <div class="op-status small muted" data-testid="op-status">
            {explainWait(op, props.online) ?? opStatusText(op)}
          </div>
        ) : null}
        {phase === 'success' && RESULT_OPS.includes(op.op) && op.result !== undefined ? <ResultFacts result={op.result} /> : null}
        {phase === 'running' ? <ProgressBar value={op.progress ?? null} label={`${opLabel(op.op)} progress`} /> : null}
        <div class="op-timings small muted" data-testid="op-timings">
          {waited !== null ? <span>{phase === 'pending' ? 'waiting' : 'running'} {formatMs(waited)}</span> : null}
          {op.latencyMs !== undefined ? (
            <span title="Wall time in the agent">
              total <b>{formatMs(op.latencyMs)}</b>
            </span>
          ) : null}
          {op.mcpMs !== undefined ? (
            <span title="Time spent inside Unity (the MCP server)">
              Unity <b>{formatMs(op.mcpMs)}</b>
            </span>
          ) : null}
        </div>
      </div>
    </li>
  );
}

/** Operations whose result is worth reading (what Unity found in an asset). */
const RESULT_OPS = ['ingest_asset', 'deconstruct_asset'];

function ResultFacts(props: { result: unknown }) {
  const facts = resultFacts(props.result);
  return (
    <div class="op-result" data-testid="op-result">
      {facts.length ? (
        <dl class="kv small">
          {facts.map((f) => (
            <>
              <dt>{f.label}</dt>
              <dd>{f.value}</dd>
            </>
          ))}
        </dl>
      ) : (
        <span class="small muted">Unity returned nothing to show.</span>
      )}
      <details class="error-detail">
        <summary>Raw result</summary>
        <code>{JSON.stringify(props.result, null, 2)}</code>
      </details>
    </div>
  );
}
