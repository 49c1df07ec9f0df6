/**
 * The RabbitMQ transport against the real broker: round trips through the generated bindings,
 * broker redeliveries dropped, connections closed by the broker mid-stream, the broker application
 * stopped and started, a slow consumer held to its prefetch, and bad input rejected with a type.
 */
import { randomBytes } from 'node:crypto';
import { connect } from 'amqplib';
import { afterEach, describe, expect, it } from 'vitest';
import { createAmqpTransport } from '../../adapters/amqp/index.js';
import type { AmqpTransport, AmqpTransportOptions } from '../../adapters/amqp/index.js';
import type { ChannelAddress, TransportEvent } from '../../adapters/runtime/contract.js';
import { fillAddress } from '../../adapters/runtime/contract.js';
import { TransportError } from '../../adapters/shared/errors.js';
import { AMQP_ADDRESSES, AMQP_CHANNELS, createAmqpCoordinatorControlBinding, createAmqpTaskControlBinding, createAmqpTaskDataBinding } from '../../generated/bindings/amqp.gen.js';
import { ConfigError } from '../../spec/index.js';
import { closeConnectionsNamed, deleteQueues, queueCounts, RABBITMQ_URL, startRabbit, stopRabbit } from './brokers/rabbitmq.js';
import { badInputs, eventually, expectTypedRoundTrip, Gate, gatedSubscriber, probe, probeNumber, rejectingCoordinator, sendAcrossOutage, uniqueJobId, upTo } from './brokers/probe.js';

const run = randomBytes(4).toString('hex');
const queuePrefix = `sw-test-${run}.`;
const open: AmqpTransport[] = [];

async function transport(name: string, options: AmqpTransportOptions = {}): Promise<{ t: AmqpTransport; events: TransportEvent[] }> {
  const t = await createAmqpTransport({ connectionName: `sw-test-${run}-${name}`, queuePrefix, reconnectMaxDelayMs: 500, ...options });
  open.push(t);
  const events: TransportEvent[] = [];
  t.onEvent((e) => events.push(e));
  return { t, events };
}

const dataAddress = (jobId: string, from = 'a#0', to = 'b#0'): ChannelAddress => ({ channel: 'taskToTask', address: fillAddress(AMQP_ADDRESSES.taskToTask, { jobId, fromTaskId: from, toTaskId: to }) });

afterEach(async () => {
  await Promise.all(open.splice(0).map((t) => t.close()));
  await deleteQueues(queuePrefix);
});

describe('RabbitMQ transport (real broker)', () => {
  it('declares the ordered-exactly-once delivery it gives and carries typed messages both ways through the generated bindings', async () => {
    const jobId = uniqueJobId('roundtrip');
    const { t: coordinatorSide } = await transport('coordinator');
    const { t: taskSide } = await transport('task');
    expect(coordinatorSide.kind).toBe('amqp');
    expect(coordinatorSide.delivery).toBe('ordered-exactly-once');
    const coordinator = createAmqpCoordinatorControlBinding(coordinatorSide, { jobId });
    const task = createAmqpTaskControlBinding(taskSide, { jobId, taskId: 'src#0' });
    await expectTypedRoundTrip(coordinator, task, () => Promise.all([coordinatorSide.ready(), taskSide.ready()]), jobId);
    // The data binding needs ordered-exactly-once: the RabbitMQ transport can carry it.
    expect(() => createAmqpTaskDataBinding(taskSide, { jobId, taskId: 'src#0' })).not.toThrow();
    // The queues are durable and bound to the durable exchange the generated bindings name.
    expect(AMQP_CHANNELS.taskToCoordinator.exchange).toMatchObject({ name: 'snapwright.control', durable: true });
    expect(await queueCounts(`${queuePrefix}${jobId}.coordinator.control`)).toEqual({ ready: 0, unacked: 0 });
  });

  it('a broker redelivery of a message already handed over is dropped and reported', async () => {
    const jobId = uniqueJobId('redelivery');
    const address = dataAddress(jobId);
    const { t: sender } = await transport('sender');
    const { t: receiver, events } = await transport('receiver');
    const gate = new Gate();
    const seen: number[] = [];
    receiver.subscribe(address, gatedSubscriber(seen, gate)); // unacknowledged while the connection goes away
    await receiver.ready();
    await sender.send(address, probe(1));
    await eventually(() => seen.length === 1, 'the first delivery');
    await closeConnectionsNamed(`sw-test-${run}-receiver`);
    await eventually(() => events.some((e) => e.type === 'transport.restored'), 'the reconnect');
    gate.open();
    await eventually(() => events.some((e) => e.type === 'delivery.redelivered'), 'the redelivery');
    await sender.send(address, probe(2));
    await eventually(() => seen.length === 2, 'the next message');
    expect(seen).toEqual([1, 2]);
    expect(events.map((e) => e.type)).toEqual(['transport.lost', 'transport.restored', 'delivery.redelivered']);
    await eventually(async () => (await queueCounts(`${queuePrefix}${address.address}`))?.unacked === 0, 'every delivery acknowledged');
  });

  it('connections closed by the broker mid-stream: every message arrives once, in order, and both sides report the outage and the recovery', async () => {
    const jobId = uniqueJobId('drop');
    const address = dataAddress(jobId);
    const { t: sender, events: senderEvents } = await transport('sender');
    const { t: receiver, events: receiverEvents } = await transport('receiver');
    const seen: number[] = [];
    receiver.subscribe(address, (bytes) => void seen.push(probeNumber(bytes) as number));
    await receiver.ready();
    const sent = upTo(2_000);
    const sends = Promise.all(sent.map((n) => sender.send(address, probe(n))));
    await eventually(() => seen.length >= 200, 'the stream to be under way');
    await closeConnectionsNamed(`sw-test-${run}-receiver`);
    await closeConnectionsNamed(`sw-test-${run}-sender`);
    await sends;
    await eventually(() => seen.length >= sent.length, 'every message');
    expect(seen).toEqual(sent);
    const outage = (events: TransportEvent[]) => events.filter((e) => e.type !== 'delivery.redelivered').map((e) => e.type);
    await eventually(() => outage(senderEvents).length === 2 && outage(receiverEvents).length === 2, 'both sides to report the recovery');
    for (const events of [senderEvents, receiverEvents]) expect(events.filter((e) => e.type !== 'delivery.redelivered').map((e) => e.type)).toEqual(['transport.lost', 'transport.restored']);
  });

  it('the broker stopped and started again: sends wait and complete, nothing is lost or reordered', async () => {
    const jobId = uniqueJobId('restart');
    const address = dataAddress(jobId);
    const { t: sender, events } = await transport('sender');
    const { t: receiver } = await transport('receiver');
    const seen: number[] = [];
    receiver.subscribe(address, (bytes) => void seen.push(probeNumber(bytes) as number));
    await receiver.ready();
    await sendAcrossOutage((bytes) => sender.send(address, bytes), events, { stop: stopRabbit, start: startRabbit });
    await eventually(() => seen.length >= 200, 'every message');
    expect(seen).toEqual(upTo(200));
    expect(events.at(-1)?.type).toBe('transport.restored');
  });

  it('a slow consumer holds at most `prefetch` unacknowledged deliveries; the rest wait in the queue', async () => {
    const jobId = uniqueJobId('prefetch');
    const address = dataAddress(jobId);
    const { t: sender } = await transport('sender');
    const { t: receiver } = await transport('receiver', { prefetch: 5 });
    const gate = new Gate();
    const seen: number[] = [];
    receiver.subscribe(address, gatedSubscriber(seen, gate));
    await receiver.ready();
    await Promise.all(upTo(50).map((n) => sender.send(address, probe(n))));
    const queue = `${queuePrefix}${address.address}`;
    await eventually(async () => JSON.stringify(await queueCounts(queue)) === JSON.stringify({ ready: 45, unacked: 5 }), '5 unacknowledged and 45 ready');
    expect(seen).toEqual([1]); // one at a time: the handler holds the first
    gate.open();
    await eventually(() => seen.length === 50, 'every message');
    expect(seen).toEqual(upTo(50));
    await eventually(async () => JSON.stringify(await queueCounts(queue)) === JSON.stringify({ ready: 0, unacked: 0 }), 'an empty queue');
  });

  it('malformed bytes published by another client get a typed rejection; a message the handler rejects is not redelivered', async () => {
    const jobId = uniqueJobId('malformed');
    const { t: receiver } = await transport('receiver');
    const coordinator = createAmqpCoordinatorControlBinding(receiver, { jobId });
    const { rejections, taken } = rejectingCoordinator(coordinator);
    await receiver.ready();
    const raw = await connect(RABBITMQ_URL);
    try {
      const channel = await raw.createConfirmChannel();
      const routingKey = fillAddress(AMQP_ADDRESSES.taskToCoordinator, { jobId });
      const publish = (text: string) => new Promise<void>((resolve, reject) => channel.publish('snapwright.control', routingKey, Buffer.from(text), {}, (e: unknown) => (e ? reject(e) : resolve())));
      for (const text of badInputs(jobId)) await publish(text);
    } finally {
      await raw.close();
    }
    await eventually(() => rejections.length === 2 && taken.length === 1, 'two rejections and one hand-over');
    expect(rejections.map((r) => r.code)).toEqual(['malformed', 'malformed']);
    expect(rejections[1]?.path).toMatch(/^\$\./);
    const queue = `${queuePrefix}${jobId}.coordinator.control`;
    await eventually(async () => JSON.stringify(await queueCounts(queue)) === JSON.stringify({ ready: 0, unacked: 0 }), 'nothing left or requeued');
    expect(taken).toEqual(['ghost#0']);
  });

  it('bad options fail fast with a ConfigError naming the option, and refused credentials with unauthorized', async () => {
    await expect(createAmqpTransport({ prefetch: 0 })).rejects.toMatchObject({ name: 'ConfigError', option: 'prefetch' });
    await expect(createAmqpTransport({ url: 'http://127.0.0.1:5672' })).rejects.toBeInstanceOf(ConfigError);
    await expect(createAmqpTransport({ reconnectMaxDelayMs: 1, reconnectInitialDelayMs: 10 })).rejects.toMatchObject({ option: 'reconnectMaxDelayMs' });
    const refused = await createAmqpTransport({ url: 'amqp://guest:wrong@127.0.0.1:5672' }).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(TransportError);
    expect((refused as TransportError).code).toBe('unauthorized');
    const { t } = await transport('closed');
    await t.close();
    await expect(t.send(dataAddress('x'), probe(1))).rejects.toMatchObject({ code: 'closed' });
    await expect(t.send({ channel: 'elsewhere', address: 'x' }, probe(1))).rejects.toMatchObject({ code: 'closed' });
  });
});
