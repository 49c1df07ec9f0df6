/**
 * The job's pieces on their own: the input log replays, a blocked data channel delivers nothing,
 * the file sink's two-phase commit on real files, and a verdict that catches loss, duplicates and
 * a wrong state.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DataChannel, isStreamEvent } from '../../job/data-channel.js';
import { committedLines, FileSink } from '../../job/file-sink.js';
import { InputLog } from '../../job/input-log.js';
import type { InputRecord } from '../../job/input-log.js';
import { KeyedBalance, outputLine } from '../../job/keyed-operator.js';
import { judge, parseLine } from '../../job/verdict.js';

const temp = () => mkdtempSync(join(tmpdir(), 'snapwright-job-test-'));
const barrier = { type: 'barrier', checkpointId: 1, timestamp: 0, options: { snapshot: 'checkpoint', alignment: 'aligned', alignedCheckpointTimeoutMs: 0 } } as const;

/** The committed output of processing every record of `log` once, in log order. */
function onceThrough(log: InputLog): string[] {
  const op = new KeyedBalance();
  const lines: string[] = [];
  for (let side = 0; side < 2; side++) {
    for (let p = 0; p < log.options.partitions; p++) {
      for (let o = 0; o < log.options.recordsPerPartition; o++) {
        const out = op.process(side, log.read(side, p, o) as InputRecord);
        lines.push(outputLine(out).trimEnd());
      }
    }
  }
  return lines;
}

describe('input log', () => {
  it('is a function of the seed: the same records on every read, others for another seed, none past the end', () => {
    const a = new InputLog({ seed: 5, partitions: 2, recordsPerPartition: 50, keys: 7 });
    const b = new InputLog({ seed: 5, partitions: 2, recordsPerPartition: 50, keys: 7 });
    const c = new InputLog({ seed: 6, partitions: 2, recordsPerPartition: 50, keys: 7 });
    const all = (l: InputLog) => [0, 1].flatMap((s) => [0, 1].flatMap((p) => Array.from({ length: 50 }, (_, o) => l.read(s, p, o))));
    expect(all(a)).toEqual(all(b));
    expect(all(a)).not.toEqual(all(c));
    expect(a.read(0, 0, 50)).toBeNull();
    expect([...a.ids()]).toHaveLength(a.size);
    expect(new Set(all(a).map((r) => r?.key)).size).toBeLessThanOrEqual(7);
  });
});

describe('data channel', () => {
  it('keeps records and barriers in FIFO order and delivers nothing while blocked', () => {
    const ch = new DataChannel<{ id: string }>('up#0');
    ch.push({ id: 'a' });
    ch.push(barrier);
    ch.push({ id: 'b' });
    expect(ch.take()).toEqual({ id: 'a' });
    const e = ch.take();
    expect(e && isStreamEvent(e)).toBe(true);
    ch.blocked = true;
    expect(ch.take()).toBeUndefined();
    expect(ch.size).toBe(1);
    ch.blocked = false;
    expect(ch.take()).toEqual({ id: 'b' });
    expect(ch.take()).toBeUndefined();
  });
});

describe('file sink', () => {
  it('pre-commits to a pending file, commits by rename, recovers idempotently and aborts the open transaction', () => {
    const dir = temp();
    const sink = new FileSink(join(dir, 'sink-0'), false);
    sink.beginTransaction('sink#0/a0/txn-0');
    sink.write('x 1 1 5\n');
    sink.preCommit('sink#0/a0/txn-0');
    sink.beginTransaction('sink#0/a0/txn-1');
    sink.write('y 1 2 7\n');
    expect([...committedLines(dir)]).toEqual([]);
    sink.commit('sink#0/a0/txn-0');
    expect([...committedLines(dir)]).toEqual(['x 1 1 5']);
    // A second attempt recovers: the committed one stays committed once; the open one had no file.
    const again = new FileSink(join(dir, 'sink-0'), false);
    again.recoverAndCommit('sink#0/a0/txn-0');
    again.recoverAndAbort('sink#0/a0/txn-1');
    expect([...committedLines(dir)]).toEqual(['x 1 1 5']);
    expect(() => again.beginTransaction('sink#0/a0/txn-0')).toThrow(/already exists/);
    expect(() => again.recoverAndCommit('sink#0/a0/txn-9')).toThrow(/lost/);
    expect(() => again.write('z\n')).toThrow(/no open transaction/);
    expect(readdirSync(join(dir, 'sink-0', 'pending'))).toEqual([]);
    expect(readdirSync(join(dir, 'sink-0', 'in-progress'))).toEqual([]);
  });

  it('appends a large transaction to its in-progress file as it grows; abort deletes it, recover-and-abort also a pending one', () => {
    const dir = temp();
    const sink = new FileSink(join(dir, 's'), false);
    sink.beginTransaction('s/a0/txn-0');
    const line = `${'x'.repeat(99)}\n`;
    for (let i = 0; i < 1000; i++) sink.write(line);
    const file = join(dir, 's', 'in-progress', 's_a0_txn-0.txt');
    expect(readFileSync(file, 'utf8').length).toBeGreaterThan(0);
    sink.preCommit('s/a0/txn-0');
    expect(existsSync(file)).toBe(false);
    expect(readFileSync(join(dir, 's', 'pending', 's_a0_txn-0.txt'), 'utf8')).toBe(line.repeat(1000));
    sink.beginTransaction('s/a0/txn-1');
    sink.write('y\n');
    sink.abort('s/a0/txn-1');
    expect(readdirSync(join(dir, 's', 'in-progress'))).toEqual([]);
    // A restore from before txn-0 was pre-committed aborts it: its pending file goes.
    new FileSink(join(dir, 's'), false).recoverAndAbort('s/a0/txn-0');
    expect(readdirSync(join(dir, 's', 'pending'))).toEqual([]);
    expect([...committedLines(dir)]).toEqual([]);
  });

  it('recover-and-commit commits a pre-committed transaction that was never committed, and pending files can be flushed with fsync', async () => {
    const dir = temp();
    const sink = new FileSink(join(dir, 's'), true);
    sink.beginTransaction('t/1');
    sink.write('a 0 1 1\n');
    sink.preCommit('t/1');
    await sink.sync();
    expect(existsSync(join(dir, 's', 'pending', 't_1.txt'))).toBe(true);
    new FileSink(join(dir, 's'), true).recoverAndCommit('t/1');
    expect([...committedLines(dir)]).toEqual(['a 0 1 1']);
  });
});

describe('verdict', () => {
  const log = new InputLog({ seed: 3, partitions: 2, recordsPerPartition: 40, keys: 5 });

  it('parses output lines exactly and rejects malformed ones', () => {
    const f = new Float64Array(6);
    expect(parseLine('1.2.30 4 5 -67', f)).toBe(true);
    expect([...f]).toEqual([1, 2, 30, 4, 5, -67]);
    expect(parseLine('0.0.0 0 1 12', f)).toBe(true);
    expect([...f]).toEqual([0, 0, 0, 0, 1, 12]);
    for (const bad of ['', '1.2 4 5 6', '1.2.3 4 5', '1.2.3 4 5 6 7', '1.2.3  4 5 6', '1.-2.3 4 5 6', '1.2.3 4 5 --6', '1.2.3 4 5 6 ', 'a.2.3 4 5 6', '1.2.3 4 5 -']) expect(parseLine(bad, f), bad).toBe(false);
  });

  it('accepts every record once', () => {
    expect(judge(log, onceThrough(log), [])).toMatchObject({ exactlyOnce: true, lostRecords: 0, duplicateRecords: 0, inconsistentKeys: 0, committedRecords: log.size });
  });

  it('counts lost and duplicated records, foreign lines and protocol violations', () => {
    const lines = onceThrough(log);
    const lossy = judge(log, lines.slice(3), []);
    expect(lossy).toMatchObject({ exactlyOnce: false, lostRecords: 3 });
    const doubled = judge(log, [...lines, lines[0] as string, lines[1] as string], []);
    expect(doubled).toMatchObject({ exactlyOnce: false, duplicateRecords: 2, lostRecords: 0 });
    expect(judge(log, [...lines, 'garbage'], [])).toMatchObject({ exactlyOnce: false, foreignRecords: 1 });
    expect(judge(log, lines, ['one-outcome: x'])).toMatchObject({ exactlyOnce: false });
  });

  it('catches a state applied twice even when the output ids are exactly the input', () => {
    // Replaying the first 10 records into the state (as a wrong restore would) shifts every count.
    const op = new KeyedBalance();
    for (let o = 0; o < 10; o++) op.process(0, log.read(0, 0, o) as InputRecord);
    const state = op.snapshot();
    const fresh = new KeyedBalance();
    fresh.restore(state);
    const lines: string[] = [];
    for (let side = 0; side < 2; side++) {
      for (let p = 0; p < 2; p++) {
        for (let o = 0; o < 40; o++) {
          const out = fresh.process(side, log.read(side, p, o) as InputRecord);
          lines.push(outputLine(out).trimEnd());
        }
      }
    }
    const v = judge(log, lines, []);
    expect(v.lostRecords + v.duplicateRecords).toBe(0);
    expect(v.inconsistentKeys).toBeGreaterThan(0);
    expect(v.exactlyOnce).toBe(false);
  });
});
