/**
 * The leader lease across real processes: a child process leads (file store, and PostgreSQL on
 * the real server) and is SIGKILLed, and the standby in this process takes over with the next
 * epoch after the lease timeout, its ids above everything the child was handed. A child frozen
 * with SIGSTOP past the timeout is taken over too; resumed with SIGCONT, it finds itself deposed,
 * and its writes are refused with FencedWriteError: it stores nothing more.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { DurableState, Leadership } from '../../runtime/store/index.js';
import { campaign, openFileStore, openPostgresStore } from '../../runtime/store/index.js';
import { tempDir, useTempDirs } from './support.js';

useTempDirs();

const HOLDER = fileURLToPath(new URL('./fixtures/lease-holder.ts', import.meta.url));
const CONNECTION = process.env.PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const TIMEOUT = 800;
const RENEW = 100;
const admin = new pg.Pool({ connectionString: CONNECTION, max: 1 });
const schemas: string[] = [];
const children: ChildProcess[] = [];
const handles: DurableState[] = [];
const leaders: Leadership[] = [];

afterEach(async () => {
  for (const c of children.splice(0)) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  for (const l of leaders.splice(0)) await l.stop();
  for (const h of handles.splice(0)) await h.close();
});

afterAll(async () => {
  for (const s of schemas) await admin.query(`DROP SCHEMA IF EXISTS "${s}" CASCADE`);
  await admin.end();
});

/** A new empty store of `kind`: its location (for the child) and a handle that does not lead. */
async function newStore(kind: 'file' | 'pg'): Promise<{ where: string; store: DurableState }> {
  const options = { leadership: 'none', idBlockSize: 4 } as const;
  let where: string;
  let store: DurableState;
  if (kind === 'pg') {
    where = `sw_lease_proc_${process.pid}_${randomBytes(4).toString('hex')}`;
    schemas.push(where);
    store = await openPostgresStore({ connectionString: CONNECTION, schema: where, jobId: 'job', ...options });
  } else {
    where = await tempDir();
    store = await openFileStore(where, options);
  }
  handles.push(store);
  return { where, store };
}

/** The child's lines, and a way to wait for one. */
function child(kind: string, where: string) {
  const c = spawn(process.execPath, ['--import', 'tsx', HOLDER, kind, where, 'child', String(TIMEOUT), String(RENEW)], { stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(c);
  const lines: string[] = [];
  let err = '';
  const waiters: Array<() => void> = [];
  c.stdout.on('data', (d: Buffer) => {
    lines.push(...d.toString().split('\n').filter((l) => l !== ''));
    for (const w of waiters.splice(0)) w();
  });
  c.stderr.on('data', (d: Buffer) => (err += d.toString()));
  const exited = new Promise<number | null>((resolve) => c.once('exit', (code) => resolve(code)));
  const waitFor = async (re: RegExp): Promise<RegExpExecArray> => {
    for (;;) {
      for (const l of lines) {
        const m = re.exec(l);
        if (m) return m;
      }
      if (c.exitCode !== null || c.signalCode !== null) throw new Error(`child exited before ${re}: ${err}`);
      await new Promise<void>((r) => waiters.push(r));
    }
  };
  const ids = (word: string) => lines.map((l) => new RegExp(`^${word} (\\d+)$`).exec(l)).filter((m) => m !== null).map((m) => Number(m[1]));
  return { c, lines, waitFor, exited, ids };
}

async function standBy(store: DurableState): Promise<Leadership> {
  const r = await campaign(store.lease, { holder: 'parent', leaseTimeoutMs: TIMEOUT, renewMs: RENEW });
  if (r.status !== 'leading') throw new Error(r.status);
  leaders.push(r.leadership);
  return r.leadership;
}

describe('leader lease across processes', () => {
  for (const kind of ['file', 'pg'] as const) {
    it(`${kind}: the standby takes over from a SIGKILLed leader with the next epoch, after the lease timeout, with ids above the leader's`, async () => {
      const { where, store } = await newStore(kind);
      const holder = child(kind, where);
      expect((await holder.waitFor(/^leading (\d+)$/))[1]).toBe('1');
      const standby = standBy(store);
      await holder.waitFor(/^stored 6$/);
      holder.c.kill('SIGKILL');
      const killedAt = performance.now();
      await holder.exited;
      const leader = await standby;
      const took = performance.now() - killedAt;
      console.log(`${kind}: lease taken over ${Math.round(took)} ms after SIGKILL (lease timeout ${TIMEOUT} ms, renewal every ${RENEW} ms)`);
      expect(leader.epoch).toBe(2);
      expect(took).toBeGreaterThan(TIMEOUT - RENEW - 50);
      const ports = store.fenced(leader.epoch);
      const next = await ports.counter.getAndIncrement();
      expect(next).toBeGreaterThan(Math.max(...holder.ids('stored')));
      expect(next % 4).toBe(1); // the start of a new block: the child's reserved block is skipped
      const stored = (await store.store.load()).map((c) => c.checkpointId);
      expect(holder.ids('stored')).toContain(stored.at(-1));
    }, 60_000);
  }

  it('file: a leader frozen past the timeout is taken over; resumed, it finds itself deposed and the store refuses its writes', async () => {
    const { where, store } = await newStore('file');
    const holder = child('file', where);
    await holder.waitFor(/^stored 3$/);
    const standby = standBy(store);
    holder.c.kill('SIGSTOP');
    const leader = await standby;
    expect(leader.epoch).toBe(2);
    await new Promise((r) => setTimeout(r, 200));
    const storedBefore = holder.ids('stored');
    const retained = (await store.store.load()).map((c) => c.checkpointId);
    holder.c.kill('SIGCONT');
    expect(await holder.exited).toBe(3);
    expect(holder.lines).toContain('deposed 2 parent');
    expect(holder.lines.filter((l) => l.startsWith('fenced '))).not.toHaveLength(0);
    for (const l of holder.lines.filter((x) => x.startsWith('fenced '))) expect(l).toMatch(/^fenced (add|allocate|check) 1 2$/);
    expect(holder.ids('stored')).toEqual(storedBefore);
    expect((await store.store.load()).map((c) => c.checkpointId)).toEqual(retained);
    expect(leader.deposition).toBeNull();
  }, 60_000);
});
