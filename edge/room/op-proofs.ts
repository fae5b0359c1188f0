import { sha256Hex } from '../../contracts/bytes';
import type { UnityOperation } from '../../contracts/unity-ops';

// What a SessionRoom remembers of the file-writing operations it queued, so the edge can tell a
// genuine agent report of one (which becomes change history, which Undo writes back) from a
// forged one. Kept for more operations than the room's recent list: an agent's outbox may hold
// reports for a while before the edge accepts them.
const PROOF = 'proof:'; // proof:<callId> → OpProof
const PROOF_AT = 'proof-at:'; // proof-at:<n, zero-padded> → callId of the n-th proof, to forget the oldest
const PROOF_COUNT = 'proof-count'; // how many proofs the room ever remembered
const LEGACY_PROOF_IDS = 'proof-ids'; // before: one array of every callId, rewritten whole on each op
export const PROOF_LIMIT = 1000;

export interface OpProof {
  projectId: string;
  op: 'generate_script' | 'apply_patch' | 'delete_script';
  path: string;
  /** generate_script: SHA-256 of the code it writes. */
  codeSha256?: string;
}

/** The proof of an operation that writes a file, or undefined for the others. */
export async function proofOf(projectId: string, op: UnityOperation): Promise<OpProof | undefined> {
  switch (op.op) {
    case 'generate_script':
      return { projectId, op: op.op, path: op.path, codeSha256: await sha256Hex(op.code) };
    case 'apply_patch':
    case 'delete_script':
      return { projectId, op: op.op, path: op.path };
    default:
      return undefined;
  }
}

const atKey = (n: number) => `${PROOF_AT}${String(n).padStart(12, '0')}`;

/** The last `limit` proofs, each op writing a few small keys whatever the number kept. */
export class OpProofs {
  constructor(
    private readonly storage: DurableObjectStorage,
    private readonly limit = PROOF_LIMIT,
  ) {}

  async remember(callId: string, proof: OpProof): Promise<void> {
    const n = (await this.count()) + 1;
    await this.storage.put({ [PROOF_COUNT]: n, [atKey(n)]: callId, [`${PROOF}${callId}`]: proof });
    const oldest = n - this.limit;
    if (oldest < 1) return;
    const dropped = await this.storage.get<string>(atKey(oldest));
    await this.storage.delete(dropped === undefined ? [atKey(oldest)] : [atKey(oldest), `${PROOF}${dropped}`]);
  }

  /** The proofs of the given calls that the room still has, by call id. */
  async get(callIds: readonly string[]): Promise<Record<string, OpProof>> {
    const out: Record<string, OpProof> = {};
    const keys = [...new Set(callIds)].map((id) => `${PROOF}${id}`);
    // storage.get reads at most 128 keys at a time.
    for (let i = 0; i < keys.length; i += 128) {
      for (const [key, proof] of await this.storage.get<OpProof>(keys.slice(i, i + 128))) out[key.slice(PROOF.length)] = proof;
    }
    return out;
  }

  /** The count so far; a room written before the count existed has its array of ids turned into keys once. */
  private async count(): Promise<number> {
    const count = await this.storage.get<number>(PROOF_COUNT);
    if (count !== undefined) return count;
    const legacy = (await this.storage.get<string[]>(LEGACY_PROOF_IDS)) ?? [];
    const keys = legacy.map((id, i) => [atKey(i + 1), id] as const);
    // storage.put takes at most 128 keys; writes issued without an await between them commit as one.
    const writes: Promise<unknown>[] = [];
    for (let i = 0; i < keys.length; i += 128) writes.push(this.storage.put(Object.fromEntries(keys.slice(i, i + 128))));
    writes.push(this.storage.put(PROOF_COUNT, legacy.length));
    if (legacy.length > 0) writes.push(this.storage.delete(LEGACY_PROOF_IDS));
    await Promise.all(writes);
    return legacy.length;
  }
}
