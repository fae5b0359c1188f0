/** @jsxImportSource hono/jsx/dom */
import { useEffect, useRef, useState } from 'hono/jsx/dom';
import type { ChangeExport } from '../../../contracts/api';
import { authFetch, projectsApi, reportError, unwrap, type SessionParam } from '../lib/api';
import { baseName, formatDateTime, shortSha } from '../lib/format';
import {
  canRollbackTo,
  describeChange,
  diffStats,
  emptyFilter,
  historyQuery,
  lastUndoable,
  lineDiff,
  readExportFile,
  TIME_RANGES,
  type ChangeItem,
  type HistoryFilter,
  type TimeRange,
} from '../lib/history';
import { useActions, useResource } from '../lib/hooks';
import { toastOk } from '../lib/toast';
import { Badge, Dialog, EmptyState, InlineError, Panel, PathText, Spinner, TimeAgo, type Tone } from '../components/ui';

const HISTORY_LIMIT = 100;
const PAGE = 15;
const opTone = (op: ChangeItem['op']): Tone => (op === 'create' ? 'ok' : op === 'delete' ? 'err' : 'info');

export function HistoryPanel(props: { sp: SessionParam; changeTick: number; onLabels: (l: Record<string, string>) => void }) {
  const sessionApi = projectsApi[':projectId'].sessions[':sessionId'];
  const [filter, setFilter] = useState<HistoryFilter>(emptyFilter());
  const [applied, setApplied] = useState<HistoryFilter>(filter);
  const { busy, error: actionError, setError: setActionError, run } = useActions();
  const [confirming, setConfirming] = useState<string | null>(null);
  const [viewing, setViewing] = useState<string | null>(null);
  const fileInput = useRef<HTMLInputElement>(null);

  // Typing in the path box filters after a short pause; the other inputs apply at once.
  useEffect(() => {
    const t = setTimeout(() => setApplied(filter), filter.path === applied.path ? 0 : 300);
    return () => clearTimeout(t);
  }, [filter.path, filter.range, filter.from, filter.to]);

  const q = historyQuery(applied, Date.now(), HISTORY_LIMIT);
  const filterError = 'error' in q ? q.error : null;
  const changes = useResource(async () => {
    if ('error' in q) return null;
    return unwrap(sessionApi.changes.$get({ ...props.sp, query: q.query }));
  }, [props.sp.param.sessionId, JSON.stringify(applied)]);

  // New changes land a moment after their operation succeeds (they travel through the event queue).
  useEffect(() => {
    if (props.changeTick === 0) return;
    setActionError(null);
    const a = setTimeout(() => void changes.reload(), 800);
    const b = setTimeout(() => void changes.reload(), 3000);
    return () => {
      clearTimeout(a);
      clearTimeout(b);
    };
  }, [props.changeTick]);

  const items: ChangeItem[] = changes.data?.items ?? [];
  const filtered = !!(applied.path.trim() || applied.range !== 'all');
  const undoTarget = lastUndoable(items);
  // Known to be empty only when the whole (unfiltered, untruncated) history is on screen.
  const nothingToUndo = !!changes.data && !filtered && items.length < HISTORY_LIMIT && !undoTarget;
  const [shown, setShown] = useState(PAGE);


  const undo = () =>
    run('undo', async () => {
      const res = await unwrap(sessionApi.changes.undo.$post(props.sp));
      props.onLabels({ [res.callId]: `undo · ${res.path}` });
      toastOk(`Undoing the last change to ${res.path}.`);
      await changes.reload();
    });

  const rollback = (c: ChangeItem) =>
    run(`rollback:${c.id}`, async () => {
      setConfirming(null);
      const res = await unwrap(sessionApi.changes.rollback.$post({ ...props.sp, json: { to: c.id } }));
      props.onLabels(Object.fromEntries(res.callIds.map((id, i) => [id, `roll back · ${res.paths[i] ?? ''}`])));
      toastOk(res.paths.length ? `Rolling back ${res.paths.length} file${res.paths.length === 1 ? '' : 's'}: ${res.paths.map(baseName).join(', ')}.` : 'Nothing changed after that point.');
      await changes.reload();
    });

  const exportJson = () =>
    run('export', async () => {
      const res = await authFetch(`/api/projects/${props.sp.param.projectId}/sessions/${props.sp.param.sessionId}/changes/export`);
      const blob = await res.blob();
      const url = URL.createObjectURL(blob);
      const a = document.createElement('a');
      a.href = url;
      a.download = `spark-history-${props.sp.param.sessionId}.json`;
      document.body.appendChild(a);
      a.click();
      a.remove();
      setTimeout(() => URL.revokeObjectURL(url), 10_000);
    });

  const importJson = (e: Event) => {
    const input = e.target as HTMLInputElement;
    const file = input.files?.[0];
    input.value = '';
    if (!file) return;
    void run('import', async () => {
      if (file.size > 110 * 1024 * 1024) throw new Error('That file is too large to be a history export.');
      const parsed = readExportFile(await file.text());
      if (!parsed.ok) throw new Error(parsed.message);
      const res = await unwrap(sessionApi.changes.import.$post({ ...props.sp, json: parsed.body as ChangeExport }));
      toastOk(`Imported ${res.imported} change${res.imported === 1 ? '' : 's'} into this session's history.`);
      await changes.reload();
    });
  };

  const set = (patch: Partial<HistoryFilter>) => setFilter({ ...filter, ...patch });

  return (
    <Panel
      id="history"
      title="Changes & undo"
      data-testid="history-panel"
      actions={
        <>
          <button type="button" class="btn btn-small" onClick={exportJson} disabled={busy === 'export'} data-testid="export-history">
            Export JSON
          </button>
          <button type="button" class="btn btn-small" onClick={() => fileInput.current?.click()} disabled={busy === 'import'} data-testid="import-history">
            {busy === 'import' ? 'Importing…' : 'Import JSON'}
          </button>
          <input ref={fileInput} type="file" accept="application/json,.json" class="sr-only" tabIndex={-1} aria-label="History file to import" data-testid="import-file" onChange={importJson} />
        </>
      }
    >
      <div class="undo-bar">
        <button type="button" class="btn btn-primary" onClick={undo} disabled={busy === 'undo' || nothingToUndo} data-testid="undo">
          {busy === 'undo' ? 'Undoing…' : '↶ Undo last change'}
        </button>
        <span class="small muted" data-testid="undo-hint">
          {undoTarget ? (
            <>
              Takes back <PathText path={undoTarget.path} /> ({describeChange(undoTarget).toLowerCase()} <TimeAgo at={undoTarget.created_at} />)
            </>
          ) : items.length || !filtered ? (
            'Nothing to undo yet.'
          ) : null}
        </span>
      </div>
      <InlineError message={actionError} data-testid="history-error" />
      <fieldset class="filters">
        <legend class="sr-only">Filter the history</legend>
        <div>
          <label for="history-path">File path contains</label>
          <input id="history-path" type="search" placeholder="e.g. Player" value={filter.path} data-testid="history-path" onInput={(e: Event) => set({ path: (e.target as HTMLInputElement).value })} />
        </div>
        <div>
          <label for="history-range">When</label>
          <select id="history-range" value={filter.range} data-testid="history-range" onChange={(e: Event) => set({ range: (e.target as HTMLSelectElement).value as TimeRange })}>
            {TIME_RANGES.map((r) => (
              <option value={r.id} selected={r.id === filter.range}>
                {r.label}
              </option>
            ))}
          </select>
        </div>
        {filter.range === 'custom' ? (
          <>
            <div>
              <label for="history-from">From</label>
              <input id="history-from" type="datetime-local" value={filter.from} data-testid="history-from" onInput={(e: Event) => set({ from: (e.target as HTMLInputElement).value })} />
            </div>
            <div>
              <label for="history-to">To</label>
              <input id="history-to" type="datetime-local" value={filter.to} data-testid="history-to" onInput={(e: Event) => set({ to: (e.target as HTMLInputElement).value })} />
            </div>
          </>
        ) : null}
      </fieldset>
      <InlineError message={filterError ?? changes.error} />
      {changes.loading && !changes.data ? <Spinner label="Loading history" /> : null}
      {changes.data && items.length === 0 ? (
        <EmptyState data-testid="history-empty">{filtered ? 'No changes match this filter.' : 'No changes yet. Scripts written in this session show up here, ready to undo.'}</EmptyState>
      ) : null}
      <ol class="changes" data-testid="change-list" aria-label="Changes, newest first">
        {items.slice(0, shown).map((c, i) => (
          <li key={c.id} class={`change ${c.reverted_at ? 'is-reverted' : ''}`} data-testid="change-row" data-change-id={c.id} data-path={c.path} data-op={c.op} data-reverted={c.reverted_at ? 'true' : 'false'}>
            <div class="change-main">
              <Badge tone={opTone(c.op)}>{describeChange(c)}</Badge>
              <PathText path={c.path} />
              <span class="small muted">
                <TimeAgo at={c.created_at} />
                {c.reverted_at ? ' · undone' : ''}
              </span>
            </div>
            <div class="change-actions">
              <button type="button" class="btn btn-small btn-ghost" onClick={() => setViewing(c.id)} aria-label={`View change to ${c.path}`} data-testid="view-change">
                View
              </button>
              {confirming === c.id ? (
                <span class="confirm" role="group" aria-label="Confirm roll back">
                  <button type="button" class="btn btn-small btn-danger" onClick={() => rollback(c)} data-testid="rollback-confirm">
                    Roll back
                  </button>
                  <button type="button" class="btn btn-small btn-ghost" onClick={() => setConfirming(null)} data-testid="rollback-cancel">
                    Cancel
                  </button>
                </span>
              ) : (
                <button
                  type="button"
                  class="btn btn-small"
                  disabled={!canRollbackTo(i, filtered) || busy?.startsWith('rollback') === true}
                  title={canRollbackTo(i, filtered) ? 'Restore every file changed after this to how it was here' : 'Nothing changed after this'}
                  aria-label={`Roll back to the change to ${c.path} at ${formatDateTime(c.created_at)}`}
                  onClick={() => setConfirming(c.id)}
                  data-testid="rollback"
                >
                  Roll back to here
                </button>
              )}
            </div>
          </li>
        ))}
      </ol>
      {items.length > shown ? (
        <div class="more">
          <button type="button" class="btn btn-small" onClick={() => setShown(shown + PAGE)} data-testid="history-more">
            Show {Math.min(PAGE, items.length - shown)} more of {items.length - shown}
          </button>
        </div>
      ) : null}
      {viewing ? <ChangeDialog sp={props.sp} changeId={viewing} onClose={() => setViewing(null)} /> : null}
    </Panel>
  );
}

function ChangeDialog(props: { sp: SessionParam; changeId: string; onClose: () => void }) {
  const change = useResource(
    () => unwrap(projectsApi[':projectId'].sessions[':sessionId'].changes[':changeId'].$get({ param: { ...props.sp.param, changeId: props.changeId } })),
    [props.changeId],
  );
  const [tab, setTab] = useState<'diff' | 'before' | 'after'>('diff');
  const c = change.data;
  const diff = c ? lineDiff(c.before_content, c.after_content) : null;
  const stats = diff ? diffStats(diff) : null;
  useEffect(() => {
    if (change.error) reportError(change.error);
  }, [change.error]);
  return (
    <Dialog title={c ? c.path : 'Change'} onClose={props.onClose} wide data-testid="change-dialog">
      {change.loading && !c ? <Spinner label="Loading the change" /> : null}
      <InlineError message={change.error} />
      {c ? (
        <>
          <p class="small muted">
            {describeChange({ op: c.op, is_revert: false })} {formatDateTime(c.created_at)} · {shortSha(c.before_sha256)} → {shortSha(c.after_sha256)}
            {c.reverted_at ? ` · undone ${formatDateTime(c.reverted_at)}` : ''}
          </p>
          <div class="tabs" role="tablist" aria-label="How to show the change">
            {(['diff', 'before', 'after'] as const).map((t) => (
              <button type="button" role="tab" aria-selected={tab === t ? 'true' : 'false'} class={`tab ${tab === t ? 'is-selected' : ''}`} onClick={() => setTab(t)} data-testid={`change-tab-${t}`}>
                {t === 'diff' ? `Changes${stats ? ` (+${stats.added} −${stats.removed})` : ''}` : t === 'before' ? 'Before' : 'After'}
              </button>
            ))}
          </div>
          {tab === 'diff' ? (
            diff ? (
              <pre class="code diff" tabIndex={0} data-testid="change-diff">
                {diff.map((l) => (
                  <span class={`diff-${l.kind}`}>
                    <span class="diff-sign" aria-hidden="true">
                      {l.kind === 'add' ? '+' : l.kind === 'del' ? '−' : ' '}
                    </span>
                    <span class="sr-only">{l.kind === 'add' ? 'added: ' : l.kind === 'del' ? 'removed: ' : ''}</span>
                    {l.text}
                    {'\n'}
                  </span>
                ))}
              </pre>
            ) : (
              <p class="muted">The two versions are too large to compare here; see Before and After.</p>
            )
          ) : (
            <Content text={tab === 'before' ? c.before_content : c.after_content} which={tab} />
          )}
        </>
      ) : null}
    </Dialog>
  );
}

function Content(props: { text: string | null; which: 'before' | 'after' }) {
  if (props.text === null)
    return <p class="muted">{props.which === 'before' ? 'The file did not exist before this change (or was too large to keep).' : 'The file was deleted by this change (or was too large to keep).'}</p>;
  return (
    <pre class="code" tabIndex={0} data-testid={`change-${props.which}`}>
      <code>{props.text}</code>
    </pre>
  );
}
