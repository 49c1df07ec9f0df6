/**
 * Benchmark: 1,000 tasks acknowledging a checkpoint over the RabbitMQ transport (generated
 * bindings, confirm channel, persistent messages on a durable queue, manual acknowledgements with a
 * bounded prefetch, sender-sequence redelivery check, decode and validate, idempotency-key dedup)
 * against raw amqplib doing the same exchange: a confirm channel publishing each acknowledgement's
 * JSON persistently, with a message id, through the same durable topic exchange to a durable queue bound to it, a
 * consumer with the same prefetch acknowledging each message after `JSON.parse`. Both use the machine's RabbitMQ; the queues are deleted afterwards.
 * @packageDocumentation
 */
import { randomBytes } from 'node:crypto';
import { connect } from 'amqplib';
import { createAmqpTransport } from '../../adapters/amqp/index.js';
import type { BrokerTransport } from '../../adapters/amqp/index.js';
import { AMQP_CHANNELS, createAmqpCoordinatorControlBinding, createAmqpTaskControlBinding } from '../../generated/bindings/amqp.gen.js';
import type { TaskControlBinding } from '../../generated/bindings/endpoints.gen.js';
import type { AcknowledgeCheckpoint } from '../../spec/index.js';
import { countAcks } from './inprocess.js';
import type { AckPath } from './shared.js';
import { BENCH_JOB, benchAckPaths, benchTaskIds, rawBytes } from './shared.js';

const URL = process.env.SNAPWRIGHT_AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672';
const PREFETCH = 64;

/**
 * Our path over two connected broker transports: tasks send through their generated control
 * bindings on `taskSide`, the coordinator's binding on `coordinator` receives and counts.
 * @param coordinator - the coordinator's transport.
 * @param taskSide - the tasks' transport.
 * @param bindings - the generated binding factories of the transport's kind.
 * @param bindings.coordinator - the coordinator's control binding factory.
 * @param bindings.task - a task's control binding factory.
 * @param tasks - how many tasks acknowledge.
 */
export function brokerAckPath(
  coordinator: BrokerTransport,
  taskSide: BrokerTransport,
  bindings: { readonly coordinator: typeof createAmqpCoordinatorControlBinding; readonly task: typeof createAmqpTaskControlBinding },
  tasks: number,
): AckPath {
  const control = bindings.coordinator(coordinator, { jobId: BENCH_JOB });
  const taskBindings = new Map<string, TaskControlBinding>(benchTaskIds(tasks).map((taskId) => [taskId, bindings.task(taskSide, { jobId: BENCH_JOB, taskId })]));
  return {
    attach: async (received) => {
      countAcks((h) => control.subscribe(h), received);
      await coordinator.ready();
    },
    send: (ack) => taskBindings.get(ack.taskId)!.send(ack),
    close: async () => {
      await taskSide.close();
      await coordinator.close();
    },
  };
}

async function ours(tasks: number, queuePrefix: string): Promise<AckPath> {
  const coordinator = await createAmqpTransport({ url: URL, queuePrefix, prefetch: PREFETCH, connectionName: 'snapwright-bench-coordinator' });
  const taskSide = await createAmqpTransport({ url: URL, queuePrefix, prefetch: PREFETCH, connectionName: 'snapwright-bench-tasks' });
  return brokerAckPath(coordinator, taskSide, { coordinator: createAmqpCoordinatorControlBinding, task: createAmqpTaskControlBinding }, tasks);
}

async function raw(queue: string): Promise<AckPath> {
  const publisherConnection = await connect(URL);
  const consumerConnection = await connect(URL);
  const publisher = await publisherConnection.createConfirmChannel();
  const consumer = await consumerConnection.createChannel();
  const { exchange } = AMQP_CHANNELS.taskToCoordinator;
  await publisher.assertExchange(exchange.name, exchange.type, { durable: exchange.durable, autoDelete: exchange.autoDelete });
  await publisher.assertQueue(queue, { durable: true });
  await publisher.bindQueue(queue, exchange.name, queue);
  await consumer.prefetch(PREFETCH);
  return {
    attach: async (received) => {
      await consumer.consume(queue, (message) => {
        if (message === null) return;
        received(JSON.parse(message.content.toString('utf8')) as AcknowledgeCheckpoint);
        consumer.ack(message);
      });
    },
    send: (ack) =>
      new Promise<void>((resolve, reject) => {
        publisher.publish(exchange.name, queue, Buffer.from(rawBytes(ack)), { persistent: true, contentType: 'application/json', messageId: `${ack.taskId}:${ack.checkpointId}` }, (error: unknown) => (error ? reject(error) : resolve()));
      }),
    close: async () => {
      await publisher.deleteQueue(queue);
      await publisherConnection.close();
      await consumerConnection.close();
    },
  };
}

async function deleteQueue(name: string): Promise<void> {
  const connection = await connect(URL);
  try {
    await (await connection.createChannel()).deleteQueue(name);
  } finally {
    await connection.close();
  }
}

/**
 * Runs the RabbitMQ transport benchmark against the broker at `SNAPWRIGHT_AMQP_URL` (default the
 * local guest account).
 * @param tasks - acknowledging tasks per round (default 1,000).
 */
export async function benchAmqpTransport(tasks = 1000): Promise<Array<Record<string, unknown>>> {
  const run = randomBytes(4).toString('hex');
  const queuePrefix = `snapwright-bench-${run}.`;
  try {
    return [await benchAckPaths('amqp', await ours(tasks, queuePrefix), await raw(`snapwright-bench-${run}-raw`), tasks)];
  } finally {
    await deleteQueue(`${queuePrefix}${BENCH_JOB}.coordinator.control`);
  }
}
