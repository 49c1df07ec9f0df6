/**
 * `openPostgresStore`: the durable store in PostgreSQL, with the same shape as the file store.
 * Tables (in `schema`, created if missing): `leader` (epoch per job), `ids` (counter per job),
 * `checkpoints` (retained completed checkpoints, with a sha256 of each body), `states`
 * (task-state payloads).
 * @packageDocumentation
 */
import pg from 'pg';
import { ConfigError } from '../../../spec/index.js';
import type { DurableStoreOptions } from '../options.js';
import { integerOption, resolveStoreOptions, stringOption } from '../options.js';
import { openDurable } from '../open-durable.js';
import type { DurableState } from '../ports.js';
import { PostgresBackend } from './postgres-backend.js';
import { PostgresSnapshots } from './postgres-snapshots.js';
import { createSchema } from './sql.js';

/** Options of {@link openPostgresStore}. */
export interface PostgresStoreOptions extends DurableStoreOptions {
  /** For example `postgres://postgres@127.0.0.1:5432/test`. */
  readonly connectionString: string;
  /** The job whose state this is (several jobs may share the tables). */
  readonly jobId: string;
  /** The schema of the tables: a lowercase identifier (default `snapwright`). */
  readonly schema?: string;
  /** Connections in the pool (default 4). */
  readonly poolSize?: number;
}

const SCHEMA = /^[a-z_][a-z0-9_]{0,62}$/;

/**
 * Connects, creates the schema if missing, loads and checks the retained checkpoints, and by
 * default takes leadership for `jobId`.
 * @param options - see {@link PostgresStoreOptions}.
 */
export async function openPostgresStore(options: PostgresStoreOptions): Promise<DurableState> {
  const resolved = resolveStoreOptions(options, ['connectionString', 'jobId', 'schema', 'poolSize']);
  const connectionString = stringOption('connectionString', options.connectionString);
  const jobId = stringOption('jobId', options.jobId);
  const schema = options.schema ?? 'snapwright';
  if (typeof schema !== 'string' || !SCHEMA.test(schema)) throw new ConfigError('schema', `must be a lowercase SQL identifier, got ${String(schema)}`);
  const poolSize = integerOption('poolSize', options.poolSize ?? 4, 1, 100);
  const pool = new pg.Pool({ connectionString, max: poolSize });
  pool.on('error', () => undefined); // an idle connection dropped; the next query reconnects
  try {
    await createSchema(pool, schema);
    const backend = new PostgresBackend(pool, schema, jobId, resolved.retained);
    return await openDurable(backend, new PostgresSnapshots(pool, schema, jobId, resolved.compression), resolved, () => pool.end());
  } catch (e) {
    await pool.end();
    throw e;
  }
}
