/**
 * Small tools the broker transport tests share: probe messages on a data address, a gate that
 * holds a handler, and waiting for a condition.
 * @packageDocumentation
 */
import { randomBytes } from 'node:crypto';
import { expect } from 'vitest';
import type { TransportEvent } from '../../../adapters/runtime/contract.js';
import type { CoordinatorControlBinding, TaskControlBinding } from '../../../generated/bindings/endpoints.gen.js';
import { decodeStreamEvent, encodeStreamEvent } from '../../../generated/codecs.gen.js';
import type { AcknowledgeCheckpoint, TriggerCheckpoint } from '../../../generated/messages.gen.js';
import type { Rejection } from '../../../spec/index.js';
import { EMPTY_METRICS, RejectedInputError } from '../../../spec/index.js';

/** A job id unique to one test (a random suffix, so broker resources never collide). */
export const uniqueJobId = (name: string): string => `${name}-${randomBytes(4).toString('hex')}`;

/**
 * A probe message: a cancel marker carrying `n` as its checkpoint id.
 * @param n - the probe number (at least 1).
 */
export const probe = (n: number): Uint8Array => encodeStreamEvent({ type: 'cancelMarker', checkpointId: n });

/**
 * The number of a probe message, or null for anything else.
 * @param bytes - a delivered message.
 */
export function probeNumber(bytes: Uint8Array): number | null {
  const d = decodeStreamEvent(bytes);
  return d.ok && d.value.type === 'cancelMarker' ? d.value.checkpointId : null;
}

/** A gate a handler waits at until the test opens it. */
export class Gate {
  private opened!: () => void;
  /** Resolves when opened. */
  readonly passed = new Promise<void>((resolve) => (this.opened = resolve));
  /** Opens the gate. */
  open(): void {
    this.opened();
  }
}

/**
 * Waits until `condition` holds (checked every 20 ms); fails naming `what` after `ms`.
 * @param condition - the condition (may be async).
 * @param what - what is awaited.
 * @param ms - how long at most.
 */
export async function eventually(condition: () => boolean | Promise<boolean>, what: string, ms = 60_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** 1, 2, ..., n. */
export const upTo = (n: number): number[] => Array.from({ length: n }, (_, i) => i + 1);

/**
 * Sends a trigger through `coordinator` and an acknowledgement through `task`, and checks that
 * each arrives at the other side as the same typed message and that nothing else arrives.
 * @param coordinator - the coordinator's control binding.
 * @param task - task `src#0`'s control binding.
 * @param ready - resolves once both sides' subscriptions consume.
 * @param jobId - the job.
 */
export async function expectTypedRoundTrip(coordinator: CoordinatorControlBinding, task: TaskControlBinding, ready: () => Promise<unknown>, jobId: string): Promise<void> {
  const acks: AcknowledgeCheckpoint[] = [];
  const triggers: TriggerCheckpoint[] = [];
  const none = () => expect.unreachable('no other message');
  coordinator.subscribe({ acknowledgeCheckpoint: (m) => void acks.push(m), declineCheckpoint: none, reportCheckpointMetrics: none, taskStateChanged: none, heartbeat: none, rejected: none });
  task.subscribe({ triggerCheckpoint: (m) => void triggers.push(m), notifyCheckpointComplete: none, notifyCheckpointAborted: none, rejected: none });
  await ready();
  const trigger: TriggerCheckpoint = { type: 'triggerCheckpoint', jobId, taskId: 'src#0', attempt: 0, checkpointId: 7, timestamp: 1, options: { snapshot: 'checkpoint', alignment: 'aligned', alignedCheckpointTimeoutMs: 0 } };
  await coordinator.sendTriggerCheckpoint(trigger);
  const ack: AcknowledgeCheckpoint = { type: 'acknowledgeCheckpoint', jobId, taskId: 'src#0', attempt: 0, checkpointId: 7, metrics: EMPTY_METRICS, state: null };
  await task.sendAcknowledgeCheckpoint(ack);
  await eventually(() => triggers.length === 1 && acks.length === 1, 'the trigger and the acknowledgement');
  expect(triggers).toEqual([trigger]);
  expect(acks).toEqual([ack]);
}

/**
 * Sends probes 1..100, stops the broker, waits until `events` report the outage, sends probes
 * 101..200 while it is down, and starts it again (always, in a `finally`); resolves once every
 * send completed.
 * @param send - sends one probe to the address under test.
 * @param events - the sender's transport events.
 * @param broker - stops and starts the real broker.
 * @param broker.stop - stops it.
 * @param broker.start - starts it again.
 */
export async function sendAcrossOutage(send: (bytes: Uint8Array) => Promise<void>, events: readonly TransportEvent[], broker: { stop(): Promise<void>; start(): Promise<void> }): Promise<void> {
  await Promise.all(upTo(100).map((n) => send(probe(n))));
  let during: Promise<unknown> = Promise.resolve();
  await broker.stop();
  try {
    await eventually(() => events.some((e) => e.type === 'transport.lost'), 'the outage to be noticed');
    during = Promise.all(upTo(200).slice(100).map((n) => send(probe(n))));
  } finally {
    await broker.start();
  }
  await during;
}

/**
 * A subscriber that records the probe numbers it is handed and holds each one until `gate` opens.
 * @param seen - where the probe numbers go.
 * @param gate - what it waits for.
 */
export const gatedSubscriber = (seen: number[], gate: Gate) => async (bytes: Uint8Array): Promise<void> => {
  seen.push(probeNumber(bytes) as number);
  await gate.passed;
};

/**
 * What another client publishes in the bad-input tests: two malformed messages, then a well-formed
 * acknowledgement from a task that does not exist.
 * @param jobId - the job.
 */
export const badInputs = (jobId: string): string[] => [
  'not json',
  JSON.stringify({ type: 'acknowledgeCheckpoint', jobId }),
  JSON.stringify({ type: 'acknowledgeCheckpoint', jobId, taskId: 'ghost#0', attempt: 0, checkpointId: 1, metrics: EMPTY_METRICS, state: null }),
];

/**
 * Subscribes a coordinator binding whose handler rejects every acknowledgement with a
 * `RejectedInputError` (as `serveCoordinator` does for an unknown task).
 * @param coordinator - the coordinator's control binding.
 * @returns the binding's rejections and the task ids of the acknowledgements handed over.
 */
export function rejectingCoordinator(coordinator: CoordinatorControlBinding): { readonly rejections: Rejection[]; readonly taken: string[] } {
  const rejections: Rejection[] = [];
  const taken: string[] = [];
  coordinator.subscribe({
    acknowledgeCheckpoint: (m) => {
      taken.push(m.taskId);
      throw new RejectedInputError({ code: 'unknown-task', path: '$.taskId', message: 'no such task' });
    },
    declineCheckpoint: () => undefined,
    reportCheckpointMetrics: () => undefined,
    taskStateChanged: () => undefined,
    heartbeat: () => undefined,
    rejected: (r) => void rejections.push(r),
  });
  return { rejections, taken };
}
