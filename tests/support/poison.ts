import type postgres from 'postgres';

/**
 * Makes Postgres refuse every event whose payload has `marker` (a CHECK constraint on the test's
 * own database): a poison event that no retry can store, standing for any row Postgres refuses.
 * (A month without a partition no longer is one: the consumer makes the partition on demand.)
 * Returns the operator's fix: dropping the constraint, after which a replay stores the event.
 */
export async function refuseEventsMarked(sql: postgres.Sql, marker: string) {
  const name = `test_refuse_${marker.replace(/\W/g, '_')}`;
  await sql.unsafe(`alter table spark_events add constraint ${name} check (not (payload ? '${marker.replace(/'/g, "''")}'))`);
  return { constraint: name, fix: () => sql.unsafe(`alter table spark_events drop constraint ${name}`).then(() => undefined) };
}
