// A DevTools-protocol session with one Worker's isolate in workerd (Miniflare's inspectorPort):
// the bench's CPU profiles and the heap checks of tests go through it.
import WebSocket from 'ws';

export interface InspectorSession {
  call<T>(method: string, params?: Record<string, unknown>): Promise<T>;
  close(): void;
}

export async function openInspector(inspectorPort: number, workerName: string): Promise<InspectorSession> {
  const targets = (await (await fetch(`http://127.0.0.1:${inspectorPort}/json`)).json()) as { id: string; title?: string; webSocketDebuggerUrl: string }[];
  const target = targets.find((t) => t.id.includes(workerName) || t.title?.includes(workerName)) ?? targets[0];
  if (!target) throw new Error(`no inspector target on port ${inspectorPort}`);
  const ws = new WebSocket(target.webSocketDebuggerUrl);
  await new Promise((ok, fail) => ws.once('open', ok).once('error', fail));
  let nextId = 0;
  const pending = new Map<number, (r: { result?: unknown; error?: unknown }) => void>();
  ws.on('message', (data) => {
    const msg = JSON.parse(String(data)) as { id?: number; result?: unknown; error?: unknown };
    if (msg.id !== undefined) pending.get(msg.id)?.(msg);
  });
  return {
    call: <T>(method: string, params: Record<string, unknown> = {}) =>
      new Promise<T>((ok, fail) => {
        const id = ++nextId;
        pending.set(id, (r) => {
          pending.delete(id);
          return r.error ? fail(new Error(`${method}: ${JSON.stringify(r.error)}`)) : ok(r.result as T);
        });
        ws.send(JSON.stringify({ id, method, params }));
      }),
    close: () => ws.close(),
  };
}
