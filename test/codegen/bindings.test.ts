/**
 * The real generated bindings over a fake transport that honours the runtime contract: typed
 * sends arrive as typed handler calls at the right addresses, bad bytes reach `rejected`, and a
 * transport of the wrong kind or with too weak a delivery guarantee is refused at creation.
 */
import { describe, expect, it } from 'vitest';
import type { ChannelAddress, DeliveryGuarantee, Transport, TransportKind } from '../../adapters/runtime/contract.js';
import { addressToken, fillAddress, satisfiesDelivery } from '../../adapters/runtime/contract.js';
import { createAmqpTaskDataBinding } from '../../generated/bindings/amqp.gen.js';
import { createInProcessCoordinatorControlBinding, createInProcessTaskControlBinding, createInProcessTaskDataBinding } from '../../generated/bindings/in-process.gen.js';
import { createNatsCoordinatorControlBinding, NATS_ADDRESSES } from '../../generated/bindings/nats.gen.js';
import type { AcknowledgeCheckpoint, CheckpointBarrier, TriggerCheckpoint } from '../../generated/messages.gen.js';

/** Delivers synchronously to the subscribers of the exact address; records every send. */
function fakeTransport(kind: TransportKind, delivery: DeliveryGuarantee) {
  const subscribers = new Map<string, ((bytes: Uint8Array) => void | Promise<void>)[]>();
  const sent: ChannelAddress[] = [];
  const transport: Transport = {
    kind,
    delivery,
    send: async (to, bytes) => {
      sent.push(to);
      for (const h of subscribers.get(to.address) ?? []) await h(bytes);
    },
    subscribe: (at, handler) => {
      subscribers.set(at.address, [...(subscribers.get(at.address) ?? []), handler]);
      return () => subscribers.set(at.address, (subscribers.get(at.address) ?? []).filter((h) => h !== handler));
    },
  };
  const inject = (address: string, bytes: Uint8Array) => Promise.all((subscribers.get(address) ?? []).map((h) => h(bytes)));
  return { transport, sent, inject };
}

const trigger: TriggerCheckpoint = {
  type: 'triggerCheckpoint',
  jobId: 'job.1',
  taskId: 'map#1',
  attempt: 0,
  checkpointId: 7,
  timestamp: 1000,
  options: { snapshot: 'checkpoint', alignment: 'aligned', alignedCheckpointTimeoutMs: 0 },
};

const noop = () => {};
const controlHandlers = { notifyCheckpointComplete: noop, notifyCheckpointAborted: noop, rejected: noop };

describe('generated bindings', () => {
  it('carry a trigger from the coordinator to the task it names, and the acknowledgement back', async () => {
    const { transport, sent } = fakeTransport('in-process', 'ordered-exactly-once');
    const coordinator = createInProcessCoordinatorControlBinding(transport, { jobId: 'job.1' });
    const task = createInProcessTaskControlBinding(transport, { jobId: 'job.1', taskId: 'map#1' });
    const triggers: TriggerCheckpoint[] = [];
    const acks: AcknowledgeCheckpoint[] = [];
    task.subscribe({ ...controlHandlers, triggerCheckpoint: (m) => void triggers.push(m) });
    coordinator.subscribe({ acknowledgeCheckpoint: (m) => void acks.push(m), declineCheckpoint: noop, reportCheckpointMetrics: noop, taskStateChanged: noop, heartbeat: noop, rejected: noop });
    await coordinator.sendTriggerCheckpoint(trigger);
    expect(triggers).toEqual([trigger]);
    expect(sent[0]).toEqual({ channel: 'coordinatorToTask', address: 'job%2E1/task/map%231/control' });
    const ack: AcknowledgeCheckpoint = {
      type: 'acknowledgeCheckpoint',
      jobId: 'job.1',
      taskId: 'map#1',
      attempt: 0,
      checkpointId: 7,
      metrics: { bytesProcessedDuringAlignment: 0, alignmentDurationMs: 0, syncDurationMs: 1, asyncDurationMs: 2, checkpointStartDelayMs: 0, bytesPersisted: 3, unaligned: false },
      state: null,
    };
    await task.send(ack);
    expect(acks).toEqual([ack]);
  });

  it('hand bytes that are not a valid message of the channel to rejected, with the path', async () => {
    const { transport, inject } = fakeTransport('in-process', 'at-least-once');
    const task = createInProcessTaskControlBinding(transport, { jobId: 'j', taskId: 't' });
    const rejected: string[] = [];
    task.subscribe({ ...controlHandlers, triggerCheckpoint: noop, rejected: (r) => void rejected.push(`${r.code} ${r.path}`) });
    const address = fillAddress('{jobId}/task/{taskId}/control', { jobId: 'j', taskId: 't' });
    await inject(address, new TextEncoder().encode('not json'));
    await inject(address, new TextEncoder().encode(JSON.stringify({ ...trigger, checkpointId: -3 })));
    await inject(address, new TextEncoder().encode(JSON.stringify({ type: 'acknowledgeCheckpoint' })));
    expect(rejected).toEqual(['malformed $', 'malformed $.checkpointId', 'malformed $.type']);
  });

  it('send in-band events from one task to another over the data channel', async () => {
    const { transport, sent } = fakeTransport('in-process', 'ordered-exactly-once');
    const source = createInProcessTaskDataBinding(transport, { jobId: 'j', taskId: 'source#0' });
    const sink = createInProcessTaskDataBinding(transport, { jobId: 'j', taskId: 'sink#0' });
    const barriers: CheckpointBarrier[] = [];
    sink.subscribe('source#0', { barrier: (b) => void barriers.push(b), cancelMarker: noop, endOfPartition: noop, announcement: noop, rejected: noop });
    const barrier: CheckpointBarrier = { type: 'barrier', checkpointId: 1, timestamp: 5, options: trigger.options };
    await source.send('sink#0', barrier);
    expect(barriers).toEqual([barrier]);
    expect(sent[0]?.address).toBe('j/data/source%230/sink%230');
  });

  it('refuse a transport of another kind, or one weaker than the channels need', () => {
    expect(() => createNatsCoordinatorControlBinding(fakeTransport('amqp', 'at-least-once').transport, { jobId: 'j' })).toThrow(
      'createNatsCoordinatorControlBinding: expects a nats transport, got amqp',
    );
    expect(() => createNatsCoordinatorControlBinding(fakeTransport('nats', 'at-most-once').transport, { jobId: 'j' })).toThrow(/needs at-least-once delivery but the transport offers at-most-once/);
    expect(() => createAmqpTaskDataBinding(fakeTransport('amqp', 'at-least-once').transport, { jobId: 'j', taskId: 't' })).toThrow(/needs ordered-exactly-once/);
    expect(NATS_ADDRESSES.coordinatorToTask).toBe('snapwright.{jobId}.task.{taskId}.control');
  });

  it('encode address parameters as single tokens', () => {
    expect(addressToken('map#1.x y*>')).toBe('map%231%2Ex%20y%2A%3E');
    expect(decodeURIComponent(addressToken('a.b~c'))).toBe('a.b~c');
    expect(() => fillAddress('{jobId}.{nope}', { jobId: 'j' })).toThrow('no value for {nope}');
    expect(satisfiesDelivery('ordered-exactly-once', 'at-least-once')).toBe(true);
    expect(satisfiesDelivery('at-least-once', 'ordered-exactly-once')).toBe(false);
  });
});
