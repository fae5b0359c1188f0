import { sha256Hex } from '../../contracts/bytes';
import type { UnityOperation } from '../../contracts/unity-ops';
import { forgetNumbered, getMany, numberedKey, writeAtOnce } from './numbered-keys';

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

/** The last `limit` proofs, each op writing a few small keys whatever the number kept. */
export class OpProofs {
  constructor(
    private readonly storage: DurableObjectStorage,
    private readonly limit = PROOF_LIMIT,
  ) {}

  async remember(callId: string, proof: OpProof): Promise<void> {
    const n = (await this.count()) + 1;
    await this.storage.put({ [PROOF_COUNT]: n, [numberedKey(PROOF_AT, n)]: callId, [`${PROOF}${callId}`]: proof });
    if (n > this.limit) await forgetNumbered(this.storage, PROOF_AT, n - this.limit, PROOF);
  }

  /** The proofs of the given calls that the room still has, by call id. */
  async get(callIds: readonly string[]): Promise<Record<string, OpProof>> {
    const proofs = await getMany<OpProof>(this.storage, [...new Set(callIds)].map((id) => `${PROOF}${id}`));
    return Object.fromEntries([...proofs].map(([key, proof]) => [key.slice(PROOF.length), proof]));
  }

  /** The count so far; a room written before the count existed has its array of ids turned into keys once. */
  private async count(): Promise<number> {
    const count = await this.storage.get<number>(PROOF_COUNT);
    if (count !== undefined) return count;
    const legacy = (await this.storage.get<string[]>(LEGACY_PROOF_IDS)) ?? [];
    const entries = legacy.map((id, i) => [numberedKey(PROOF_AT, i + 1), id] as const);
    await writeAtOnce(this.storage, [...entries, [PROOF_COUNT, legacy.length]], legacy.length > 0 ? [LEGACY_PROOF_IDS] : []);
    return legacy.length;
  }
}
