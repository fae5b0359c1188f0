import { DurableObject } from 'cloudflare:workers';
import type { Env } from './env';

/**
 * One room per session: keeps the session's WebSockets (hibernation API, so idle rooms cost
 * nothing) and fans messages out to them. The Worker authenticates before it forwards an
 * upgrade here; the tag says what the socket is (`browser` or `agent`).
 */
export class SessionRoom extends DurableObject<Env> {
  override async fetch(request: Request): Promise<Response> {
    const url = new URL(request.url);
    if (url.pathname === '/connect') {
      if (request.headers.get('upgrade')?.toLowerCase() !== 'websocket') return new Response('expected a WebSocket upgrade', { status: 426 });
      const role = url.searchParams.get('role') === 'agent' ? 'agent' : 'browser';
      const pair = new WebSocketPair();
      this.ctx.acceptWebSocket(pair[1], [role]);
      return new Response(null, { status: 101, webSocket: pair[0] });
    }
    if (url.pathname === '/publish' && request.method === 'POST') {
      const delivered = this.broadcast(await request.text(), 'browser');
      return Response.json({ delivered });
    }
    return new Response('not found', { status: 404 });
  }

  /** Sends a message to every socket with the tag; returns how many got it. */
  broadcast(message: string, tag: 'browser' | 'agent'): number {
    let n = 0;
    for (const ws of this.ctx.getWebSockets(tag)) {
      try {
        ws.send(message);
        n++;
      } catch {
        // a socket that is closing; the close handler cleans up
      }
    }
    return n;
  }

  override async webSocketMessage(ws: WebSocket, message: string | ArrayBuffer) {
    if (message === 'ping') ws.send('pong');
  }

  override async webSocketClose(ws: WebSocket, code: number) {
    ws.close(code === 1005 ? 1000 : code, 'closing');
  }
}
