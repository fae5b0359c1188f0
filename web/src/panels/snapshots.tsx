/** @jsxImportSource hono/jsx/dom */
import { useState } from 'hono/jsx/dom';
import { projectsApi, unwrap, type SessionParam } from '../lib/api';
import { baseName } from '../lib/format';
import { useActions, useResource } from '../lib/hooks';
import { toastOk } from '../lib/toast';
import { EmptyState, InlineError, Panel, Spinner, TimeAgo } from '../components/ui';

/**
 * The session's snapshots: take one (its scripts, history and settings), and restore one — the
 * agent writes its files as operations, so their progress shows in the Progress panel and each
 * write lands in the history, undoable.
 */
export function SnapshotsPanel(props: { sp: SessionParam; onLabels: (l: Record<string, string>) => void; closed: boolean }) {
  const snapshotsApi = projectsApi[':projectId'].sessions[':sessionId'].snapshots;
  const list = useResource(() => unwrap(snapshotsApi.$get(props.sp)), [props.sp.param.sessionId]);
  const [name, setName] = useState('');
  const { busy, error, run } = useActions();
  const [confirming, setConfirming] = useState<string | null>(null);

  const take = (e: Event) => {
    e.preventDefault();
    void run('take', async () => {
      const s = await unwrap(snapshotsApi.$post({ ...props.sp, json: { name: name.trim() } }));
      setName('');
      toastOk(`Snapshot “${s.name}” keeps ${s.files.length} script${s.files.length === 1 ? '' : 's'}.`);
      await list.reload();
    });
  };

  const restore = (id: string, label: string) =>
    run(`restore:${id}`, async () => {
      setConfirming(null);
      const res = await unwrap(snapshotsApi[':snapshotId'].restore.$post({ param: { ...props.sp.param, snapshotId: id } }));
      props.onLabels(Object.fromEntries(res.steps.map((s) => [s.call_id, `${s.action === 'write' ? 'restore' : 'remove'} · ${s.path}`])));
      toastOk(res.steps.length ? `Restoring “${label}”: ${res.steps.map((s) => baseName(s.path)).join(', ')}.` : `“${label}” has no scripts to restore.`);
    });

  const items = list.data?.items ?? [];
  return (
    <Panel id="snapshots" title="Snapshots" data-testid="snapshots-panel">
      <form class="snapshot-form" onSubmit={take}>
        <label for="snapshot-name" class="sr-only">
          Snapshot name
        </label>
        <input
          id="snapshot-name"
          type="text"
          maxLength={120}
          placeholder="Name, e.g. before the boss fight"
          value={name}
          data-testid="snapshot-name"
          onInput={(e: Event) => setName((e.target as HTMLInputElement).value)}
        />
        <button type="submit" class="btn btn-primary" disabled={busy === 'take' || !name.trim()} data-testid="snapshot-take">
          {busy === 'take' ? 'Saving…' : 'Take snapshot'}
        </button>
      </form>
      <InlineError message={error ?? list.error} data-testid="snapshots-error" />
      {list.loading && !list.data ? <Spinner label="Loading snapshots" /> : null}
      {list.data && items.length === 0 ? <EmptyState data-testid="snapshots-empty">No snapshots yet. A snapshot keeps this session's scripts to come back to.</EmptyState> : null}
      <ol class="changes" data-testid="snapshot-list" aria-label="Snapshots, newest first">
        {items.map((s) => (
          <li key={s.id} class="change" data-testid="snapshot-row" data-snapshot-id={s.id}>
            <div class="change-main">
              <strong>{s.name}</strong>
              <span class="small muted">
                {s.files.length} script{s.files.length === 1 ? '' : 's'} · <TimeAgo at={s.created_at} />
              </span>
            </div>
            <div class="change-actions">
              {confirming === s.id ? (
                <span class="confirm" role="group" aria-label="Confirm restore">
                  <button type="button" class="btn btn-small btn-danger" onClick={() => restore(s.id, s.name)} data-testid="snapshot-restore-confirm">
                    Restore
                  </button>
                  <button type="button" class="btn btn-small btn-ghost" onClick={() => setConfirming(null)} data-testid="snapshot-restore-cancel">
                    Cancel
                  </button>
                </span>
              ) : (
                <button
                  type="button"
                  class="btn btn-small"
                  disabled={props.closed || busy?.startsWith('restore') === true}
                  title="Write the snapshot's scripts back (and remove the scripts it did not have); each write can be undone"
                  aria-label={`Restore snapshot ${s.name}`}
                  onClick={() => setConfirming(s.id)}
                  data-testid="snapshot-restore"
                >
                  Restore
                </button>
              )}
            </div>
          </li>
        ))}
      </ol>
    </Panel>
  );
}
