/**
 * The JetStream resources of the NATS transport: one file-backed work-queue stream that captures
 * the generated subjects, with a duplicate window for `Nats-Msg-Id`, and one durable pull consumer
 * per address (its filter subject), with explicit acknowledgements and a bounded number pending.
 * @packageDocumentation
 */
import { AckPolicy, DeliverPolicy, nanos, RetentionPolicy, StorageType } from 'nats';
import type { JetStreamManager } from 'nats';
import type { NatsStreamOptions } from './options.js';

/**
 * Creates the stream when it does not exist yet (an existing stream is left as it is).
 * @param jsm - the JetStream manager.
 * @param stream - its name and subjects.
 * @param duplicateWindowMs - how long the stream remembers `Nats-Msg-Id`s.
 * @public
 */
export async function ensureStream(jsm: JetStreamManager, stream: NatsStreamOptions, duplicateWindowMs: number): Promise<void> {
  try {
    await jsm.streams.info(stream.name);
    return;
  } catch {
    // not there yet
  }
  try {
    await jsm.streams.add({
      name: stream.name,
      subjects: [...stream.subjects],
      retention: RetentionPolicy.Workqueue,
      storage: StorageType.File,
      duplicate_window: nanos(duplicateWindowMs),
    });
  } catch (error) {
    // another client may have created it meanwhile
    await jsm.streams.info(stream.name).catch(() => Promise.reject(error));
  }
}

/**
 * The durable consumer name of an address: its characters outside `[A-Za-z0-9_-]` replaced, and a
 * hash of the address so that two addresses never share a name.
 * @param address - the subject.
 * @public
 */
export function consumerName(address: string): string {
  let hash = 0x811c9dc5;
  for (let i = 0; i < address.length; i++) hash = Math.imul(hash ^ address.charCodeAt(i), 0x01000193) >>> 0;
  return `sw_${address.replace(/[^A-Za-z0-9_-]/g, '_').slice(0, 180)}_${hash.toString(36)}`;
}

/**
 * Creates (or keeps) the durable consumer of `address`.
 * @param jsm - the JetStream manager.
 * @param stream - the stream name.
 * @param address - the subject it filters.
 * @param prefetch - its `max_ack_pending`.
 * @param ackWaitMs - its `ack_wait`.
 * @returns the consumer's name.
 * @public
 */
export async function ensureConsumer(jsm: JetStreamManager, stream: string, address: string, prefetch: number, ackWaitMs: number): Promise<string> {
  const name = consumerName(address);
  await jsm.consumers.add(stream, {
    durable_name: name,
    filter_subject: address,
    ack_policy: AckPolicy.Explicit,
    deliver_policy: DeliverPolicy.All,
    max_ack_pending: prefetch,
    ack_wait: nanos(ackWaitMs),
  });
  return name;
}
