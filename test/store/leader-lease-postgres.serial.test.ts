/**
 * The leader lease on the real PostgreSQL server (127.0.0.1:5432, database `test`): the shared
 * lease suite, each test on a schema of its own (dropped after), and a schema from before leases
 * gaining the lease columns.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { openPostgresStore } from '../../runtime/store/index.js';
import { describeLeaderLease } from './lease-contract.js';

const CONNECTION = process.env.PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const admin = new pg.Pool({ connectionString: CONNECTION, max: 2 });
const schemas: string[] = [];

/** A schema name no other test uses. */
function uniqueSchema(): string {
  const s = `sw_lease_${process.pid}_${randomBytes(4).toString('hex')}`;
  schemas.push(s);
  return s;
}

afterAll(async () => {
  for (const s of schemas) await admin.query(`DROP SCHEMA IF EXISTS "${s}" CASCADE`);
  await admin.end();
});

describeLeaderLease('postgres store', async () => {
  const schema = uniqueSchema();
  return (options) => openPostgresStore({ connectionString: CONNECTION, schema, jobId: 'job', poolSize: 2, ...options });
});

describe('postgres lease in particular', () => {
  it('a schema from before leases gains the lease columns on open, keeping its epoch', async () => {
    const schema = uniqueSchema();
    await admin.query(`CREATE SCHEMA "${schema}"`);
    await admin.query(`CREATE TABLE "${schema}"."leader" (job_id text PRIMARY KEY, epoch bigint NOT NULL)`);
    await admin.query(`INSERT INTO "${schema}"."leader" VALUES ('job', 4)`);
    const s = await openPostgresStore({ connectionString: CONNECTION, schema, jobId: 'job', leadership: 'none' });
    try {
      expect(await s.lease.readLease()).toEqual({ epoch: 4, lease: null });
      expect(await s.lease.takeLease({ epoch: 4, lease: null }, 'h')).toBe(5);
      expect(await s.lease.readLease()).toEqual({ epoch: 5, lease: { holder: 'h', beat: 0, state: 'held' } });
    } finally {
      await s.close();
    }
  });

  it('jobs sharing the tables have leases of their own', async () => {
    const schema = uniqueSchema();
    const open = (jobId: string) => openPostgresStore({ connectionString: CONNECTION, schema, jobId, leadership: 'none' });
    const [a, b] = [await open('a'), await open('b')];
    try {
      expect(await a.lease.takeLease({ epoch: 0, lease: null }, 'ha')).toBe(1);
      expect(await b.lease.readLease()).toEqual({ epoch: 0, lease: null });
      expect(await b.lease.takeLease({ epoch: 0, lease: null }, 'hb')).toBe(1);
      expect(await a.lease.renewLease(1, 'ha')).toEqual({ renewed: true, beat: 1 });
      expect((await b.lease.readLease()).lease?.beat).toBe(0);
    } finally {
      await a.close();
      await b.close();
    }
  });
});
