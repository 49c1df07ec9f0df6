/**
 * Crash safety of the file store: a child process stores checkpoints as fast as it can and is
 * killed with SIGKILL at random instants (during its open, its id reservations, its state and
 * checkpoint writes, its clean-up). After every kill the store must open, hold a valid latest
 * checkpoint (never a torn one), have lost nothing the child saw stored, and never hand out an
 * id twice. The seed is printed; `SEED=<n> npx vitest run test/store/crash.serial.test.ts`
 * replays the same kill delays (`CRASH_ROUNDS` sets how many kills).
 */
import { spawn } from 'node:child_process';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { openFileStore, stateKey } from '../../runtime/store/index.js';
import { crashCheckpointOf, payloadOf, plain } from './fixtures/checkpoints.js';
import { tempDir, useTempDirs } from './support.js';

useTempDirs();

const WRITER = fileURLToPath(new URL('./fixtures/crash-writer.ts', import.meta.url));

/** mulberry32: a small seeded generator of numbers in [0, 1). */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Run {
  readonly allocated: number[];
  readonly stored: number[];
}

/**
 * Runs the writer on `dir` and kills it `delayMs` after it opened the store (or after it
 * started, with `early`); resolves with what it printed.
 */
function runAndKill(dir: string, delayMs: number, early: boolean): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', WRITER, dir], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    let timer: NodeJS.Timeout | undefined;
    const kill = () => child.kill('SIGKILL');
    if (early) timer = setTimeout(kill, delayMs);
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      if (!early && timer === undefined && out.includes('open ')) timer = setTimeout(kill, delayMs);
    });
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      if (signal !== 'SIGKILL') return reject(new Error(`writer exited with ${code}: ${err}`));
      const ids = (word: string) => [...out.matchAll(new RegExp(`^${word} (\\d+)$`, 'gm'))].map((m) => Number(m[1]));
      resolve({ allocated: ids('allocated'), stored: ids('stored') });
    });
  });
}

describe('file store under SIGKILL', () => {
  it('always opens with a valid latest checkpoint, loses no stored one, and never reuses an id', async () => {
    const seed = Number(process.env.SEED) || Date.now() % 2 ** 31;
    const rounds = Number(process.env.CRASH_ROUNDS) || 24;
    console.log(`file store crash test: seed ${seed}, ${rounds} kills (replay with SEED=${seed})`);
    const rand = random(seed);
    const dir = await tempDir();
    const handedOut = new Set<number>();
    let lastStored = 0;
    let killsAfterStores = 0;
    for (let round = 0; round < rounds; round++) {
      const early = rand() < 0.2;
      const delay = early ? 150 + rand() * 700 : rand() * 120;
      const run = await runAndKill(dir, delay, early);
      for (const id of run.allocated) {
        expect(handedOut.has(id), `round ${round}: id ${id} handed out twice`).toBe(false);
        handedOut.add(id);
      }
      if (run.stored.length > 0) killsAfterStores++;
      lastStored = Math.max(lastStored, ...run.stored);

      const s = await openFileStore(dir, { retained: 3 });
      const where = `round ${round} (seed ${seed}, delay ${delay.toFixed(1)} ms${early ? ', early' : ''})`;
      expect(s.recovery.ignored, where).toEqual([]);
      const ids = s.recovery.checkpoints.map((c) => c.checkpointId);
      expect(ids, where).toEqual([...ids].sort((a, b) => a - b));
      expect(ids.length, where).toBeLessThanOrEqual(4);
      if (lastStored > 0) expect(ids.at(-1), `${where}: latest is at least the last stored`).toBeGreaterThanOrEqual(lastStored);
      for (const c of s.recovery.checkpoints) {
        expect(handedOut.has(c.checkpointId), where).toBe(true);
        expect(plain(c), where).toEqual(plain(crashCheckpointOf(c.checkpointId)));
        const state = await s.snapshots.get({ key: stateKey('task#0', c.checkpointId), sizeBytes: 0 });
        expect(state.equals(payloadOf(c.checkpointId)), where).toBe(true);
      }
      const next = await s.counter.getAndIncrement();
      expect(next, where).toBeGreaterThan(Math.max(0, ...handedOut));
      handedOut.add(next);
      expect((await readdir(dir)).filter((n) => n.startsWith('.tmp.')), `${where}: crashed writers' temporary files are cleaned`).toEqual([]);
      expect((await readdir(join(dir, 'checkpoints'))).filter((n) => n.startsWith('.tmp.')), where).toEqual([]);
      await s.close();
    }
    // The kills must have hit a store that was writing, not only processes starting up.
    expect(killsAfterStores).toBeGreaterThan(rounds / 3);
    expect(lastStored).toBeGreaterThan(0);
  });
});
