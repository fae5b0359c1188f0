import type { MemberRole, TokenScope } from '../../contracts/api';
import { isUuid } from '../../contracts/uuid';
import type { Db } from '../../db/client';
import { findMembership } from '../../db/queries/identity';
import { forbidden, notFound } from '../http/errors';
import type { Caller } from './caller';

/** What an action needs on a project. */
export type Need = 'read' | 'ingest' | 'write' | 'agent' | 'admin';

const ROLE_GRANTS: Record<MemberRole, readonly Need[]> = {
  viewer: ['read'],
  member: ['read', 'ingest', 'write'],
  owner: ['read', 'ingest', 'write', 'admin'],
};
const SCOPE_GRANTS: Record<TokenScope, readonly Need[]> = {
  read: ['read'],
  ingest: ['ingest'],
  agent: ['read', 'ingest', 'agent'],
  // An AI client through /mcp: what a member does in a session, never admin or the agent's socket.
  mcp: ['read', 'write'],
};

export function grants(grantor: { role: MemberRole } | { scope: TokenScope }, need: Need): boolean {
  return 'role' in grantor ? ROLE_GRANTS[grantor.role].includes(need) : SCOPE_GRANTS[grantor.scope].includes(need);
}

/**
 * Checks the caller may do `need` on the project. A project the caller has no part in answers
 * 404 — the same as one that does not exist — so ids of other people's projects leak nothing.
 * Returns the caller's role (users) for handlers that want it.
 */
export async function requireProject(db: Db, caller: Caller, projectId: string, need: Need): Promise<MemberRole | null> {
  if (!isUuid(projectId)) throw notFound('project');
  if (caller.kind === 'token') {
    if (caller.projectId !== projectId) throw notFound('project');
    if (!grants({ scope: caller.scope }, need)) throw forbidden(`a ${caller.scope} token cannot ${need} this project`);
    return null;
  }
  const role = caller.membership?.projectId === projectId ? caller.membership.role : await findMembership(db, projectId, caller.userId);
  if (!role) throw notFound('project');
  if (!grants({ role }, need)) throw forbidden(`a ${role} cannot ${need} this project`);
  return role;
}

export function requireUser(caller: Caller): Extract<Caller, { kind: 'user' }> {
  if (caller.kind !== 'user') throw forbidden('this action needs a user access token, not an API token');
  return caller;
}

export { isUuid } from '../../contracts/uuid';
