import { describe, expect, it } from 'vitest';
import { createDb } from '../../db/client';
import { memberships, users } from '../../db/schema';
import { userCaller, type Caller } from '../../edge/services/caller';
import { requireProject } from '../../edge/services/access';
import { HttpError } from '../../edge/http/errors';
import { seedProject, useTestDatabase } from './helpers';

// A person's call to a project route: one query answers both "does the account still exist" and
// "what is their role here"; requireProject then decides from it without asking again.
describe('a user caller with their role on the project of the request', () => {
  const h = useTestDatabase('caller_access');

  const status = (p: Promise<unknown>) =>
    p.then(
      () => 'ok',
      (err: unknown) => (err instanceof HttpError ? err.status : err),
    );

  it('reads the role with the account, and requireProject answers from it', async () => {
    const { user, project } = await seedProject(h.db, 'owner');
    await h.db.insert(memberships).values({ projectId: project.id, userId: user.id, role: 'viewer' });
    const caller = await userCaller(h.db, user.id, user.email, project.id);
    expect(caller).toMatchObject({ kind: 'user', userId: user.id, membership: { projectId: project.id, role: 'viewer' } });

    // A closed client would fail any query: requireProject does not ask again.
    const closed = createDb({ url: h.url });
    await closed.close();
    expect(await requireProject(closed.db, caller, project.id, 'read')).toBe('viewer');
    expect(await status(requireProject(closed.db, caller, project.id, 'write'))).toBe(403);
    // Another project than the one read with the account is looked up as before.
    const other = await seedProject(h.db, 'other');
    expect(await status(requireProject(h.db, caller, other.project.id, 'read'))).toBe(404);
  });

  it('gives a non-member no role (404), and a deleted account 401 whatever the project', async () => {
    const { project } = await seedProject(h.db, 'owned');
    const [stranger] = await h.db.insert(users).values({ email: `s-${crypto.randomUUID()}@example.com`, passwordHash: 'x' }).returning();
    const caller = await userCaller(h.db, stranger!.id, stranger!.email, project.id);
    expect((caller as Extract<Caller, { kind: 'user' }>).membership).toEqual({ projectId: project.id, role: null });
    expect(await status(requireProject(h.db, caller, project.id, 'read'))).toBe(404);

    const ghost = crypto.randomUUID();
    expect(await status(userCaller(h.db, ghost, 'ghost@example.com', project.id))).toBe(401);
    expect(await status(userCaller(h.db, ghost, 'ghost@example.com', crypto.randomUUID()))).toBe(401);
    expect(await status(userCaller(h.db, ghost, 'ghost@example.com'))).toBe(401);
  });

  it('ignores a path segment that is not a project id', async () => {
    const { user } = await seedProject(h.db, 'plain');
    const caller = await userCaller(h.db, user.id, user.email, 'not-a-uuid');
    expect(caller).toEqual({ kind: 'user', userId: user.id, email: user.email });
  });
});
