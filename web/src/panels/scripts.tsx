/** @jsxImportSource hono/jsx/dom */
import { useEffect, useRef, useState } from 'hono/jsx/dom';
import type { OpView } from '../../../contracts/ws';
import { errorMessage, projectsApi, unwrap, type SessionParam } from '../lib/api';
import { highlightCSharp } from '../lib/csharp';
import { explainOpError, explainWait } from '../lib/explain';
import { formatBytes } from '../lib/format';
import { useResource } from '../lib/hooks';
import { isTerminal, type LiveState } from '../lib/live-state';
import { compileOf, isDirty, saveOp, writtenSha, type CompileView, type ScriptBuffer } from '../lib/scripts';
import type { SendOp } from '../pages/session';
import { Badge, EmptyState, ErrorNote, InlineError, Panel, PathText, Spinner, TimeAgo } from '../components/ui';

/** The operation this panel sent last, and what it was about. */
type Action = { callId: string; kind: 'save' | 'delete'; path: string; text: string };

const template = (path: string) => {
  const name = (path.split('/').pop() ?? 'NewScript.cs').replace(/\.cs$/, '').replace(/[^A-Za-z0-9_]/g, '') || 'NewScript';
  return `using UnityEngine;\n\npublic class ${/^[0-9]/.test(name) ? `_${name}` : name} : MonoBehaviour\n{\n    void Update()\n    {\n    }\n}\n`;
};

export function ScriptsPanel(props: { live: LiveState; sendOp: SendOp; sp: SessionParam; changeTick: number; agentCommand?: string }) {
  const sessionApi = projectsApi[':projectId'].sessions[':sessionId'];
  const list = useResource(() => unwrap(sessionApi.scripts.$get(props.sp)), [props.sp.param.sessionId]);
  const [buffer, setBuffer] = useState<ScriptBuffer | null>(null);
  const [opening, setOpening] = useState<string | null>(null);
  const [action, setAction] = useState<Action | null>(null);
  const [sending, setSending] = useState(false);
  const [confirmDelete, setConfirmDelete] = useState(false);
  const [error, setError] = useState<string | null>(null);

  const actionOp: OpView | undefined = action ? props.live.ops[action.callId] : undefined;
  const running = sending || (action !== null && (!actionOp || !isTerminal(actionOp.state)));

  // The history projection lands a moment after an operation: look again shortly after.
  useEffect(() => {
    if (props.changeTick === 0) return;
    const a = setTimeout(() => void list.reload(), 800);
    const b = setTimeout(() => void list.reload(), 3000);
    return () => {
      clearTimeout(a);
      clearTimeout(b);
    };
  }, [props.changeTick]);

  // When our operation finishes: a save becomes the new base, a delete closes the file.
  useEffect(() => {
    if (!action || actionOp?.state !== 'succeeded') return;
    if (action.kind === 'delete') {
      setBuffer((b) => (b && b.path === action.path ? null : b));
    } else {
      setBuffer((b) => (b && b.path === action.path ? { ...b, base: action.text, baseSha: writtenSha(actionOp.result) ?? b.baseSha } : b));
    }
  }, [action?.callId, actionOp?.state]);

  const items = list.data?.items ?? [];

  const open = async (path: string) => {
    if (buffer && isDirty(buffer) && buffer.path !== path && !window.confirm(`Discard your unsaved changes to ${buffer.path}?`)) return;
    setOpening(path);
    setError(null);
    setConfirmDelete(false);
    try {
      const s = await unwrap(sessionApi.scripts.content.$get({ ...props.sp, query: { path } }));
      setBuffer({ path: s.path, text: s.content, base: s.content, baseSha: s.sha256 });
      setAction(null);
    } catch (err) {
      setError(errorMessage(err));
    } finally {
      setOpening(null);
    }
  };

  const startNew = () => {
    if (buffer && isDirty(buffer) && !window.confirm(`Discard your unsaved changes to ${buffer.path}?`)) return;
    const path = 'Assets/Scripts/NewScript.cs';
    setBuffer({ path, text: template(path), base: null, baseSha: null });
    setAction(null);
    setError(null);
    setConfirmDelete(false);
  };

  const send = async (kind: Action['kind'], replace = false) => {
    if (!buffer || running) return;
    // Replace: write the whole text over whatever Unity has now (after a refused patch).
    const op =
      kind === 'delete'
        ? { op: 'delete_script' as const, path: buffer.path }
        : replace
          ? { op: 'generate_script' as const, path: buffer.path, code: buffer.text, overwrite: true }
          : saveOp(buffer);
    if (!op) return;
    setSending(true);
    setError(null);
    setConfirmDelete(false);
    try {
      const callId = await props.sendOp(op);
      setAction({ callId, kind, path: buffer.path, text: buffer.text });
    } catch (err) {
      setError(errorMessage(err));
    } finally {
      setSending(false);
    }
  };

  return (
    <Panel
      id="scripts"
      title="Scripts"
      data-testid="scripts-panel"
      actions={
        <button type="button" class="btn btn-small" onClick={startNew} disabled={running} data-testid="new-script">
          New script
        </button>
      }
    >
      <div class="scripts-layout">
        <nav class="script-files" aria-label="Scripts in this session">
          {list.loading && !list.data ? <Spinner label="Loading scripts" /> : null}
          <InlineError message={list.error} />
          {list.data && items.length === 0 ? (
            <EmptyState data-testid="scripts-empty">No scripts yet. Write one with “New script”, or apply a preset.</EmptyState>
          ) : null}
          <ul class="file-list" data-testid="script-list">
            {items.map((s) => (
              <li key={s.path}>
                <button
                  type="button"
                  class={`file-item ${buffer?.path === s.path ? 'is-selected' : ''}`}
                  aria-current={buffer?.path === s.path ? 'true' : undefined}
                  onClick={() => void open(s.path)}
                  data-testid="script-item"
                  data-path={s.path}
                >
                  <PathText path={s.path} />
                  <span class="small muted">
                    {formatBytes(s.bytes)} · <TimeAgo at={s.updated_at} />
                  </span>
                </button>
              </li>
            ))}
          </ul>
        </nav>
        <div class="script-main">
          {opening ? <Spinner label={`Opening ${opening}`} /> : null}
          <InlineError message={error} data-testid="script-error" />
          {buffer ? (
            <Editor
              buffer={buffer}
              onChange={setBuffer}
              running={running}
              onSave={() => void send('save')}
              confirmDelete={confirmDelete}
              onDelete={() => (confirmDelete ? void send('delete') : setConfirmDelete(true))}
              onCancelDelete={() => setConfirmDelete(false)}
            />
          ) : !opening ? (
            <p class="muted small">Pick a script to edit it, or start a new one.</p>
          ) : null}
          {action ? (
            <ActionStatus
              action={action}
              op={actionOp}
              online={props.live.online}
              agentCommand={props.agentCommand}
              onReplace={buffer && buffer.path === action.path && !running ? () => void send('save', true) : undefined}
            />
          ) : null}
        </div>
      </div>
    </Panel>
  );
}

function Editor(props: {
  buffer: ScriptBuffer;
  onChange: (b: ScriptBuffer) => void;
  running: boolean;
  onSave: () => void;
  confirmDelete: boolean;
  onDelete: () => void;
  onCancelDelete: () => void;
}) {
  const { buffer } = props;
  const layer = useRef<HTMLPreElement>(null);
  const isNew = buffer.base === null;
  const dirty = isDirty(buffer);
  const setText = (text: string) => props.onChange({ ...buffer, text });

  const onKeyDown = (e: KeyboardEvent) => {
    const ta = e.target as HTMLTextAreaElement;
    if ((e.ctrlKey || e.metaKey) && e.key.toLowerCase() === 's') {
      e.preventDefault();
      if (!props.running && dirty) props.onSave();
    } else if (e.key === 'Tab' && !e.shiftKey && !e.ctrlKey && !e.metaKey && !e.altKey) {
      // Indent instead of leaving the editor; Esc then Tab (or Shift-Tab) still moves focus on.
      if (ta.dataset.escaped === '1') return;
      e.preventDefault();
      ta.setRangeText('    ', ta.selectionStart, ta.selectionEnd, 'end');
      setText(ta.value);
    } else if (e.key === 'Escape') ta.dataset.escaped = '1';
    else delete ta.dataset.escaped;
  };

  return (
    <div class="script-editor" data-testid="script-editor" data-path={buffer.path} data-dirty={dirty ? 'true' : 'false'}>
      <div class="editor-head">
        {isNew ? (
          <label class="path-field">
            <span class="sr-only">Path of the new script</span>
            <input
              value={buffer.path}
              maxLength={1024}
              spellcheck={false}
              data-testid="script-path"
              aria-label="Path of the new script"
              onInput={(e: Event) => props.onChange({ ...buffer, path: (e.target as HTMLInputElement).value.trim() })}
            />
          </label>
        ) : (
          <PathText path={buffer.path} class="editor-path" />
        )}
        {dirty ? <Badge tone="warn">{isNew ? 'new' : 'unsaved'}</Badge> : <Badge tone="muted">saved</Badge>}
      </div>
      <div class="code-editor">
        <pre class="code-layer" aria-hidden="true" ref={layer}>
          <code class="hljs" dangerouslySetInnerHTML={{ __html: highlightCSharp(buffer.text) }} />
        </pre>
        <textarea
          class="code-input"
          value={buffer.text}
          spellcheck={false}
          autocapitalize="off"
          autocomplete="off"
          wrap="off"
          aria-label={`Code of ${buffer.path}`}
          data-testid="script-code"
          onInput={(e: Event) => setText((e.target as HTMLTextAreaElement).value)}
          onKeyDown={onKeyDown}
          onScroll={(e: Event) => {
            const ta = e.target as HTMLTextAreaElement;
            if (layer.current) {
              layer.current.scrollTop = ta.scrollTop;
              layer.current.scrollLeft = ta.scrollLeft;
            }
          }}
        />
      </div>
      <div class="row-actions">
        <button type="button" class="btn btn-primary" onClick={props.onSave} disabled={props.running || !dirty} data-testid="save-script">
          {props.running ? 'Working…' : isNew ? 'Create in Unity' : 'Save to Unity'}
        </button>
        {!isNew ? (
          props.confirmDelete ? (
            <span class="confirm" role="group" aria-label="Confirm delete">
              <span class="small">Delete {buffer.path.split('/').pop()} from the Unity project?</span>
              <button type="button" class="btn btn-danger btn-small" onClick={props.onDelete} disabled={props.running} data-testid="delete-confirm">
                Delete
              </button>
              <button type="button" class="btn btn-small" onClick={props.onCancelDelete} data-testid="delete-cancel">
                Cancel
              </button>
            </span>
          ) : (
            <button type="button" class="btn" onClick={props.onDelete} disabled={props.running} data-testid="delete-script">
              Delete…
            </button>
          )
        ) : null}
        <span class="small muted hide-narrow">Ctrl/⌘-S saves · Esc then Tab leaves the editor</span>
      </div>
    </div>
  );
}

function ActionStatus(props: { action: Action; op: OpView | undefined; online: boolean; agentCommand?: string; onReplace?: () => void }) {
  const { action, op } = props;
  const verb = action.kind === 'delete' ? 'Deleting' : 'Saving';
  if (!op || !isTerminal(op.state)) {
    const wait = op ? explainWait(op, props.online) : null;
    return (
      <div class="action-status small muted" role="status" data-testid="script-status" data-state={op?.state ?? 'sending'} data-call-id={action.callId}>
        <Spinner label={verb} /> {wait ?? (op?.state === 'running' ? `${verb}${op.stage ? ` (${op.stage})` : ''}…` : `${verb}: waiting for the agent…`)}
      </div>
    );
  }
  if (op.state !== 'succeeded') {
    return (
      <div class="action-status" data-testid="script-status" data-state={op.state} data-call-id={action.callId}>
        <ErrorNote {...explainOpError(op, props.agentCommand)} alert />
        {op.error?.code === 'stale_file' && props.onReplace ? (
          <div class="row-actions">
            <button type="button" class="btn btn-small btn-danger" onClick={props.onReplace} data-testid="replace-script">
              Replace Unity’s version with mine
            </button>
          </div>
        ) : null}
      </div>
    );
  }
  const compile = action.kind === 'save' ? compileOf(op.result) : null;
  return (
    <div class="action-status small" role="status" data-testid="script-status" data-state="succeeded" data-call-id={action.callId}>
      <span class="text-ok">✓ {action.kind === 'delete' ? `Deleted ${action.path}` : `Saved ${action.path}`}</span>
      {compile ? <CompileResult compile={compile} /> : null}
    </div>
  );
}

function CompileResult(props: { compile: CompileView }) {
  const { compile } = props;
  if (compile.status === 'compiled') {
    return (
      <div class="compile" data-testid="compile-result" data-status="compiled">
        <Badge tone="ok">compiles</Badge> Unity compiled it without errors.
      </div>
    );
  }
  if (compile.status === 'unknown') {
    return (
      <div class="compile" data-testid="compile-result" data-status="unknown">
        <Badge tone="muted">not checked</Badge> Unity could not say whether it compiles{compile.reason ? `: ${compile.reason}` : '.'}
      </div>
    );
  }
  return (
    <div class="compile" data-testid="compile-result" data-status="errors">
      <Badge tone="err">
        {compile.errors.length} compiler error{compile.errors.length === 1 ? '' : 's'}
      </Badge>{' '}
      Fix them and save again.
      <ul class="compile-errors" data-testid="compile-errors">
        {compile.errors.map((e) => (
          <li data-testid="compile-error">
            <code>
              {e.file.split('/').pop()}
              {e.line ? `:${e.line}` : ''}
            </code>{' '}
            {e.message}
          </li>
        ))}
      </ul>
    </div>
  );
}
