/** @jsxImportSource hono/jsx/dom */
import { useEffect, useRef, useState } from 'hono/jsx/dom';
import { errorMessage, projectsApi, unwrap, type SessionParam } from '../lib/api';
import { activeBuild, buildActivityText, buildStatusLabel, isBuildDone, mergeBuilds, type BuildRow } from '../lib/builds';
import { formatBytes, formatMs, formatPercent } from '../lib/format';
import { useInterval, useResource } from '../lib/hooks';
import { isTerminal, type LiveState } from '../lib/live-state';
import { formatOption, type Preset } from '../lib/presets';
import { BUILD_TARGETS, isBuildTarget, TARGET_LABELS, targetLabel } from '../lib/targets';
import type { SendOp } from '../pages/session';
import { Badge, EmptyState, InlineError, Panel, ProgressBar, TimeAgo, type Tone } from '../components/ui';

const statusTone = (r: BuildRow): Tone => (r.status === 'completed' ? 'ok' : r.status === 'failed' || r.status === 'timeout' ? 'err' : 'info');

export function BuildPanel(props: {
  live: LiveState;
  sendOp: SendOp;
  sp: SessionParam;
  presets: Preset[] | undefined;
  presetId: string;
  onPresetChange: (id: string) => void;
}) {
  const { live, presets } = props;
  const preset = presets?.find((p) => p.id === props.presetId);
  const [target, setTarget] = useState<string>('WebGL');
  const [development, setDevelopment] = useState(false);
  const [sending, setSending] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const targets = useRef<Record<string, string>>({});
  const jobs = useResource(() => unwrap(projectsApi[':projectId'].sessions[':sessionId'].builds.$get(props.sp)), [props.sp.param.sessionId]);

  // Choosing a preset takes its target and development flag. Its player settings are applied
  // inside Unity by the preset's own Editor script, not sent with the build: Unity's build tool
  // takes only its own flags, and the agent refuses options it cannot pass on.
  useEffect(() => {
    if (!preset) return;
    if (isBuildTarget(preset.build.target)) setTarget(preset.build.target);
    setDevelopment(preset.build.development ?? false);
  }, [preset?.id]);

  const buildOps = Object.values(live.ops).filter((o) => o.op === 'run_build');
  const rows = mergeBuilds(jobs.data?.items ?? [], buildOps, targets.current);
  const active = activeBuild(rows);

  // Keep the job list fresh while a build runs, and once more when one finishes.
  useInterval(() => void jobs.reload(), 3000, active !== undefined);
  const finished = buildOps.filter((o) => isTerminal(o.state)).length;
  useEffect(() => {
    if (finished > 0) void jobs.reload();
  }, [finished]);

  const start = async () => {
    if (!isBuildTarget(target)) return;
    setSending(true);
    setError(null);
    try {
      const callId = await props.sendOp({ op: 'run_build', target, development });
      targets.current = { ...targets.current, [callId]: target };
    } catch (err) {
      setError(errorMessage(err));
    } finally {
      setSending(false);
    }
  };

  const options = preset ? Object.entries(preset.applySettings.values) : [];
  return (
    <Panel id="build" title="Build" data-testid="build-panel">
      <div class="form-grid">
        <div>
          <label for="build-preset">Settings from</label>
          <select id="build-preset" data-testid="build-preset" value={props.presetId} onChange={(e: Event) => props.onPresetChange((e.target as HTMLSelectElement).value)}>
            <option value="">No preset</option>
            {(presets ?? []).map((p) => (
              <option value={p.id} selected={p.id === props.presetId}>
                {p.name}
              </option>
            ))}
          </select>
        </div>
        <div>
          <label for="build-target">Target</label>
          <select id="build-target" data-testid="build-target" value={target} onChange={(e: Event) => setTarget((e.target as HTMLSelectElement).value)}>
            {BUILD_TARGETS.map((t) => (
              <option value={t} selected={t === target}>
                {TARGET_LABELS[t]}
              </option>
            ))}
          </select>
        </div>
        <label class="check">
          <input type="checkbox" checked={development} data-testid="build-development" onChange={(e: Event) => setDevelopment((e.target as HTMLInputElement).checked)} />
          Development build
        </label>
      </div>
      {preset ? (
        <div class="preset-options" data-testid="build-options">
          <span class="small muted">Settings that “{preset.name}” applies in the editor (Tools › Spark):</span>
          {options.length ? (
            <ul class="chips">
              {options.map(([k, v]) => (
                <li class="chip">
                  <code>
                    {k} = {formatOption(v)}
                  </code>
                </li>
              ))}
            </ul>
          ) : (
            <span class="small muted"> none</span>
          )}
        </div>
      ) : null}
      <div class="row-actions">
        <button type="button" class="btn btn-primary" onClick={start} disabled={sending || active !== undefined} data-testid="start-build">
          {sending ? 'Starting…' : active ? 'Build in progress…' : `Build for ${targetLabel(target)}`}
        </button>
      </div>
      <InlineError message={error} data-testid="build-error-message" />
      {active ? (
        <div class="build-active" data-testid="build-active" data-status={active.status}>
          <div class="op-line">
            <strong>
              {buildStatusLabel(active.status)} · {targetLabel(active.target)}
            </strong>
            <span class="small muted">{formatPercent(knownProgress(active))}</span>
          </div>
          <ProgressBar value={knownProgress(active)} label="Build progress" data-testid="build-progress" />
          <div class="small muted" data-testid="build-activity">
            {buildActivityText(active, live.online)}
          </div>
        </div>
      ) : null}
      <h3 class="subhead">History</h3>
      <InlineError message={jobs.error} />
      {rows.length === 0 && jobs.data ? <EmptyState data-testid="builds-empty">No builds in this session yet.</EmptyState> : null}
      <ul class="list builds" data-testid="build-list">
        {rows.map((r) => (
          <li key={r.key} class="list-row build-row" data-testid="build-row" data-status={r.status} data-call-id={r.callId ?? ''}>
            <div class="list-main">
              <span>
                <Badge tone={statusTone(r)}>{buildStatusLabel(r.status)}</Badge> <strong>{targetLabel(r.target)}</strong>
              </span>
              <span class="small muted">
                <TimeAgo at={r.createdAt} />
                {r.durationMs !== null && isBuildDone(r.status) ? ` · took ${formatMs(r.durationMs)}` : ''}
                {r.artifactBytes !== null ? ` · ${formatBytes(r.artifactBytes)}` : ''}
                {!isBuildDone(r.status) && r.progress !== null ? ` · ${formatPercent(r.progress)}` : ''}
              </span>
              {r.error ? (
                <span class="small text-err" data-testid="build-error">
                  {r.error}
                </span>
              ) : null}
            </div>
          </li>
        ))}
      </ul>
    </Panel>
  );
}

/**
 * The share of the build that is done, when anyone knows it. Unity's build status says "building"
 * without a percentage, so a running build shows an indeterminate bar rather than a false 0%.
 */
function knownProgress(b: { status: string; progress: number | null }): number | null {
  if (b.status === 'completed') return 1;
  if (b.status === 'queued' || b.progress === null || b.progress <= 0) return null;
  return b.progress;
}
