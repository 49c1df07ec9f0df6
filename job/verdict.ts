/**
 * The verdict: is the sinks' committed output exactly the input, each record processed once?
 * Every input record must appear exactly once (no loss, no duplicate). Per account, the counts
 * must be exactly 1..n and the output with count n must carry the final balance: a state restored
 * from the wrong point, or a record applied twice to the state, breaks that even when the output
 * ids look right.
 * @packageDocumentation
 */
import type { InputLog } from './input-log.js';
import { SIDES } from './input-log.js';

/** What the verdict found. */
export interface Verdict {
  /** No loss, no duplicates, consistent state, no protocol violation. */
  readonly exactlyOnce: boolean;
  /** Records in the input. */
  readonly inputRecords: number;
  /** Lines in the committed output. */
  readonly committedRecords: number;
  /** Input records missing from the output. */
  readonly lostRecords: number;
  /** Extra copies of input records in the output. */
  readonly duplicateRecords: number;
  /** Output lines that are not an input record's (malformed or unknown ids). */
  readonly foreignRecords: number;
  /** Accounts whose counts or final balance are wrong. */
  readonly inconsistentKeys: number;
  /** Named protocol properties violated during the run. */
  readonly protocolViolations: readonly string[];
}

/**
 * Judges a run.
 * @param log - the input.
 * @param committed - every committed output line (`<id> <key> <seq> <balance>`).
 * @param violations - protocol property violations seen during the run.
 */
export function judge(log: InputLog, committed: Iterable<string>, violations: readonly string[]): Verdict {
  const { partitions, recordsPerPartition } = log.options;
  const seen = new Uint8Array(log.size);
  const totals = log.totals();
  const seqs = new Map<number, Uint8Array>();
  for (const [key, t] of totals) seqs.set(key, new Uint8Array(t.count + 1));
  const badKeys = new Set<number>();
  let lines = 0;
  let duplicates = 0;
  let foreign = 0;
  const f = new Float64Array(6);
  for (const line of committed) {
    lines++;
    if (!parseLine(line, f)) {
      foreign++;
      continue;
    }
    const [side, partition, offset, key, seq, balance] = f as unknown as [number, number, number, number, number, number];
    if (side >= SIDES || partition >= partitions || offset >= recordsPerPartition) {
      foreign++;
      continue;
    }
    const index = (side * partitions + partition) * recordsPerPartition + offset;
    if (seen[index]! > 0) duplicates++;
    seen[index] = Math.min(255, seen[index]! + 1);
    const counts = seqs.get(key);
    const total = totals.get(key);
    if (!counts || !total || seq < 1 || seq > total.count) {
      badKeys.add(key);
      continue;
    }
    counts[seq] = Math.min(255, counts[seq]! + 1);
    if (seq === total.count && balance !== total.balance) badKeys.add(key);
  }
  let lost = 0;
  for (let i = 0; i < seen.length; i++) if (seen[i] === 0) lost++;
  for (const [key, counts] of seqs) {
    for (let i = 1; i < counts.length; i++) {
      if (counts[i] !== 1) {
        badKeys.add(key);
        break;
      }
    }
  }
  const exactlyOnce = lost === 0 && duplicates === 0 && foreign === 0 && badKeys.size === 0 && violations.length === 0;
  return { exactlyOnce, inputRecords: log.size, committedRecords: lines, lostRecords: lost, duplicateRecords: duplicates, foreignRecords: foreign, inconsistentKeys: badKeys.size, protocolViolations: violations };
}

/**
 * Parses an output line `<side>.<partition>.<offset> <key> <seq> <balance>` into `out` (the first
 * five non-negative, the balance signed) without allocating; false when it is malformed.
 * @param line - the line, without its newline.
 * @param out - receives the six numbers.
 */
export function parseLine(line: string, out: Float64Array): boolean {
  let field = 0;
  let value = 0;
  let digits = 0;
  let negative = false;
  for (let i = 0; i <= line.length; i++) {
    const c = i < line.length ? line.charCodeAt(i) : -1;
    if (c >= 48 && c <= 57) {
      value = value * 10 + (c - 48);
      digits++;
      continue;
    }
    if (c === 45 && field === 5 && digits === 0 && !negative) {
      negative = true;
      continue;
    }
    const separator = field < 2 ? 46 : field < 5 ? 32 : -1;
    if (digits === 0 || c !== separator) return false;
    out[field++] = negative ? -value : value;
    value = 0;
    digits = 0;
    negative = false;
  }
  return field === 6;
}
