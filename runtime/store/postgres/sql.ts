/**
 * The PostgreSQL store's schema (created if missing, under an advisory lock so concurrent
 * openers do not race) and its transaction helper.
 * @packageDocumentation
 */
import type { Pool, PoolClient } from 'pg';

/** The quoted, schema-qualified names of the store's tables. */
export interface Tables {
  /** The leader epoch per job, and its lease (`holder`, `beat`, `lease_state`). */
  readonly leader: string;
  /** The id counter per job. */
  readonly ids: string;
  /** Retained completed checkpoints. */
  readonly checkpoints: string;
  /** Task-state payloads. */
  readonly states: string;
}

/**
 * The table names in `schema` (already validated as a plain identifier).
 * @param schema - the schema.
 */
export function tablesOf(schema: string): Tables {
  const t = (name: string) => `"${schema}"."${name}"`;
  return { leader: t('leader'), ids: t('ids'), checkpoints: t('checkpoints'), states: t('states') };
}

/**
 * Runs `fn` in a transaction: committed when it resolves, rolled back when it throws.
 * @param pool - the pool.
 * @param fn - the work.
 */
export async function transaction<T>(pool: Pool, fn: (client: PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    const result = await fn(client);
    await client.query('COMMIT');
    return result;
  } catch (e) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw e;
  } finally {
    client.release();
  }
}

/**
 * Creates the schema and tables if missing.
 * @param pool - the pool.
 * @param schema - the schema.
 */
export async function createSchema(pool: Pool, schema: string): Promise<void> {
  const t = tablesOf(schema);
  await transaction(pool, async (c) => {
    await c.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`snapwright:${schema}`]);
    await c.query(`CREATE SCHEMA IF NOT EXISTS "${schema}"`);
    await c.query(`CREATE TABLE IF NOT EXISTS ${t.leader} (job_id text PRIMARY KEY, epoch bigint NOT NULL, holder text, beat bigint NOT NULL DEFAULT 0, lease_state text)`);
    const lease = await c.query(`SELECT 1 FROM information_schema.columns WHERE table_schema = $1 AND table_name = 'leader' AND column_name = 'holder'`, [schema]);
    if (lease.rowCount === 0) {
      // A schema from before leases: add the lease columns.
      await c.query(`ALTER TABLE ${t.leader} ADD COLUMN IF NOT EXISTS holder text, ADD COLUMN IF NOT EXISTS beat bigint NOT NULL DEFAULT 0, ADD COLUMN IF NOT EXISTS lease_state text`);
    }
    await c.query(`CREATE TABLE IF NOT EXISTS ${t.ids} (job_id text PRIMARY KEY, next_id bigint NOT NULL)`);
    await c.query(
      `CREATE TABLE IF NOT EXISTS ${t.checkpoints} (job_id text NOT NULL, checkpoint_id bigint NOT NULL, position bigserial, snapshot text NOT NULL,
       discard_on_subsume boolean NOT NULL, body text NOT NULL, sha256 text NOT NULL, PRIMARY KEY (job_id, checkpoint_id))`,
    );
    await c.query(
      `CREATE TABLE IF NOT EXISTS ${t.states} (job_id text NOT NULL, key text NOT NULL, codec text NOT NULL, bytes bigint NOT NULL,
       data bytea NOT NULL, sha256 text NOT NULL, PRIMARY KEY (job_id, key))`,
    );
  });
}
