import { sha256Hex } from '../../contracts/bytes';
import type { UnityOperation } from '../../contracts/unity-ops';

// What a SessionRoom remembers of the file-writing operations it queued, so the edge can tell a
// genuine agent report of one (which becomes change history, which Undo writes back) from a
// forged one. Kept for more operations than the room's recent list: an agent's outbox may hold
// reports for a while before the edge accepts them.
const PROOF = 'proof:'; // proof:<callId> → OpProof
const PROOF_IDS = 'proof-ids'; // callIds, oldest first
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

export class OpProofs {
  constructor(private readonly storage: DurableObjectStorage) {}

  async remember(callId: string, proof: OpProof): Promise<void> {
    const ids = [...((await this.storage.get<string[]>(PROOF_IDS)) ?? []), callId];
    const dropped = ids.length > PROOF_LIMIT ? ids.splice(0, ids.length - PROOF_LIMIT) : [];
    await this.storage.put({ [PROOF_IDS]: ids, [`${PROOF}${callId}`]: proof });
    if (dropped.length > 0) await this.storage.delete(dropped.map((id) => `${PROOF}${id}`));
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
}
