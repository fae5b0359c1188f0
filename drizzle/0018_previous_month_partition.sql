-- Custom SQL migration: a new database also gets the previous UTC month's partition. Events are
-- stamped when they happen, not when they arrive (an outbox flushed after a reconnect, an import),
-- so a database made on the 1st must still take yesterday's; the consumer makes older months on
-- demand, and the cron keeps months ahead.
SELECT "spark_ensure_event_partitions"(((now() AT TIME ZONE 'UTC') - interval '1 month')::date, 1);
