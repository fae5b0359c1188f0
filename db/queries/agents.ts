import { desc, eq, sql } from 'drizzle-orm';
import { rowsOf, type Db } from '../client';
import { agents, apiTokens, pairingCodes } from '../schema';

/** How long an unused pairing code is kept past its expiry (a late attempt still reads as expired). */
export const PAIRING_CODE_KEEP_AFTER_EXPIRY_MS = 86_400_000;

/**
 * Deletes pairing codes nobody used, a day past their expiry; a used code stays (it records which
 * code paired which agent). Resolves with how many went.
 */
export async function prunePairingCodes(db: Db, now: Date): Promise<number> {
  const before = new Date(now.getTime() - PAIRING_CODE_KEEP_AFTER_EXPIRY_MS).toISOString();
  const result = await db.execute(sql`delete from ${pairingCodes} where used_at is null and expires_at < ${before}::timestamptz returning 1`);
  return rowsOf(result).length;
}

/** Inserts a code unless the project already has `maxLive` unused, unexpired ones (then null). */
export async function insertPairingCode(db: Db, p: { projectId: string; codeHash: string; createdBy: string | null; expiresAt: Date }, maxLive: number) {
  const result = await db.execute(sql`
    insert into ${pairingCodes} (project_id, code_hash, created_by, expires_at)
    select ${p.projectId}, ${p.codeHash}, ${p.createdBy}, ${p.expiresAt.toISOString()}::timestamptz
    where (select count(*) from ${pairingCodes} where project_id = ${p.projectId} and used_at is null and expires_at > now()) < ${maxLive}
    returning id, expires_at`);
  const row = rowsOf<{ id: string; expires_at: string | Date }>(result)[0];
  return row ? { id: row.id, expiresAt: new Date(row.expires_at) } : null;
}

export type PairingOutcome =
  | { ok: true; projectId: string; agentId: string; tokenId: string }
  | { ok: false };

/**
 * Trades a pairing code for an agent: marks the code used, creates the agent's API token (scope
 * `agent`) and the agent row — in ONE statement, so a code can never be spent twice or leave
 * half an agent behind.
 */
export async function claimPairingCode(db: Db, c: { codeHash: string; agentName: string; tokenHash: string; tokenPrefix: string }): Promise<PairingOutcome> {
  const result = await db.execute(sql`
    with code as (
      update ${pairingCodes} set used_at = now()
      where code_hash = ${c.codeHash} and used_at is null and expires_at > now()
      returning id, project_id, created_by
    ), tok as (
      insert into ${apiTokens} (project_id, name, scope, token_hash, token_prefix, created_by)
      select project_id, ${`agent: ${c.agentName}`}, 'agent', ${c.tokenHash}, ${c.tokenPrefix}, created_by from code
      returning id, project_id
    ), ag as (
      insert into ${agents} (project_id, name, token_id, status)
      select project_id, ${c.agentName}, id, 'offline' from tok
      returning id, project_id, token_id
    ), link as (
      update ${pairingCodes} set agent_id = (select id from ag) where id = (select id from code)
    )
    select id as agent_id, project_id, token_id from ag`);
  const row = rowsOf<{ agent_id: string; project_id: string; token_id: string }>(result)[0];
  // Unknown, used and expired codes answer alike: which codes ever existed is nobody's business.
  return row ? { ok: true, projectId: row.project_id, agentId: row.agent_id, tokenId: row.token_id } : { ok: false };
}

export async function listAgents(db: Db, projectId: string) {
  return db.select().from(agents).where(eq(agents.projectId, projectId)).orderBy(desc(agents.createdAt));
}
