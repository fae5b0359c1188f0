import type { OpDispatch, OpView } from '../../contracts/ws';

// What a SessionRoom keeps in its storage: operations waiting for the agent (in order), and the
// state of recent operations for GET …/ops/:callId and for browsers that join late.
const PENDING = 'pending:'; // pending:<seq, zero-padded> → OpDispatch
const VIEW = 'view:'; // view:<callId> → OpView
const RECENT = 'recent'; // callIds, newest last
const SEQ = 'seq';
export const RECENT_LIMIT = 100;

export class OpStore {
  constructor(private readonly storage: DurableObjectStorage) {}

  async enqueue(dispatch: OpDispatch, view: OpView): Promise<void> {
    const seq = ((await this.storage.get<number>(SEQ)) ?? 0) + 1;
    const recent = [...((await this.storage.get<string[]>(RECENT)) ?? []), dispatch.callId];
    const dropped = recent.length > RECENT_LIMIT ? recent.splice(0, recent.length - RECENT_LIMIT) : [];
    await this.storage.put({ [SEQ]: seq, [`${PENDING}${String(seq).padStart(12, '0')}`]: dispatch, [`${VIEW}${dispatch.callId}`]: view, [RECENT]: recent });
    if (dropped.length > 0) await this.storage.delete(dropped.map((id) => `${VIEW}${id}`));
  }

  /** Pending operations in the order they were queued. */
  async pending(): Promise<{ key: string; dispatch: OpDispatch }[]> {
    const map = await this.storage.list<OpDispatch>({ prefix: PENDING });
    return [...map.entries()].map(([key, dispatch]) => ({ key, dispatch }));
  }

  async removePending(callId: string): Promise<boolean> {
    for (const { key, dispatch } of await this.pending()) {
      if (dispatch.callId === callId) return this.storage.delete(key);
    }
    return false;
  }

  view(callId: string): Promise<OpView | undefined> {
    return this.storage.get<OpView>(`${VIEW}${callId}`);
  }

  async update(callId: string, patch: Partial<OpView>): Promise<OpView | undefined> {
    const current = await this.view(callId);
    if (!current) return undefined;
    const next = { ...current, ...patch, updatedAt: Date.now() };
    await this.storage.put(`${VIEW}${callId}`, next);
    return next;
  }

  async recent(): Promise<OpView[]> {
    const ids = (await this.storage.get<string[]>(RECENT)) ?? [];
    const views = await this.storage.get<OpView>(ids.map((id) => `${VIEW}${id}`));
    return ids.map((id) => views.get(`${VIEW}${id}`)).filter((v): v is OpView => v !== undefined);
  }
}
