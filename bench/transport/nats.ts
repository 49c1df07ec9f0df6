/**
 * Benchmark: 1,000 tasks acknowledging a checkpoint over the NATS transport (generated bindings,
 * JetStream publish with `Nats-Msg-Id` and retry, durable pull consumer with explicit
 * acknowledgements and a bounded `max_ack_pending`, ordered inbox, decode and validate,
 * idempotency-key dedup) against raw nats.js doing the same exchange: JetStream publishes of each
 * acknowledgement's JSON with a `Nats-Msg-Id` (the stream deduplication the exchange relies on)
 * into the same kind of stream, and a durable pull consumer with the same `max_ack_pending`
 * acknowledging each message after `JSON.parse`. Both use the machine's NATS
 * server; the streams are deleted afterwards.
 * @packageDocumentation
 */
import { randomBytes } from 'node:crypto';
import { AckPolicy, connect, RetentionPolicy, StorageType } from 'nats';
import { createNatsTransport } from '../../adapters/nats/index.js';
import { createNatsCoordinatorControlBinding, createNatsTaskControlBinding } from '../../generated/bindings/nats.gen.js';
import type { AcknowledgeCheckpoint } from '../../spec/index.js';
import { brokerAckPath } from './amqp.js';
import type { AckPath } from './shared.js';
import { BENCH_JOB, benchAckPaths, rawBytes } from './shared.js';

const SERVERS = process.env.SNAPWRIGHT_NATS_SERVERS ?? '127.0.0.1:4222';
const PREFETCH = 64;

async function ours(tasks: number, stream: string): Promise<AckPath> {
  const options = { servers: SERVERS, prefetch: PREFETCH, stream: { name: stream, subjects: [`snapwright.${BENCH_JOB}.>`] } };
  const coordinator = await createNatsTransport({ ...options, name: 'snapwright-bench-coordinator' });
  const taskSide = await createNatsTransport({ ...options, name: 'snapwright-bench-tasks' });
  return brokerAckPath(coordinator, taskSide, { coordinator: createNatsCoordinatorControlBinding, task: createNatsTaskControlBinding }, tasks);
}

async function raw(stream: string): Promise<AckPath> {
  const subject = `snapwright-raw.${stream}`;
  const publisherConnection = await connect({ servers: SERVERS });
  const consumerConnection = await connect({ servers: SERVERS });
  const jsm = await publisherConnection.jetstreamManager();
  await jsm.streams.add({ name: stream, subjects: [subject], retention: RetentionPolicy.Workqueue, storage: StorageType.File });
  await jsm.consumers.add(stream, { durable_name: 'raw', ack_policy: AckPolicy.Explicit, max_ack_pending: PREFETCH, filter_subject: subject });
  const js = publisherConnection.jetstream();
  let messages: { stop(): void } | null = null;
  return {
    attach: async (received) => {
      const consumed = await (await consumerConnection.jetstream().consumers.get(stream, 'raw')).consume({ max_messages: PREFETCH });
      messages = consumed;
      void (async () => {
        for await (const m of consumed) {
          received(JSON.parse(new TextDecoder().decode(m.data)) as AcknowledgeCheckpoint);
          m.ack();
        }
      })();
    },
    send: async (ack) => {
      await js.publish(subject, rawBytes(ack), { msgID: `${ack.taskId}:${ack.checkpointId}` });
    },
    close: async () => {
      messages?.stop();
      await consumerConnection.close();
      await jsm.streams.delete(stream);
      await publisherConnection.close();
    },
  };
}

async function deleteStream(name: string): Promise<void> {
  const connection = await connect({ servers: SERVERS });
  try {
    await (await connection.jetstreamManager()).streams.delete(name).catch(() => false);
  } finally {
    await connection.close();
  }
}

/**
 * Runs the NATS transport benchmark against the server at `SNAPWRIGHT_NATS_SERVERS` (default the
 * local server).
 * @param tasks - acknowledging tasks per round (default 1,000).
 */
export async function benchNatsTransport(tasks = 1000): Promise<Array<Record<string, unknown>>> {
  const run = randomBytes(4).toString('hex').toUpperCase();
  const stream = `SNAPWRIGHT_BENCH_${run}`;
  try {
    return [await benchAckPaths('nats', await ours(tasks, stream), await raw(`SNAPWRIGHT_BENCH_RAW_${run}`), tasks)];
  } finally {
    await deleteStream(stream);
  }
}
