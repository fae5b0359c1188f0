/** @jsxImportSource hono/jsx/dom */
import { useState } from 'hono/jsx/dom';
import { errorMessage } from '../lib/api';
import { explainOpError } from '../lib/explain';
import { formatMs } from '../lib/format';
import { isTerminal, type LiveState } from '../lib/live-state';
import { applyRows, applySummary, formatOption, presetOps, type Preset, type ScriptSend } from '../lib/presets';
import { targetLabel } from '../lib/targets';
import type { SendOp } from '../pages/session';
import { Badge, ErrorNote, InlineError, Panel, PathText, ProgressBar, Spinner } from '../components/ui';

const PHASE_ICON = { waiting: '·', sending: '…', pending: '◷', running: '', success: '✓', failure: '✕' } as const;

export function PresetsPanel(props: {
  live: LiveState;
  sendOp: SendOp;
  presets: Preset[] | undefined;
  error: string | null;
  onUseForBuild: (id: string) => void;
}) {
  const { presets } = props;
  const [selectedId, setSelectedId] = useState<string | null>(null);
  const [sends, setSends] = useState<Record<string, Record<string, ScriptSend>>>({});
  const [applying, setApplying] = useState<string | null>(null);
  /** Per preset: the run_menu_item that applies its settings inside Unity (or why it was refused). */
  const [settingsRuns, setSettingsRuns] = useState<Record<string, SettingsRun>>({});
  const selected = presets?.find((p) => p.id === selectedId) ?? presets?.[0];
  // An apply runs until its last file is written or failed, not only while its POSTs go out.
  const inFlight = (presets ?? []).some((p) => sends[p.id] && !applySummary(applyRows(p, sends[p.id]!, props.live.ops)).finished);

  const apply = async (preset: Preset) => {
    setApplying(preset.id);
    let mine: Record<string, ScriptSend> = {};
    const put = (path: string, s: ScriptSend) => {
      mine = { ...mine, [path]: s };
      setSends((all) => ({ ...all, [preset.id]: mine }));
    };
    setSends((all) => ({ ...all, [preset.id]: {} }));
    // One operation per script, in order; a refused one does not stop the others.
    for (const op of presetOps(preset)) {
      put(op.path, { status: 'sending' });
      try {
        put(op.path, { status: 'sent', callId: await props.sendOp(op) });
      } catch (err) {
        put(op.path, { status: 'rejected', message: errorMessage(err) });
      }
    }
    setApplying(null);
  };

  const applySettings = async (preset: Preset) => {
    const menuPath = preset.applySettings.menuItem;
    setSettingsRuns((all) => ({ ...all, [preset.id]: { status: 'sending' } }));
    try {
      const callId = await props.sendOp({ op: 'run_menu_item', menuPath });
      setSettingsRuns((all) => ({ ...all, [preset.id]: { status: 'sent', callId } }));
    } catch (err) {
      setSettingsRuns((all) => ({ ...all, [preset.id]: { status: 'rejected', message: errorMessage(err) } }));
    }
  };

  return (
    <Panel id="presets" title="Presets" data-testid="presets-panel">
      {!presets && !props.error ? <Spinner label="Loading presets" /> : null}
      <InlineError message={props.error} />
      {presets && presets.length === 0 ? <p class="muted">No presets are available.</p> : null}
      {presets && presets.length > 0 ? (
        <>
          <div class="preset-tabs" role="tablist" aria-label="Presets">
            {presets.map((p) => (
              <button
                type="button"
                role="tab"
                id={`preset-tab-${p.id}`}
                aria-selected={p.id === selected?.id ? 'true' : 'false'}
                aria-controls="preset-detail"
                class={`preset-tab ${p.id === selected?.id ? 'is-selected' : ''}`}
                data-testid={`preset-${p.id}`}
                onClick={() => setSelectedId(p.id)}
              >
                <strong>{p.name}</strong>
                <span class="small muted">{p.genre}</span>
              </button>
            ))}
          </div>
          {selected ? (
            <PresetDetail
              preset={selected}
              live={props.live}
              sends={sends[selected.id]}
              applying={applying}
              inFlight={inFlight}
              settingsRun={settingsRuns[selected.id]}
              onApply={() => apply(selected)}
              onApplySettings={() => applySettings(selected)}
              onUseForBuild={() => props.onUseForBuild(selected.id)}
            />
          ) : null}
        </>
      ) : null}
    </Panel>
  );
}

function PresetDetail(props: {
  preset: Preset;
  live: LiveState;
  sends: Record<string, ScriptSend> | undefined;
  applying: string | null;
  /** Some apply still has files to write. */
  inFlight: boolean;
  settingsRun: SettingsRun | undefined;
  onApply: () => void;
  onApplySettings: () => void;
  onUseForBuild: () => void;
}) {
  const { preset } = props;
  const rows = props.sends ? applyRows(preset, props.sends, props.live.ops) : null;
  const summary = rows ? applySummary(rows) : null;
  const busy = props.applying !== null || props.inFlight;
  const options = Object.entries(preset.applySettings.values);
  return (
    <div id="preset-detail" role="tabpanel" aria-labelledby={`preset-tab-${preset.id}`} class="preset-detail" data-testid="preset-detail" data-preset-id={preset.id}>
      <p>{preset.description}</p>
      <div class="row-actions">
        <button type="button" class="btn btn-primary" onClick={props.onApply} disabled={busy} data-testid="apply-preset">
          {busy ? 'Applying…' : `Apply “${preset.name}”`}
        </button>
        <button type="button" class="btn" onClick={props.onUseForBuild} data-testid="use-preset-build">
          Use its build settings
        </button>
      </div>
      <p class="small muted">Apply writes {preset.scripts.length} scripts into Assets/ (replacing files of the same name — undo brings them back).</p>
      {rows && summary ? (
        <div class="apply-progress" data-testid="apply-progress" data-finished={summary.finished ? 'true' : 'false'}>
          <div class="op-line" role="status" aria-live="polite">
            <strong data-testid="apply-summary">
              {summary.finished ? (summary.failed ? `Applied with ${summary.failed} failed` : 'Applied') : 'Applying'} — {summary.done}/{summary.total} written
            </strong>
          </div>
          <ProgressBar value={summary.total ? (summary.done + summary.failed) / summary.total : 1} label="Preset progress" tone={summary.failed ? 'err' : undefined} />
          <ol class="apply-rows">
            {rows.map((r) => (
              <li key={r.path} class={`apply-row phase-${r.phase}`} data-testid="apply-row" data-path={r.path} data-phase={r.phase} data-call-id={r.callId ?? ''}>
                <span class={`op-icon op-icon-${r.phase === 'success' ? 'success' : r.phase === 'failure' ? 'failure' : 'pending'}`} aria-hidden="true">
                  {r.phase === 'running' || r.phase === 'sending' ? <span class="spinner spinner-small" /> : PHASE_ICON[r.phase]}
                </span>
                <PathText path={r.path} />
                <span class={`small ${r.phase === 'failure' ? 'text-err' : 'muted'}`}>
                  {r.text}
                  {r.latencyMs !== null ? ` · ${formatMs(r.latencyMs)}` : ''}
                </span>
              </li>
            ))}
          </ol>
        </div>
      ) : null}
      <details class="fold" data-testid="preset-build-details">
        <summary>
          <span class="subhead">Build settings</span>
          <span class="small muted">
            {targetLabel(preset.build.target)} · {preset.build.development ? 'development' : 'release'} · {options.length} option{options.length === 1 ? '' : 's'}
          </span>
        </summary>
        <dl class="kv" data-testid="preset-build">
          <dt>Target</dt>
          <dd>{targetLabel(preset.build.target)}</dd>
          <dt>Development</dt>
          <dd>{preset.build.development ? 'yes' : 'no'}</dd>
          {options.map(([k, v]) => (
            <>
              <dt>
                <code>{k}</code>
              </dt>
              <dd>
                <code>{formatOption(v)}</code>
              </dd>
            </>
          ))}
        </dl>
      </details>
      <SettingsInUnity preset={preset} run={props.settingsRun} live={props.live} busy={busy} onApply={props.onApplySettings} />
      {preset.settings.length ? (
        <details class="fold" data-testid="preset-settings-details">
          <summary>
            <span class="subhead">Project settings it expects</span>
            <span class="small muted">{preset.settings.length}</span>
          </summary>
          <ul class="settings" data-testid="preset-settings">
            {preset.settings.map((s) => (
              <li>{s}</li>
            ))}
          </ul>
        </details>
      ) : null}
      <h3 class="subhead">
        Scripts <Badge tone="muted">{preset.scripts.length}</Badge>
      </h3>
      <ul class="scripts">
        {preset.scripts.map((s) => (
          <li key={s.path}>
            <details class="script" data-testid="preset-script" data-path={s.path}>
              <summary>
                <PathText path={s.path} />
                <span class="small muted">{s.summary}</span>
              </summary>
              <pre class="code" tabIndex={0} aria-label={`Code of ${s.path}`} data-testid="preset-script-code">
                <code>{s.code}</code>
              </pre>
            </details>
          </li>
        ))}
      </ul>
    </div>
  );
}

type SettingsRun = { status: 'sending' } | { status: 'sent'; callId: string } | { status: 'rejected'; message: string };

/**
 * The preset's settings are applied inside Unity by its Editor script's menu item (Tools › Spark),
 * which exists once the preset's scripts have compiled: one button runs it, and its outcome shows.
 */
function SettingsInUnity(props: { preset: Preset; run: SettingsRun | undefined; live: LiveState; busy: boolean; onApply: () => void }) {
  const { run } = props;
  const op = run?.status === 'sent' ? props.live.ops[run.callId] : undefined;
  const running = run?.status === 'sending' || (run?.status === 'sent' && (!op || !isTerminal(op.state)));
  return (
    <div class="preset-settings-run" data-testid="preset-apply-settings" data-state={op?.state ?? run?.status ?? 'idle'}>
      <div class="row-actions">
        <button type="button" class="btn" onClick={props.onApply} disabled={props.busy || running} data-testid="apply-preset-settings">
          {running ? 'Applying settings…' : 'Apply its settings in Unity'}
        </button>
      </div>
      <p class="small muted">
        Runs <code>{props.preset.applySettings.menuItem.replaceAll('/', ' › ')}</code> in the Unity editor, from the preset’s Editor script (apply the preset first so it compiles).
      </p>
      {op?.state === 'succeeded' ? <p class="small text-ok" role="status">Unity applied the settings.</p> : null}
      {op && (op.state === 'failed' || op.state === 'expired') ? <ErrorNote {...explainOpError(op)} data-testid="preset-settings-error" /> : null}
      {run?.status === 'rejected' ? <InlineError message={run.message} /> : null}
    </div>
  );
}
