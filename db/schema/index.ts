// The whole schema, for createDb and query code. drizzle.config.ts must NOT read this file:
// it re-exports spark_events, whose partitioned DDL lives in a custom migration.
export * from './identity';
export * from './sessions';
export * from './runtime';
export * from './history';
export * from './rollups';
export * from './agents';
export * from './webhooks';
export * from './oauth';
export * from './chips';
export * from './outgoing-webhooks';
export * from './ops';
export * from './relations';
export * from '../schema-partitioned/events';
export * from './assistant';
