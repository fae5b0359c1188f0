/** @jsxImportSource hono/jsx/dom */
import { useEffect, useState } from 'hono/jsx/dom';
import type { AssistantMessage, AssistantSettings, AssistantStreamEvent } from '../../../contracts/assistant';
import { authedFetch, errorMessage } from '../lib/api';
import { InlineError } from '../components/ui';

/** One line of the conversation as the panel shows it. */
type Line =
  | { kind: 'user' | 'assistant'; text: string }
  | { kind: 'tool'; id: string; name: string; args: string; result?: string; isError?: boolean; confirm?: boolean }
  | { kind: 'note'; text: string };

const shortArgs = (args: string) => (args.length > 160 ? `${args.slice(0, 160)}…` : args);

/** Earlier requests and answers of the session, as lines. */
function linesOf(items: AssistantMessage[]): Line[] {
  const out: Line[] = [];
  for (const m of items) {
    if (m.role === 'tool') {
      const call = out.find((l): l is Extract<Line, { kind: 'tool' }> => l.kind === 'tool' && l.id === m.tool_call_id);
      if (call) call.result = m.content ?? '';
      continue;
    }
    if (m.content) out.push({ kind: m.role, text: m.content });
    for (const t of m.tool_calls ?? []) out.push({ kind: 'tool', id: t.id, name: t.name, args: t.arguments });
  }
  return out;
}

/**
 * "Ask Spark": a request to the project's model, its answer streamed as it is written, and each
 * tool call it makes (ordinary operations, in the activity list and the history, undoable).
 * Destructive calls wait here for the person's yes or no; Stop ends the run.
 */
export function AssistantPanel(props: { projectId: string; sessionId: string }) {
  const base = `/api/projects/${props.projectId}`;
  const runs = `${base}/sessions/${props.sessionId}/assistant/runs`;
  const [settings, setSettings] = useState<AssistantSettings | null>(null);
  const [lines, setLines] = useState<Line[]>([]);
  const [text, setText] = useState('');
  const [runId, setRunId] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    void (async () => {
      try {
        const [s, m] = await Promise.all([authedFetch(`${base}/assistant/settings`), authedFetch(`${base}/sessions/${props.sessionId}/assistant/messages`)]);
        if (s.ok) setSettings((await s.json()) as AssistantSettings);
        if (m.ok) setLines(linesOf(((await m.json()) as { items: AssistantMessage[] }).items));
      } catch (err) {
        setError(errorMessage(err));
      }
    })();
  }, [props.projectId, props.sessionId]);

  const apply = (e: AssistantStreamEvent) =>
    setLines((all) => {
      const last = all[all.length - 1];
      if (e.type === 'delta') return last?.kind === 'assistant' ? [...all.slice(0, -1), { kind: 'assistant', text: last.text + e.text }] : [...all, { kind: 'assistant', text: e.text }];
      if (e.type === 'tool_call') return [...all, { kind: 'tool', id: e.id, name: e.name, args: e.arguments }];
      if (e.type === 'confirm' || e.type === 'tool_result')
        return all.map((l) => (l.kind === 'tool' && l.id === e.id ? (e.type === 'confirm' ? { ...l, confirm: true } : { ...l, confirm: false, result: e.text, isError: e.is_error }) : l));
      if (e.type === 'done' && e.state !== 'done') return [...all, { kind: 'note', text: `Run ${e.state}: ${e.reason}` }];
      return all;
    });

  const ask = async (ev: Event) => {
    ev.preventDefault();
    const message = text.trim();
    if (!message || runId) return;
    setError(null);
    setText('');
    setLines((all) => [...all, { kind: 'user', text: message }]);
    setRunId('starting');
    try {
      const res = await authedFetch(runs, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ message }) });
      if (!res.ok || !res.body) {
        const body = (await res.json().catch(() => null)) as { error?: { message?: string } } | null;
        throw new Error(body?.error?.message ?? `the assistant answered ${res.status}`);
      }
      const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
      let buffer = '';
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        buffer += value;
        let i: number;
        while ((i = buffer.indexOf('\n\n')) >= 0) {
          const e = JSON.parse(buffer.slice(0, i).replace(/^data: /, '')) as AssistantStreamEvent;
          buffer = buffer.slice(i + 2);
          if (e.type === 'run') setRunId(e.run_id);
          apply(e);
        }
      }
    } catch (err) {
      setError(errorMessage(err));
    } finally {
      setRunId(null);
    }
  };

  const post = async (path: string, body: unknown) => {
    const res = await authedFetch(`${runs}/${runId}/${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    if (!res.ok) setError(((await res.json().catch(() => null)) as { error?: { message?: string } } | null)?.error?.message ?? `${path} failed (${res.status})`);
  };

  if (settings && !settings.configured)
    return (
      <section class="card" aria-labelledby="assistant-title" data-testid="assistant-panel">
        <h2 id="assistant-title">Ask Spark</h2>
        <p class="muted" data-testid="assistant-configure">{settings.configure}</p>
      </section>
    );

  return (
    <section class="card" aria-labelledby="assistant-title" data-testid="assistant-panel">
      <header class="panel-head">
        <h2 id="assistant-title">Ask Spark</h2>
        {settings?.model ? <span class="muted">{settings.model}</span> : null}
      </header>
      {settings && !settings.enabled ? <p class="muted">The assistant is turned off for this project.</p> : null}
      <ol class="assistant-log" aria-live="polite" data-testid="assistant-log">
        {lines.map((l) =>
          l.kind === 'tool' ? (
            <li class="assistant-tool" data-testid="assistant-tool">
              <code>{l.name}</code> <span class="muted">{shortArgs(l.args)}</span>
              {l.result !== undefined ? <pre class={l.isError ? 'err' : ''}>{l.result.split('\n')[0]}</pre> : l.confirm ? null : <span class="muted"> running…</span>}
              {l.confirm ? (
                <span class="assistant-confirm">
                  <button type="button" class="btn btn-small" data-testid="assistant-approve" onClick={() => post('confirm', { tool_call_id: l.id, approve: true })}>
                    Allow
                  </button>
                  <button type="button" class="btn btn-small" data-testid="assistant-deny" onClick={() => post('confirm', { tool_call_id: l.id, approve: false })}>
                    Deny
                  </button>
                </span>
              ) : null}
            </li>
          ) : (
            <li class={`assistant-${l.kind}`}>{l.text}</li>
          ),
        )}
      </ol>
      <InlineError message={error} />
      <form onSubmit={ask} class="assistant-form">
        <textarea aria-label="Ask Spark" rows={2} value={text} onInput={(e: Event) => setText((e.target as HTMLTextAreaElement).value)} placeholder="e.g. make a 2D player controller" data-testid="assistant-input" />
        {runId ? (
          <button type="button" class="btn" data-testid="assistant-stop" disabled={runId === 'starting'} onClick={() => post('stop', {})}>
            Stop
          </button>
        ) : (
          <button type="submit" class="btn btn-primary" disabled={!text.trim()} data-testid="assistant-send">
            Ask
          </button>
        )}
      </form>
    </section>
  );
}
