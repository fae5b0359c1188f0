import type { OpDispatch, OpView } from '../../contracts/ws';
import { forgetNumbered, getMany, numberedKey, writeAtOnce } from './numbered-keys';

// What a SessionRoom keeps in its storage: operations waiting for the agent (in order), and the
// state of recent operations for GET …/ops/:callId and for browsers that join late.
const PENDING = 'pending:'; // pending:<seq, zero-padded> → OpDispatch
const VIEW = 'view:'; // view:<callId> → OpView
const RECENT_AT = 'recent:'; // recent:<seq, zero-padded> → callId, for the last RECENT_LIMIT ops
const LEGACY_RECENT = 'recent'; // before: one array of callIds, rewritten whole on each op
const SEQ = 'seq';
export const RECENT_LIMIT = 100;

export class OpStore {
  /** Whether this instance has turned a legacy `recent` array into keys (once per room, ever). */
  private upgraded?: Promise<void>;

  constructor(
    private readonly storage: DurableObjectStorage,
    private readonly recentLimit = RECENT_LIMIT,
  ) {}

  /** Each op writes a few small keys, and forgets the view of the op `recentLimit` before it. */
  async enqueue(dispatch: OpDispatch, view: OpView): Promise<void> {
    await this.upgrade();
    const seq = ((await this.storage.get<number>(SEQ)) ?? 0) + 1;
    await this.storage.put({ [SEQ]: seq, [numberedKey(PENDING, seq)]: dispatch, [`${VIEW}${dispatch.callId}`]: view, [numberedKey(RECENT_AT, seq)]: dispatch.callId });
    if (seq > this.recentLimit) await forgetNumbered(this.storage, RECENT_AT, seq - this.recentLimit, VIEW);
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

  /** The last `recentLimit` operations' views, oldest first. */
  async recent(): Promise<OpView[]> {
    await this.upgrade();
    const ids = [...(await this.storage.list<string>({ prefix: RECENT_AT })).values()].slice(-this.recentLimit);
    const views = await getMany<OpView>(this.storage, ids.map((id) => `${VIEW}${id}`));
    return ids.map((id) => views.get(`${VIEW}${id}`)).filter((v): v is OpView => v !== undefined);
  }

  private upgrade(): Promise<void> {
    this.upgraded ??= (async () => {
      const legacy = await this.storage.get<string[]>(LEGACY_RECENT);
      if (!legacy) return;
      // The array's last id is the op numbered `seq`, the one before it seq − 1, and so on.
      const seq = (await this.storage.get<number>(SEQ)) ?? legacy.length;
      const entries = legacy.map((id, i) => [numberedKey(RECENT_AT, seq - (legacy.length - 1 - i)), id] as const);
      await writeAtOnce(this.storage, entries, [LEGACY_RECENT]);
    })().catch((err: unknown) => {
      this.upgraded = undefined; // looked at again by the next call
      throw err;
    });
    return this.upgraded;
  }
}
