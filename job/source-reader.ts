/**
 * The source operator: reads one partition of the input log from an offset. Its state is the
 * offset; restored from a checkpoint it replays every record after it.
 * @packageDocumentation
 */
import type { InputLog, InputRecord } from './input-log.js';

/** A source's snapshot. */
export interface SourceState {
  /** The next offset to read. */
  readonly offset: number;
}

/** Reads one partition of one side of the log. */
export class SourceReader {
  private offset = 0;

  /**
   * Reads from offset 0 until restored.
   * @param log - the log.
   * @param side - the topic.
   * @param partition - the partition.
   */
  constructor(
    private readonly log: InputLog,
    readonly side: number,
    readonly partition: number,
  ) {}

  /** The next record, or null at the end of the partition. */
  next(): InputRecord | null {
    const r = this.log.read(this.side, this.partition, this.offset);
    if (r !== null) this.offset++;
    return r;
  }

  /** Records read so far (the offset). */
  get position(): number {
    return this.offset;
  }

  /** Whether the partition is read to its end. */
  get exhausted(): boolean {
    return this.offset >= this.log.options.recordsPerPartition;
  }

  /** The state to snapshot. */
  snapshot(): SourceState {
    return { offset: this.offset };
  }

  /**
   * Continues from a snapshot.
   * @param state - what {@link SourceReader.snapshot} returned.
   */
  restore(state: SourceState): void {
    this.offset = state.offset;
  }
}
