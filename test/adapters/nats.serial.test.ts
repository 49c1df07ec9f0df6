/**
 * The NATS transport against the real server with JetStream: round trips through the generated
 * bindings, `Nats-Msg-Id` deduplication by the stream, redeliveries after a reconnect dropped,
 * client reconnects mid-stream, the real nats-server process stopped and started again, a slow
 * consumer held to its `max_ack_pending`, and bad input rejected with a type.
 */
import { randomBytes } from 'node:crypto';
import { connect } from 'nats';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { consumerName, createNatsTransport } from '../../adapters/nats/index.js';
import type { NatsTransport, NatsTransportOptions } from '../../adapters/nats/index.js';
import type { ChannelAddress, TransportEvent } from '../../adapters/runtime/contract.js';
import { fillAddress } from '../../adapters/runtime/contract.js';
import { TransportError } from '../../adapters/shared/errors.js';
import { createNatsCoordinatorControlBinding, createNatsTaskControlBinding, createNatsTaskDataBinding, NATS_ADDRESSES } from '../../generated/bindings/nats.gen.js';
import { ConfigError } from '../../spec/index.js';
import { TEST_STREAM_PREFIX } from './brokers/nats-harness.js';
import { deleteStreams, NATS_SERVER, startNats, stopNats } from './brokers/nats.js';
import { badInputs, eventually, expectTypedRoundTrip, Gate, gatedSubscriber, probe, probeNumber, rejectingCoordinator, sendAcrossOutage, uniqueJobId, upTo } from './brokers/probe.js';

const open: NatsTransport[] = [];
let stream = '';

/** A transport on this test's stream, which captures the subjects of `jobId`. */
async function transport(jobId: string, options: NatsTransportOptions = {}): Promise<{ t: NatsTransport; events: TransportEvent[] }> {
  const t = await createNatsTransport({ stream: { name: stream, subjects: [`snapwright.${jobId}.>`] }, reconnectTimeWaitMs: 100, ...options });
  open.push(t);
  const events: TransportEvent[] = [];
  t.onEvent((e) => events.push(e));
  return { t, events };
}

/** A probe address of `jobId` (the data channel's subject layout; the channel is only a name here). */
const address = (jobId: string): ChannelAddress => ({ channel: 'taskToTask', address: fillAddress(NATS_ADDRESSES.taskToTask, { jobId, fromTaskId: 'a#0', toTaskId: 'b#0' }) });

async function consumerInfo(subject: string): Promise<{ ackPending: number; pending: number; redelivered: number }> {
  const nc = await connect({ servers: NATS_SERVER });
  try {
    const info = await (await nc.jetstreamManager()).consumers.info(stream, consumerName(subject));
    return { ackPending: info.num_ack_pending, pending: info.num_pending, redelivered: info.num_redelivered };
  } finally {
    await nc.close();
  }
}

beforeAll(async () => {
  await deleteStreams(TEST_STREAM_PREFIX);
});

afterEach(async () => {
  await Promise.all(open.splice(0).map((t) => t.close()));
  await deleteStreams(stream);
});

const newStream = () => (stream = `${TEST_STREAM_PREFIX}${randomBytes(4).toString('hex')}`);

describe('NATS transport (real server, JetStream)', () => {
  it('declares at-least-once and carries typed messages both ways through the generated bindings', async () => {
    newStream();
    const jobId = uniqueJobId('roundtrip');
    const { t: coordinatorSide } = await transport(jobId);
    const { t: taskSide } = await transport(jobId);
    expect(coordinatorSide.kind).toBe('nats');
    expect(coordinatorSide.delivery).toBe('at-least-once');
    const coordinator = createNatsCoordinatorControlBinding(coordinatorSide, { jobId });
    const task = createNatsTaskControlBinding(taskSide, { jobId, taskId: 'src#0' });
    await expectTypedRoundTrip(coordinator, task, () => Promise.all([coordinatorSide.ready(), taskSide.ready()]), jobId);
    // The data channel needs ordered-exactly-once, which this transport does not claim.
    expect(() => createNatsTaskDataBinding(taskSide, { jobId, taskId: 'src#0' })).toThrow(/ordered-exactly-once/);
  });

  it('the stream keeps one copy of a message published twice with the same Nats-Msg-Id', async () => {
    newStream();
    const jobId = uniqueJobId('msgid');
    await transport(jobId); // creates the stream with its duplicate window
    const nc = await connect({ servers: NATS_SERVER });
    try {
      const js = nc.jetstream();
      const first = await js.publish(address(jobId).address, probe(1), { msgID: 'same-id' });
      const again = await js.publish(address(jobId).address, probe(1), { msgID: 'same-id' });
      expect(first.duplicate).toBe(false);
      expect(again.duplicate).toBe(true);
      expect(again.seq).toBe(first.seq);
      expect((await (await nc.jetstreamManager()).streams.info(stream)).state.messages).toBe(1);
    } finally {
      await nc.close();
    }
  });

  it('a redelivery after a reconnect of a message already handed over is dropped and reported', async () => {
    newStream();
    const jobId = uniqueJobId('redelivery');
    const at = address(jobId);
    const { t: sender } = await transport(jobId);
    const { t: receiver, events } = await transport(jobId);
    const gate = new Gate();
    const seen: number[] = [];
    receiver.subscribe(at, gatedSubscriber(seen, gate)); // unacknowledged while the connection goes away
    await receiver.ready();
    await sender.send(at, probe(1));
    await eventually(() => seen.length === 1, 'the first delivery');
    await receiver.connection.reconnect();
    await eventually(() => events.some((e) => e.type === 'transport.restored'), 'the reconnect');
    gate.open();
    await eventually(() => events.some((e) => e.type === 'delivery.redelivered'), 'the redelivery to be dropped');
    await sender.send(at, probe(2));
    await eventually(() => seen.length === 2, 'the next message');
    expect(seen).toEqual([1, 2]);
    await eventually(async () => (await consumerInfo(at.address)).ackPending === 0, 'every message acknowledged');
  });

  it('client reconnects mid-stream: every message arrives, and both sides report the outage and the recovery', async () => {
    newStream();
    const jobId = uniqueJobId('reconnect');
    const at = address(jobId);
    const { t: sender, events: senderEvents } = await transport(jobId);
    const { t: receiver, events: receiverEvents } = await transport(jobId);
    const seen = new Set<number>();
    receiver.subscribe(at, (bytes) => void seen.add(probeNumber(bytes) as number));
    await receiver.ready();
    const sent = upTo(2_000);
    const sends = Promise.all(sent.map((n) => sender.send(at, probe(n))));
    await eventually(() => seen.size >= 200, 'the stream to be under way');
    await Promise.all([receiver.connection.reconnect(), sender.connection.reconnect()]);
    await sends;
    await eventually(() => seen.size === sent.length, 'every message');
    const outage = (events: TransportEvent[]) => events.filter((e) => e.type === 'transport.lost' || e.type === 'transport.restored').map((e) => e.type);
    await eventually(() => outage(senderEvents).at(-1) === 'transport.restored' && outage(receiverEvents).at(-1) === 'transport.restored', 'both sides to recover');
    expect(outage(receiverEvents)[0]).toBe('transport.lost');
  });

  it('the nats-server process stopped and started again: sends wait and complete, nothing is lost', async () => {
    newStream();
    const jobId = uniqueJobId('restart');
    const at = address(jobId);
    const { t: sender, events } = await transport(jobId);
    const { t: receiver } = await transport(jobId);
    const seen = new Set<number>();
    receiver.subscribe(at, (bytes) => void seen.add(probeNumber(bytes) as number));
    await receiver.ready();
    await sendAcrossOutage((bytes) => sender.send(at, bytes), events, { stop: stopNats, start: startNats });
    await eventually(() => seen.size === 200, 'every message');
    expect([...seen].sort((a, b) => a - b)).toEqual(upTo(200));
    await eventually(() => events.at(-1)?.type === 'transport.restored', 'the recovery');
  });

  it('a slow consumer holds at most `prefetch` unacknowledged messages; the rest wait in the stream', async () => {
    newStream();
    const jobId = uniqueJobId('prefetch');
    const at = address(jobId);
    const { t: sender } = await transport(jobId);
    const { t: receiver } = await transport(jobId, { prefetch: 5 });
    const gate = new Gate();
    const seen: number[] = [];
    receiver.subscribe(at, gatedSubscriber(seen, gate));
    await receiver.ready();
    await Promise.all(upTo(50).map((n) => sender.send(at, probe(n))));
    await eventually(async () => JSON.stringify(await consumerInfo(at.address)) === JSON.stringify({ ackPending: 5, pending: 45, redelivered: 0 }), '5 unacknowledged and 45 pending');
    expect(seen).toEqual([1]); // one at a time: the handler holds the first
    gate.open();
    await eventually(() => seen.length === 50, 'every message');
    expect(seen).toEqual(upTo(50));
  });

  it('malformed bytes published by another client get a typed rejection; a message the handler rejects is terminated, not redelivered', async () => {
    newStream();
    const jobId = uniqueJobId('malformed');
    const { t: receiver } = await transport(jobId, { ackWaitMs: 1_000 });
    const coordinator = createNatsCoordinatorControlBinding(receiver, { jobId });
    const { rejections, taken } = rejectingCoordinator(coordinator);
    await receiver.ready();
    const subject = fillAddress(NATS_ADDRESSES.taskToCoordinator, { jobId });
    const nc = await connect({ servers: NATS_SERVER });
    try {
      const js = nc.jetstream();
      for (const text of badInputs(jobId)) await js.publish(subject, new TextEncoder().encode(text));
    } finally {
      await nc.close();
    }
    await eventually(() => rejections.length === 2 && taken.length === 1, 'two rejections and one hand-over');
    expect(rejections.map((r) => r.code)).toEqual(['malformed', 'malformed']);
    // Past the 1 s ack wait: nothing was redelivered, nothing is pending.
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    expect(await consumerInfo(subject)).toEqual({ ackPending: 0, pending: 0, redelivered: 0 });
    expect(taken).toEqual(['ghost#0']);
  });

  it('bad options fail fast with a ConfigError naming the option; an unreachable server is unavailable', async () => {
    await expect(createNatsTransport({ prefetch: 0 })).rejects.toMatchObject({ name: 'ConfigError', option: 'prefetch' });
    await expect(createNatsTransport({ stream: { name: 'has.dots', subjects: ['x.>'] } })).rejects.toMatchObject({ option: 'stream.name' });
    await expect(createNatsTransport({ retry: { baseMs: 10, maxMs: 1 } })).rejects.toBeInstanceOf(ConfigError);
    const unreachable = await createNatsTransport({ servers: '127.0.0.1:1' }).catch((e: unknown) => e);
    expect(unreachable).toBeInstanceOf(TransportError);
    expect((unreachable as TransportError).code).toBe('unavailable');
  });
});
