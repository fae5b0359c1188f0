import WebSocket from 'ws';

/** A WebSocket client that collects JSON messages and lets a test wait for one. */
export async function openSocket(url: string, opts: { token?: string } = {}) {
  // A program sends its token as a header; browsers use a one-time ticket in the URL instead.
  const ws = new WebSocket(url, opts.token ? { headers: { authorization: `Bearer ${opts.token}` } } : {});
  // Errors before `open` reject below; later ones (a reset after a refused upgrade, the server
  // going away at teardown) are what closing looks like, not test failures.
  ws.on('error', () => {});
  const messages: any[] = [];
  const waiters: { pred: (m: any) => boolean; resolve: (m: any) => void }[] = [];
  ws.on('message', (data) => {
    let m: any;
    try {
      m = JSON.parse(String(data));
    } catch {
      m = String(data);
    }
    messages.push(m);
    for (const w of [...waiters]) {
      if (w.pred(m)) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(m);
      }
    }
  });
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('unexpected-response', (req, res) => {
      // A refused upgrade: drop the HTTP exchange ourselves, quietly, and report the status.
      req.on('error', () => {});
      res.resume();
      req.destroy();
      reject(new Error(`WebSocket refused: ${res.statusCode}`));
    });
    ws.once('error', reject);
  });
  return {
    ws,
    messages,
    send: (m: unknown) => ws.send(JSON.stringify(m)),
    /**
     * Sends the room's `ping` and waits for its `pong`: the room handles one socket's frames in
     * order, so everything it sent in answer to earlier frames has arrived by then.
     */
    roundTrip(timeoutMs = 10_000): Promise<void> {
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no pong in ${timeoutMs} ms`)), timeoutMs);
        // Registered before the ping leaves, so only the answer to this ping can match.
        waiters.push({ pred: (m) => m === 'pong', resolve: () => (clearTimeout(timer), resolve()) });
        ws.send('ping');
      });
    },
    /** The first message (already received or yet to come) that matches. */
    next<T = any>(pred: (m: any) => boolean, timeoutMs = 10_000): Promise<T> {
      const seen = messages.find(pred);
      if (seen) return Promise.resolve(seen);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no matching message in ${timeoutMs} ms; got ${JSON.stringify(messages).slice(0, 500)}`)), timeoutMs);
        waiters.push({ pred, resolve: (m) => (clearTimeout(timer), resolve(m)) });
      });
    },
    close: () => new Promise<void>((resolve) => {
      if (ws.readyState === WebSocket.CLOSED) return resolve();
      ws.once('close', () => resolve());
      ws.close();
    }),
  };
}
export type TestSocket = Awaited<ReturnType<typeof openSocket>>;
