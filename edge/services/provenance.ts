import { sha256Hex } from '../../contracts/bytes';
import { HISTORY_EVENT_OP, type EventProducer, type SparkEventV1 } from '../../contracts/event';
import { parseCatalogEvent, type CatalogEvent } from '../../contracts/event-catalog';
import type { Env } from '../env';
import { HttpError } from '../http/errors';
import type { OpProof } from '../room/op-proofs';
import { roomStub } from '../session-room';
import type { Caller } from './caller';
import { isUuid } from './access';
import { logError } from '../../workers/safe-log';

/**
 * Who produced each event of an ingest request, as the consumer will see it: taken from the
 * caller, never from the body. An agent's report of a file change (a history event) is marked
 * `verifiedOp` only when the session's room dispatched that very operation: forged history
 * from anyone else, or for an op Spark never sent, is stored as an event but never projected.
 */
export async function producersOf(env: Pick<Env, 'SESSION_ROOM'>, caller: Caller, projectId: string, events: readonly SparkEventV1[]): Promise<(e: SparkEventV1) => EventProducer> {
  if (caller.kind === 'user') return () => ({ kind: 'user' });
  const base: EventProducer = { kind: caller.scope === 'agent' ? 'agent' : 'ingest', tokenId: caller.tokenId };
  if (caller.scope !== 'agent') return () => base;
  const verified = await verifiedReports(env, projectId, events);
  return (e) => (verified.has(e.id) ? { ...base, verifiedOp: true } : base);
}

/** Ids of the history events whose call, op, path and code match what the session's room queued. */
async function verifiedReports(env: Pick<Env, 'SESSION_ROOM'>, projectId: string, events: readonly SparkEventV1[]): Promise<Set<string>> {
  const bySession = new Map<string, SparkEventV1[]>();
  for (const e of events) {
    if (historyReport(e) === undefined || !isUuid(e.session_id)) continue;
    bySession.set(e.session_id, [...(bySession.get(e.session_id) ?? []), e]);
  }
  const verified = new Set<string>();
  await Promise.all(
    [...bySession].map(async ([sessionId, claims]) => {
      const proofs = await roomStub(env.SESSION_ROOM, sessionId)
        .opProofs(claims.map((e) => historyReport(e)!.payload.call_id))
        .catch((err: unknown) => {
          // Nothing was accepted yet: the agent's outbox resends the whole batch after this.
          logError('ingest: the session room could not check agent reports', err);
          throw new HttpError(503, 'unavailable', 'the session could not check these reports right now; none were accepted; resend them shortly', undefined, { 'Retry-After': '5' });
        });
      for (const e of claims) {
        const report = historyReport(e)!;
        if (await reportMatches(report, proofs[report.payload.call_id], projectId)) verified.add(e.id);
      }
    }),
  );
  return verified;
}

type HistoryReport = CatalogEvent<keyof typeof HISTORY_EVENT_OP>;

/** A history event read through the catalog; one whose payload breaks it is never projected, so needs no check. */
function historyReport(e: SparkEventV1): HistoryReport | undefined {
  if (!(e.type in HISTORY_EVENT_OP)) return undefined;
  const read = parseCatalogEvent(e);
  return read?.ok ? (read.event as HistoryReport) : undefined;
}

/**
 * Whether a history event reports the operation the room queued: same project, same operation,
 * same path, and for a written script the same text (the agent sends it as `after`; when the
 * payload was too large to carry it, there is no text to put back either).
 */
export async function reportMatches(e: HistoryReport, proof: OpProof | undefined, projectId: string): Promise<boolean> {
  if (!proof || proof.projectId !== projectId) return false;
  if (proof.op !== HISTORY_EVENT_OP[e.type]) return false;
  if (e.payload.path !== proof.path) return false;
  if (e.type !== 'unity.script_generated') return true;
  const after = e.payload.after;
  if (after === undefined) return true;
  return (await sha256Hex(after)) === proof.codeSha256;
}
