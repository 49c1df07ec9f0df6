/**
 * The PostgreSQL store against the real server (127.0.0.1:5432, database `test`): the shared
 * contract, plus what is particular to it. Every test uses a schema of its own, dropped after.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { ConfigError } from '../../spec/index.js';
import type { DurableState, PostgresStoreOptions } from '../../runtime/store/index.js';
import { CorruptStateError, openPostgresStore } from '../../runtime/store/index.js';
import { describeDurableStore } from './contract.js';
import { checkpointOf, idsOf } from './support.js';

const CONNECTION = process.env.PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const admin = new pg.Pool({ connectionString: CONNECTION, max: 2 });
const schemas: string[] = [];
const handles: DurableState[] = [];

/** A schema name no other test uses. */
function uniqueSchema(): string {
  const s = `sw_test_${process.pid}_${randomBytes(4).toString('hex')}`;
  schemas.push(s);
  return s;
}

async function open(options: Omit<PostgresStoreOptions, 'connectionString'>): Promise<DurableState> {
  const s = await openPostgresStore({ connectionString: CONNECTION, ...options });
  handles.push(s);
  return s;
}

afterEach(async () => {
  for (const h of handles.splice(0)) await h.close();
});

afterAll(async () => {
  for (const s of schemas) await admin.query(`DROP SCHEMA IF EXISTS "${s}" CASCADE`);
  await admin.end();
});

describeDurableStore('postgres store', async () => {
  const schema = uniqueSchema();
  return (options) => openPostgresStore({ connectionString: CONNECTION, schema, jobId: 'job', ...options });
});

describe('postgres store in particular', () => {
  it('creates its schema and tables when missing', async () => {
    const schema = uniqueSchema();
    await open({ schema, jobId: 'job' });
    const r = await admin.query<{ table_name: string }>('SELECT table_name FROM information_schema.tables WHERE table_schema = $1 ORDER BY table_name', [schema]);
    expect(r.rows.map((x) => x.table_name)).toEqual(['checkpoints', 'ids', 'leader', 'states']);
  });

  it('opens concurrently on a missing schema without a race', async () => {
    const schema = uniqueSchema();
    const all = await Promise.all([1, 2, 3].map(() => open({ schema, jobId: 'job' })));
    expect(all.map((s) => s.epoch).sort()).toEqual([1, 2, 3]);
  });

  it('keeps jobs sharing the tables apart: ids, epochs, checkpoints', async () => {
    const schema = uniqueSchema();
    const a = await open({ schema, jobId: 'a' });
    const b = await open({ schema, jobId: 'b' });
    expect([a.epoch, b.epoch]).toEqual([1, 1]);
    await a.store.add(checkpointOf(await a.counter.getAndIncrement()), []);
    expect(await b.counter.getAndIncrement()).toBe(1);
    expect(await b.store.load()).toEqual([]);
    expect(idsOf(await a.store.load())).toEqual([1]);
  });

  it('detects a corrupted checkpoint row by its checksum and falls back to the previous one', async () => {
    const schema = uniqueSchema();
    const s = await open({ schema, jobId: 'job', retained: 2 });
    for (let i = 0; i < 2; i++) await s.store.add(checkpointOf(await s.counter.getAndIncrement()), []);
    await admin.query(`UPDATE "${schema}".checkpoints SET body = replace(body, '"timestamp":2000', '"timestamp":2001') WHERE checkpoint_id = 2`);
    const again = await open({ schema, jobId: 'job', retained: 2 });
    expect(again.recovery.ignored).toEqual([{ where: `"${schema}"."checkpoints"/2`, defect: 'checksum' }]);
    expect(idsOf(again.recovery.checkpoints)).toEqual([1]);
  });

  it('rejects a corrupted state row with CorruptStateError', async () => {
    const schema = uniqueSchema();
    const s = await open({ schema, jobId: 'job' });
    const stored = await s.snapshots.put('t', 1, Buffer.from('state '.repeat(400)));
    await admin.query(`UPDATE "${schema}".states SET data = data || '\\x00'::bytea`);
    await expect(s.snapshots.get(stored.handle)).rejects.toBeInstanceOf(CorruptStateError);
  });

  it('rolls back a fenced add: nothing is inserted or deleted', async () => {
    const schema = uniqueSchema();
    const old = await open({ schema, jobId: 'job' });
    await old.store.add(checkpointOf(await old.counter.getAndIncrement()), []);
    const id = await old.counter.getAndIncrement();
    await open({ schema, jobId: 'job' });
    await expect(old.store.add(checkpointOf(id), [1])).rejects.toMatchObject({ code: 'fenced' });
    const rows = await admin.query<{ checkpoint_id: string }>(`SELECT checkpoint_id FROM "${schema}".checkpoints`);
    expect(rows.rows.map((r) => Number(r.checkpoint_id))).toEqual([1]);
  });

  const bad: Array<[string, Record<string, unknown>, string]> = [
    ['schema', { schema: 'Robert"; DROP TABLE x; --' }, 'schema'],
    ['jobId', { jobId: '' }, 'jobId'],
    ['connectionString', { connectionString: 42 }, 'connectionString'],
    ['poolSize', { poolSize: 0 }, 'poolSize'],
    ['retained', { retained: 0 }, 'retained'],
    ['an unknown option', { table: 'x' }, 'table'],
  ];
  it.each(bad)('fails fast on bad %s, naming the option, before connecting', async (_what, override, option) => {
    const options = { connectionString: 'postgres://nobody@127.0.0.1:1/none', jobId: 'job', ...override } as unknown as PostgresStoreOptions;
    const opening = openPostgresStore(options);
    await expect(opening).rejects.toBeInstanceOf(ConfigError);
    await expect(opening).rejects.toMatchObject({ option });
  });
});
