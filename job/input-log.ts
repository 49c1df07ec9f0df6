/**
 * The job's input: a deterministic, partitioned, replayable log. Two topics (sides) feed the
 * keyed operator: side 0 holds deposits, side 1 withdrawals. Each side has one partition per
 * source task. Every record is a pure function of (seed, side, partition, offset), so a source
 * restored from a checkpoint replays exactly the records after its offset.
 * @packageDocumentation
 */
import { hash32 } from './random.js';

/** One record of the log. */
export interface InputRecord {
  /** The topic: 0 deposits, 1 withdrawals. */
  readonly side: number;
  /** The partition. */
  readonly partition: number;
  /** The offset in the partition; (side, partition, offset) identifies the record. */
  readonly offset: number;
  /** The account, in [0, keys). */
  readonly key: number;
  /** The amount, in [1, 100]. */
  readonly amount: number;
}

/** The shape of a log. */
export interface InputLogOptions {
  /** The seed every record derives from. */
  readonly seed: number;
  /** Partitions per side (one per source task). */
  readonly partitions: number;
  /** Records per partition. */
  readonly recordsPerPartition: number;
  /** Distinct keys (accounts). */
  readonly keys: number;
}

/** What the keyed operator must end with for one key, had every record been processed once. */
export interface KeyTotal {
  /** Records with the key. */
  readonly count: number;
  /** Deposits minus withdrawals. */
  readonly balance: number;
}

/** The number of sides (topics) of the log: deposits and withdrawals. */
export const SIDES = 2;

/** A deterministic partitioned log. */
export class InputLog {
  /**
   * Describes a log; records are computed on read.
   * @param options - its shape.
   */
  constructor(readonly options: InputLogOptions) {}

  /** Every record of every partition of both sides. */
  get size(): number {
    return SIDES * this.options.partitions * this.options.recordsPerPartition;
  }

  /**
   * The record at `offset` of a partition, or null past its end.
   * @param side - 0 or 1.
   * @param partition - the partition.
   * @param offset - the offset, from 0.
   */
  read(side: number, partition: number, offset: number): InputRecord | null {
    if (offset >= this.options.recordsPerPartition) return null;
    const h = hash32(this.options.seed, side, partition, offset);
    return { side, partition, offset, key: h % this.options.keys, amount: 1 + ((h >>> 16) % 100) };
  }

  /** Every record's id, for the verdict. */
  *ids(): Generator<string> {
    for (let side = 0; side < SIDES; side++) {
      for (let p = 0; p < this.options.partitions; p++) for (let o = 0; o < this.options.recordsPerPartition; o++) yield `${side}.${p}.${o}`;
    }
  }

  /** Per key, the count and balance of processing every record exactly once. */
  totals(): Map<number, KeyTotal> {
    const totals = new Map<number, { count: number; balance: number }>();
    for (let side = 0; side < SIDES; side++) {
      for (let p = 0; p < this.options.partitions; p++) {
        for (let o = 0; o < this.options.recordsPerPartition; o++) {
          const r = this.read(side, p, o) as InputRecord;
          const t = totals.get(r.key) ?? { count: 0, balance: 0 };
          t.count++;
          t.balance += signed(r);
          totals.set(r.key, t);
        }
      }
    }
    return totals;
  }
}

/**
 * A record's effect on its account's balance: deposits add, withdrawals subtract.
 * @param record - the record.
 */
export function signed(record: InputRecord): number {
  return record.side === 0 ? record.amount : -record.amount;
}
