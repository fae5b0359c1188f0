// A Worker with one Durable Object that holds a SessionRoom's op store and op proofs with small
// limits, so a test can run hundreds of operations through the room's real storage code in
// workerd and look at every key it leaves behind (tests/integration/room-storage.test.ts).
import { DurableObject } from 'cloudflare:workers';
import type { OpDispatch, OpView } from '../../contracts/ws';
import { OpProofs, type OpProof } from '../../edge/room/op-proofs';
import { OpStore } from '../../edge/room/op-store';

interface Env {
  STORE: DurableObjectNamespace<RoomStorage>;
  /** The limits the test runs with (the room's own are 1,000 and 100). */
  PROOF_LIMIT: number;
  RECENT_LIMIT: number;
}

export class RoomStorage extends DurableObject<Env> {
  private proofs = new OpProofs(this.ctx.storage, this.env.PROOF_LIMIT);
  private ops = new OpStore(this.ctx.storage, this.env.RECENT_LIMIT);

  async call(method: string, args: unknown[]): Promise<unknown> {
    const storage = this.ctx.storage;
    switch (method) {
      case 'remember':
        return this.proofs.remember(args[0] as string, args[1] as OpProof);
      case 'proofs':
        return this.proofs.get(args[0] as string[]);
      case 'enqueue':
        return this.ops.enqueue(args[0] as OpDispatch, args[1] as OpView);
      case 'recent':
        return this.ops.recent();
      case 'put': // as an older version of the room wrote its storage
        return storage.put(args[0] as Record<string, unknown>);
      case 'restart': // a new instance of the room: nothing kept in memory
        this.proofs = new OpProofs(storage, this.env.PROOF_LIMIT);
        this.ops = new OpStore(storage, this.env.RECENT_LIMIT);
        return null;
      case 'keys': {
        // Every key with the size of its value as JSON.
        const out: Record<string, number> = {};
        for (const [key, value] of await storage.list()) out[key] = JSON.stringify(value).length;
        return out;
      }
      default:
        throw new Error(`no method ${method}`);
    }
  }
}

export default {
  async fetch(request: Request, env: Env): Promise<Response> {
    const { room, method, args } = (await request.json()) as { room: string; method: string; args: unknown[] };
    const stub = env.STORE.get(env.STORE.idFromName(room));
    return Response.json({ value: (await stub.call(method, args)) ?? null });
  },
};
