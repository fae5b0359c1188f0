// Which tables a project's backup holds, in which order, and which rows of each; and the
// operations a snapshot restore plans. Pure functions, no database.
import { PgDialect } from 'drizzle-orm/pg-core';
import { describe, expect, it } from 'vitest';
import { planTables } from '../../db/backup';
import { planRestore } from '../../edge/services/snapshots';
import { HttpError } from '../../edge/http/errors';

const dialect = new PgDialect();
const render = (plan: ReturnType<typeof planTables>, name: string) => dialect.sqlToQuery(plan.find((t) => t.name === name)!.filter('P'));

describe('planTables', () => {
  const tables = [
    { name: 'users', hasProjectId: false, pk: ['id'] },
    { name: 'projects', hasProjectId: false, pk: ['id'] },
    { name: 'sessions', hasProjectId: true, pk: ['id'] },
    { name: 'runs', hasProjectId: true, pk: ['id'] },
    { name: 'messages', hasProjectId: false, pk: ['id'] },
    { name: 'refresh_tokens', hasProjectId: false, pk: ['id'] },
    { name: 'rollup_watermarks', hasProjectId: false, pk: ['name'] },
  ];
  const fks = [
    { table: 'projects', column: 'owner_id', refTable: 'users', refColumn: 'id' },
    { table: 'sessions', column: 'project_id', refTable: 'projects', refColumn: 'id' },
    { table: 'sessions', column: 'created_by', refTable: 'users', refColumn: 'id' },
    { table: 'runs', column: 'session_id', refTable: 'sessions', refColumn: 'id' },
    { table: 'messages', column: 'run_id', refTable: 'runs', refColumn: 'id' },
    { table: 'refresh_tokens', column: 'user_id', refTable: 'users', refColumn: 'id' },
  ];
  const plan = planTables(tables, fks);

  it('holds the project, its tables, what hangs off them and the users they point at, parents first', () => {
    const names = plan.map((t) => t.name);
    expect(names.sort()).toEqual(['messages', 'projects', 'runs', 'sessions', 'users']);
    const order = plan.map((t) => t.name);
    for (const fk of fks.filter((f) => order.includes(f.table))) expect(order.indexOf(fk.refTable), `${fk.table} after ${fk.refTable}`).toBeLessThan(order.indexOf(fk.table));
  });

  it('picks the rows by project id, through foreign keys for tables without one', () => {
    expect(render(plan, 'projects')).toMatchObject({ sql: '"id" = $1::uuid', params: ['P'] });
    expect(render(plan, 'sessions')).toMatchObject({ sql: '"project_id" = $1::uuid', params: ['P'] });
    expect(render(plan, 'messages').sql).toBe('"run_id" in (select "id" from "runs" where "project_id" = $1::uuid)');
    const users = render(plan, 'users');
    expect(users.sql).toBe('"id" in (select "owner_id" from "projects" where "id" = $1::uuid union select "created_by" from "sessions" where "project_id" = $2::uuid)');
  });
});

describe('planRestore', () => {
  it('writes every file of the snapshot (overwriting) and deletes the scripts it lacks', () => {
    const steps = planRestore([{ path: 'Assets/A.cs' }, { path: 'Assets/Gone.cs' }], [
      { path: 'Assets/A.cs', code: 'class A {}' },
      { path: 'Assets/B.cs', code: 'class B {}' },
    ]);
    expect(steps).toEqual([
      { path: 'Assets/A.cs', action: 'write', op: { op: 'generate_script', path: 'Assets/A.cs', code: 'class A {}', overwrite: true } },
      { path: 'Assets/B.cs', action: 'write', op: { op: 'generate_script', path: 'Assets/B.cs', code: 'class B {}', overwrite: true } },
      { path: 'Assets/Gone.cs', action: 'delete', op: { op: 'delete_script', path: 'Assets/Gone.cs' } },
    ]);
  });

  it('refuses the whole plan when one file could not be sent as an operation (422 naming it)', () => {
    let err: unknown;
    try {
      planRestore([], [{ path: 'Assets/A.cs', code: 'ok' }, { path: 'Assets/../../etc/x.cs', code: 'x' }]);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(HttpError);
    expect(err).toMatchObject({ status: 422, code: 'invalid_op', path: 'path' });
  });
});
