/**
 * Durable state: completed-checkpoint stores, id counters and task-state storage on files (the
 * default) or PostgreSQL, with leader epochs that fence off deposed coordinators.
 * @packageDocumentation
 */
export * from './errors.js';
export * from './options.js';
export * from './ports.js';
export * from './frame.js';
export * from './checkpoint-codec.js';
export * from './retention.js';
export * from './compression.js';
export * from './state-keys.js';
export * from './backend.js';
export * from './lease-backend.js';
export * from './leader-lease.js';
export * from './checkpoint-ids.js';
export * from './open-durable.js';
export * from './serial-queue.js';
export * from './file/atomic-file.js';
export * from './file/manifest-log.js';
export * from './file/file-backend.js';
export * from './file/file-snapshots.js';
export * from './file/open-file-store.js';
export * from './postgres/sql.js';
export * from './postgres/postgres-backend.js';
export * from './postgres/postgres-snapshots.js';
export * from './postgres/open-postgres-store.js';
