/**
 * The keyed stateful operator with two inputs: input 0 carries deposits, input 1 withdrawals,
 * both partitioned by account. Per account it keeps the number of records seen and the balance,
 * and emits one output per input record with the account's running count (`seq`) and balance.
 *
 * Processed exactly once, each account's outputs carry the counts 1..n exactly once, and the one
 * with count n carries the account's final balance, whatever the interleaving of the inputs. A
 * lost or replayed record, or a state restored from the wrong point, breaks that.
 * @packageDocumentation
 */
import type { InputRecord } from './input-log.js';

/** One output record. */
export interface OutputRecord {
  /** The input record's topic. */
  readonly side: number;
  /** The input record's partition. */
  readonly partition: number;
  /** The input record's offset. */
  readonly offset: number;
  /** The account. */
  readonly key: number;
  /** The account's records so far, this one included. */
  readonly seq: number;
  /** The account's balance after this record. */
  readonly balance: number;
}

/**
 * An output record as a line of the sink's files: `<side>.<partition>.<offset> <key> <seq> <balance>`.
 * @param r - the record.
 */
export function outputLine(r: OutputRecord): string {
  return `${r.side}.${r.partition}.${r.offset} ${r.key} ${r.seq} ${r.balance}\n`;
}

/** The operator's snapshot: `[key, count, balance]` per account. */
export type KeyedState = ReadonlyArray<readonly [number, number, number]>;

interface Account {
  count: number;
  balance: number;
}

/** Running count and balance per account, fed by two inputs. */
export class KeyedBalance {
  private readonly accounts = new Map<number, Account>();

  /**
   * Applies one record from input `input` (0 adds, 1 subtracts) and returns the output.
   * @param input - which input the record came from.
   * @param record - the record.
   */
  process(input: number, record: InputRecord): OutputRecord {
    let a = this.accounts.get(record.key);
    if (a === undefined) {
      a = { count: 0, balance: 0 };
      this.accounts.set(record.key, a);
    }
    a.count++;
    a.balance += input === 0 ? record.amount : -record.amount;
    return { side: record.side, partition: record.partition, offset: record.offset, key: record.key, seq: a.count, balance: a.balance };
  }

  /** The state to snapshot. */
  snapshot(): KeyedState {
    const out: Array<[number, number, number]> = [];
    for (const [key, a] of this.accounts) out.push([key, a.count, a.balance]);
    return out;
  }

  /**
   * Continues from a snapshot.
   * @param state - what {@link KeyedBalance.snapshot} returned.
   */
  restore(state: KeyedState): void {
    this.accounts.clear();
    for (const [key, count, balance] of state) this.accounts.set(key, { count, balance });
  }
}
