/**
 * The job's data channels between processes. Records and stream events (barriers, cancel
 * markers) of one channel travel over one address of an ordered-exactly-once transport, in one
 * order, as asynchronous barrier snapshotting needs: records in batches, each stream event on its
 * own, encoded by the generated codec. The sender's side is a {@link DataChannel} whose `push`
 * sends ({@link RemoteOutput}). The receiver's side feeds the attempt's local input channel
 * ({@link feedInput}) and returns credit: the number of items its task took so far, on a second
 * address back to the sender. The sender's size is what it sent minus that credit, so a source or
 * an operator stops while the receiver has not taken `capacity` items (credit-based back-pressure
 * across processes, as Flink's network stack does; a broker's queue never grows past the bound,
 * and a barrier never waits behind more than that). A channel blocked for alignment takes nothing,
 * so its sender stops. The receiver also holds the transport while its channel is over the bound.
 * @packageDocumentation
 */
import { encodeStreamEvent, decodeStreamEvent } from '../../generated/codecs.gen.js';
import type { Transport, Unsubscribe } from '../../adapters/runtime/contract.js';
import { requireTransport } from '../../adapters/runtime/contract.js';
import { RejectedInputError } from '../../spec/index.js';
import type { Rejection, StreamEvent } from '../../spec/index.js';
import type { ChannelItem } from '../data-channel.js';
import { DataChannel, isStreamEvent } from '../data-channel.js';
import type { JobRecord } from '../task-runner.js';

/** Records per message at most. */
const BATCH = 256;
const ENCODER = new TextEncoder();
const DECODER = new TextDecoder('utf-8', { fatal: true });
/** The first bytes of a record batch (`{"records":`); a stream event starts otherwise. */
const RECORDS = ENCODER.encode('{"records":');

/** The two addresses of one channel in one attempt. */
export interface ChannelAddresses {
  /** Records and stream events, sender to receiver. */
  readonly data: string;
  /** Credit, receiver to sender. */
  readonly credit: string;
}

/**
 * The bytes of a credit message: how many items the receiving task took so far (cumulative, so a
 * repeated or reordered one changes nothing).
 * @param taken - items taken so far.
 */
export function encodeCredit(taken: number): Uint8Array {
  return ENCODER.encode(JSON.stringify({ credit: taken }));
}

/**
 * The items taken that a credit message reports, or null when it is malformed.
 * @param bytes - the received bytes.
 */
export function decodeCredit(bytes: Uint8Array): number | null {
  try {
    const doc = JSON.parse(DECODER.decode(bytes)) as { credit?: unknown };
    return Number.isSafeInteger(doc.credit) && (doc.credit as number) >= 0 ? (doc.credit as number) : null;
  } catch {
    return null;
  }
}

const RECORD_FIELDS = ['side', 'partition', 'offset', 'key'] as const;

/**
 * The bytes of a batch of records.
 * @param records - the records (input records or operator output).
 */
export function encodeRecords(records: readonly JobRecord[]): Uint8Array {
  return ENCODER.encode(JSON.stringify({ records }));
}

/** What one data message held. */
export type DataMessage = { readonly ok: true; readonly records: readonly JobRecord[] } | { readonly ok: true; readonly event: StreamEvent } | { readonly ok: false; readonly rejection: Rejection };

const startsWithRecords = (bytes: Uint8Array): boolean => bytes.length >= RECORDS.length && RECORDS.every((b, i) => bytes[i] === b);

const isRecord = (r: unknown): r is JobRecord =>
  typeof r === 'object' && r !== null && (r as { type?: unknown }).type === undefined && RECORD_FIELDS.every((f) => Number.isSafeInteger((r as Record<string, unknown>)[f]));

/**
 * Decodes a data message: a record batch, or a stream event checked by the generated codec.
 * @param bytes - the received bytes.
 */
export function decodeDataMessage(bytes: Uint8Array): DataMessage {
  if (!startsWithRecords(bytes)) {
    const decoded = decodeStreamEvent(bytes);
    return decoded.ok ? { ok: true, event: decoded.value } : decoded;
  }
  let doc: { records?: unknown };
  try {
    doc = JSON.parse(DECODER.decode(bytes)) as { records?: unknown };
  } catch {
    return { ok: false, rejection: { code: 'malformed', path: '$', message: 'is not UTF-8 JSON' } };
  }
  const records = doc.records;
  if (!Array.isArray(records)) return { ok: false, rejection: { code: 'malformed', path: '$.records', message: 'must be an array' } };
  const bad = records.findIndex((r) => !isRecord(r));
  if (bad >= 0) return { ok: false, rejection: { code: 'malformed', path: `$.records[${bad}]`, message: 'must be a record with integer side, partition, offset and key' } };
  return { ok: true, records: records as JobRecord[] };
}

/** The sending end of a data channel in another process. */
export class RemoteOutput extends DataChannel<JobRecord> {
  private batch: JobRecord[] = [];
  private sent = 0;
  private credited = 0;
  private closed = false;
  private readonly stopCredit: Unsubscribe;

  /**
   * An output channel over `transport`; it listens for the receiver's credit at once.
   * @param from - the sending task.
   * @param transport - an ordered-exactly-once transport.
   * @param addresses - the channel's addresses for this attempt.
   * @param onError - a send failed for good (the receiver is gone; a failover follows), or a credit message was malformed.
   */
  constructor(
    from: string,
    private readonly transport: Transport,
    private readonly addresses: ChannelAddresses,
    private readonly onError: (error: unknown) => void,
  ) {
    super(from);
    requireTransport(transport, transport.kind, 'ordered-exactly-once', 'RemoteOutput');
    this.stopCredit = transport.subscribe({ channel: 'taskToTask', address: addresses.credit }, (bytes) => {
      const taken = decodeCredit(bytes);
      if (taken === null) {
        const rejection: Rejection = { code: 'malformed', path: '$.credit', message: 'must be a non-negative integer' };
        onError(new RejectedInputError(rejection));
        throw new RejectedInputError(rejection);
      }
      this.credited = Math.max(this.credited, taken);
    });
  }

  /** Items sent that the receiving task has not taken yet, plus the batch being filled. */
  override get size(): number {
    return this.sent - this.credited + this.batch.length;
  }

  /**
   * Queues a record (sent with its batch) or sends a stream event after the records before it.
   * @param item - the item.
   */
  override push(item: ChannelItem<JobRecord>): void {
    if (this.closed) return;
    if (!isStreamEvent(item)) {
      this.batch.push(item);
      if (this.batch.length >= BATCH) this.flush();
      return;
    }
    this.flush();
    this.send(encodeStreamEvent(item), 1);
  }

  /** Sends the records queued so far. */
  flush(): void {
    if (this.batch.length === 0 || this.closed) return;
    const records = this.batch;
    this.batch = [];
    this.send(encodeRecords(records), records.length);
  }

  /** Ends the channel (its attempt ended): nothing more is sent. */
  close(): void {
    this.closed = true;
    this.batch = [];
    this.stopCredit();
  }

  private send(bytes: Uint8Array, items: number): void {
    this.sent += items;
    this.transport.send({ channel: 'taskToTask', address: this.addresses.data }, bytes).catch((error: unknown) => {
      if (!this.closed) this.onError(error);
    });
  }
}

/** The receiving end of one data channel. */
export interface InputFeed {
  /** Returns credit for what the task took since, and lets the transport go on when the channel drained below half its bound. */
  release(): void;
  /** Stops receiving. */
  readonly unsubscribe: Unsubscribe;
}

/**
 * Feeds a local input channel from its address: records and events are pushed in arrival order;
 * while the channel holds `capacity` items or more, the transport waits. `release` returns credit
 * once the task took a quarter of `capacity` since the last credit.
 * @param transport - an ordered-exactly-once transport.
 * @param addresses - the channel's addresses for this attempt.
 * @param channel - the attempt's input channel.
 * @param capacity - the bound.
 * @param onRejected - told about a malformed message (it is refused to the sender's transport).
 */
export function feedInput(transport: Transport, addresses: ChannelAddresses, channel: DataChannel<JobRecord>, capacity: number, onRejected: (r: Rejection) => void): InputFeed {
  requireTransport(transport, transport.kind, 'ordered-exactly-once', 'feedInput');
  let waiting: Array<() => void> = [];
  let pushed = 0;
  let credited = 0;
  let stopped = false;
  const unsubscribe = transport.subscribe({ channel: 'taskToTask', address: addresses.data }, (bytes) => {
    const m = decodeDataMessage(bytes);
    if (!m.ok) {
      onRejected(m.rejection);
      throw new RejectedInputError(m.rejection);
    }
    if ('event' in m) channel.push(m.event);
    else for (const r of m.records) channel.push(r);
    pushed += 'event' in m ? 1 : m.records.length;
    if (channel.size < capacity) return;
    return new Promise<void>((resolve) => waiting.push(resolve));
  });
  return {
    unsubscribe: () => {
      stopped = true;
      unsubscribe();
      const w = waiting;
      waiting = [];
      w.forEach((resolve) => resolve());
    },
    release: () => {
      const taken = pushed - channel.size;
      // Credit lags by less than a quarter of the bound, so the sender never stops for want of it.
      if (!stopped && taken > credited && taken - credited >= capacity / 4) {
        credited = taken;
        // A credit that cannot be sent is followed by a later one (cumulative), or by a failover.
        transport.send({ channel: 'taskToTask', address: addresses.credit }, encodeCredit(taken)).catch(() => {});
      }
      if (waiting.length === 0 || channel.size * 2 >= capacity) return;
      const w = waiting;
      waiting = [];
      w.forEach((resolve) => resolve());
    },
  };
}
