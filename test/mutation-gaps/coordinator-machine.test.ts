/**
 * Behaviour of the coordinator statechart that the scenario tests left unpinned, found by mutation
 * testing: the typed rejections of the machine's own guards (clock, scheduler, id counter, store,
 * restore, shut down), which timer drives which region, the order in which acknowledged
 * checkpoints are stored, the clock after shutdown, and that a step with no effect invokes no
 * `commands` action.
 */
import { describe, expect, it } from 'vitest';
import { createActor } from 'xstate';
import { EMPTY_METRICS, resolveConfig } from '../../spec/index.js';
import type { CheckpointingConfig } from '../../spec/index.js';
import { coordinatorMachine } from '../../machines/coordinator/index.js';
import type { CoordinatorCommand, CoordinatorEvent } from '../../machines/coordinator/index.js';
import { SIMPLE_JOB, useProtocolMonitors } from '../support/coordinator-fixture.js';
import { MachineHarness } from '../support/machine-harness.js';

useProtocolMonitors();

type Ack = Extract<CoordinatorEvent, { type: 'acknowledgeCheckpoint' }>;

const rejections = (commands: readonly CoordinatorCommand[]) => commands.flatMap((c) => (c.kind === 'rejected' ? [c.rejection] : []));
const kinds = (commands: readonly CoordinatorCommand[]) => commands.map((c) => c.kind);

function ackOf(h: MachineHarness, taskId: string, checkpointId: number): Ack {
  return { type: 'acknowledgeCheckpoint', jobId: h.jobId, taskId, attempt: 0, checkpointId, metrics: EMPTY_METRICS, state: { key: `${taskId}@${checkpointId}`, sizeBytes: 10 } };
}

/** Acknowledges `checkpointId` from every task; returns the commands. */
function ackAll(h: MachineHarness, checkpointId: number): CoordinatorCommand[] {
  return h.taskIds.flatMap((t) => h.ack(ackOf(h, t, checkpointId)));
}

/** A harness whose ports the test answers by hand. */
function manual(config: Partial<CheckpointingConfig> = {}): MachineHarness {
  return new MachineHarness({ autoReply: false, config });
}

/** Requests a checkpoint and answers its id request with `checkpointId`. */
function trigger(h: MachineHarness, checkpointId: number): CoordinatorCommand[] {
  const asked = h.send({ type: 'request.checkpoint', requestId: `r${checkpointId}`, checkpointType: 'configured' });
  const allocate = asked.find((c) => c.kind === 'allocateId');
  if (allocate?.kind !== 'allocateId') throw new Error('no id was asked for');
  h.monitor.observe({ kind: 'idAllocated', checkpointId });
  return h.send({ type: 'counter.allocated', seq: allocate.seq, checkpointId });
}

/** The store answers that `checkpointId` is stored; returns the commands. */
function storedOk(h: MachineHarness, checkpointId: number): CoordinatorCommand[] {
  h.monitor.observe({ kind: 'stored', checkpointId });
  return h.send({ type: 'finalize.succeeded', checkpointId });
}

/** Stores of the commands, by checkpoint id. */
const stored = (commands: readonly CoordinatorCommand[]) => commands.flatMap((c) => (c.kind === 'storeCheckpoint' ? [c.checkpoint.checkpointId] : []));

describe('the clock', () => {
  it('accepts a tick at the current time and rejects one that goes back, naming the current time', () => {
    const h = new MachineHarness({ now: 500 });
    expect(h.send({ type: 'clock.tick', now: 500 })).toEqual([]);
    expect(h.send({ type: 'clock.tick', now: 499 })).toEqual([{ kind: 'rejected', rejection: { code: 'invalid-request', path: '$.now', message: 'the clock may not go back from 500' } }]);
    expect(h.context.now).toBe(500);
  });

  it('keeps moving after shutdown', () => {
    const h = new MachineHarness({ now: 100 });
    h.send({ type: 'shutdown' });
    h.send({ type: 'clock.tick', now: 100 });
    expect(h.context.now).toBe(100);
    expect(h.send({ type: 'clock.tick', now: 700 })).toEqual([]);
    expect(h.context.now).toBe(700);
    expect(h.context.topology.taskIds).toEqual(h.taskIds);
  });
});

describe('the periodic scheduler', () => {
  it('refuses to start without an interval, saying which option to set', () => {
    const h = new MachineHarness();
    expect(h.send({ type: 'scheduler.start', random: 0 })).toEqual([
      { kind: 'rejected', rejection: { code: 'invalid-request', path: '$', message: 'periodic checkpointing is not configured (set interval)' } },
    ]);
  });
});

describe('timers', () => {
  const started = () => {
    const h = new MachineHarness({ config: { interval: 1000, heartbeatTimeout: 10_000 } });
    h.send({ type: 'scheduler.start', random: 0 });
    return h;
  };

  it('a heartbeat check does not tick the periodic scheduler', () => {
    const h = started();
    const out = h.send({ type: 'timer.fired', timer: { kind: 'heartbeat' } });
    expect(out).toEqual([{ kind: 'startTimer', timer: { kind: 'heartbeat' }, delayMs: 5000 }]);
    expect(h.context.queue).toEqual([]);
  });

  it('a periodic tick does not run a heartbeat check', () => {
    const h = started();
    const out = h.send({ type: 'timer.fired', timer: { kind: 'periodic' } });
    expect(out).toContainEqual({ kind: 'startTimer', timer: { kind: 'periodic' }, delayMs: 1000 });
    expect(out.filter((c) => c.kind === 'startTimer' && c.timer.kind === 'heartbeat')).toEqual([]);
  });

  it('a checkpoint timeout neither ticks the scheduler nor checks heartbeats', () => {
    const h = started();
    const out = h.send({ type: 'timer.fired', timer: { kind: 'timeout', checkpointId: 99 } });
    expect(out.filter((c) => c.kind === 'startTimer' || c.kind === 'allocateId')).toEqual([]);
  });

  it('a periodic timer firing while the scheduler is stopped runs no heartbeat check', () => {
    const h = new MachineHarness({ config: { interval: 1000, heartbeatTimeout: 10_000 } });
    expect(h.send({ type: 'timer.fired', timer: { kind: 'periodic' } })).toEqual([]);
  });
});

describe('answers of the id counter', () => {
  it('an id for a request that did not ask for it is rejected and creates nothing; the right one still works', () => {
    const h = manual();
    const seq = (h.send({ type: 'request.checkpoint', requestId: 'r', checkpointType: 'configured' }).find((c) => c.kind === 'allocateId') as { seq: number }).seq;
    const wrong = { code: 'invalid-request', path: '$.seq', message: 'no id was asked for this request' };
    expect(h.send({ type: 'counter.allocated', seq: seq + 1, checkpointId: 1 })).toEqual([{ kind: 'rejected', rejection: wrong }]);
    expect(h.send({ type: 'counter.failed', seq: seq + 1, reason: 'IO_EXCEPTION' })).toEqual([{ kind: 'rejected', rejection: wrong }]);
    expect(h.context.pending.size).toBe(0);
    h.monitor.observe({ kind: 'idAllocated', checkpointId: 1 });
    expect(kinds(h.send({ type: 'counter.allocated', seq, checkpointId: 1 }))).toContain('pendingCreated');
  });
});

describe('answers of the store', () => {
  const nothing = { code: 'invalid-request', path: '$.checkpointId', message: 'nothing is being finalized' };
  const notThat = { code: 'invalid-request', path: '$.checkpointId', message: 'that checkpoint is not being finalized' };

  it('are rejected while nothing is being stored', () => {
    const h = manual();
    expect(rejections(h.send({ type: 'finalize.succeeded', checkpointId: 1 }))).toEqual([nothing]);
    expect(rejections(h.send({ type: 'finalize.failed', checkpointId: 1 }))).toEqual([nothing]);
  });

  it('for another checkpoint than the one being stored are rejected and leave the store write alone', () => {
    const h = manual({ maxConcurrent: 2 });
    trigger(h, 1);
    trigger(h, 2);
    expect(stored(ackAll(h, 1))).toEqual([1]);
    for (const id of [2, 7]) {
      expect(h.send({ type: 'finalize.succeeded', checkpointId: id })).toEqual([{ kind: 'rejected', rejection: notThat }]);
      expect(h.send({ type: 'finalize.failed', checkpointId: id })).toEqual([{ kind: 'rejected', rejection: notThat }]);
    }
    expect(h.context.pending.get(1)?.stage).toBe('finalizing');
    expect(h.context.pending.get(2)?.stage).toBe('triggered');
    expect(kinds(storedOk(h, 1))).toContain('checkpointCompleted');
  });

  it('acknowledged checkpoints waiting for the store are stored oldest first', () => {
    const h = manual({ maxConcurrent: 3, retained: 3 });
    trigger(h, 1);
    trigger(h, 2);
    trigger(h, 3);
    expect(stored(ackAll(h, 1))).toEqual([1]);
    expect(stored(ackAll(h, 3))).toEqual([]);
    expect(stored(ackAll(h, 2))).toEqual([]);
    expect(stored(storedOk(h, 1))).toEqual([2]);
    expect(stored(storedOk(h, 2))).toEqual([3]);
  });
});

describe('a restore', () => {
  it('naming a task outside the job is rejected as a whole, even with known tasks beside it', () => {
    const h = new MachineHarness();
    expect(h.send({ type: 'restore', scope: 'regional', tasks: ['src#0', 'nope#0'] })).toEqual([
      { kind: 'rejected', rejection: { code: 'unknown-task', path: '$.tasks', message: 'a task to restore is not part of the job' } },
    ]);
  });

  it('with no checkpoint in the store restores empty state', () => {
    const h = new MachineHarness();
    expect(h.send({ type: 'restore', scope: 'global' })).toEqual([{ kind: 'restoreState', scope: 'global', checkpoint: null, tasks: h.taskIds }]);
  });
});

describe('a shut-down coordinator', () => {
  it('fails requests, keeping the kind of snapshot asked for', () => {
    const h = new MachineHarness();
    h.send({ type: 'shutdown' });
    const failed = (type: 'full' | 'configured' | 'incremental') => h.send({ type: 'request.checkpoint', requestId: type, checkpointType: type });
    expect(failed('full')).toEqual([{ kind: 'requestFailed', requestId: 'full', snapshot: 'full', reason: 'CHECKPOINT_COORDINATOR_SHUTDOWN' }]);
    expect(failed('configured')).toEqual([{ kind: 'requestFailed', requestId: 'configured', snapshot: 'checkpoint', reason: 'CHECKPOINT_COORDINATOR_SHUTDOWN' }]);
    expect(failed('incremental')).toEqual([{ kind: 'requestFailed', requestId: 'incremental', snapshot: 'checkpoint', reason: 'CHECKPOINT_COORDINATOR_SHUTDOWN' }]);
  });

  it('rejects other messages, naming the message type', () => {
    const h = new MachineHarness();
    h.send({ type: 'shutdown' });
    expect(h.send({ type: 'heartbeat', jobId: h.jobId, taskId: 'src#0', attempt: 0 } as CoordinatorEvent)).toEqual([
      { kind: 'rejected', rejection: { code: 'shut-down', path: '$.type', message: 'the coordinator is shut down; heartbeat is not processed' } },
    ]);
  });
});

describe('the commands action', () => {
  const actor = () => {
    const calls: Array<readonly CoordinatorCommand[]> = [];
    const a = createActor(coordinatorMachine.provide({ actions: { commands: (_, commands: readonly CoordinatorCommand[]) => void calls.push(commands) } }), {
      input: { topology: SIMPLE_JOB, config: resolveConfig({}), now: 0 },
    });
    a.start();
    return { a, calls };
  };

  it('is not invoked when starting without heartbeats, nor for a step that has no effect', () => {
    const { a, calls } = actor();
    expect(calls).toEqual([]);
    a.send({ type: 'clock.tick', now: 0 });
    a.send({ type: 'clock.tick', now: 50 });
    a.send({ type: 'acknowledgeBatch', acks: [] });
    expect(calls).toEqual([]);
    a.send({ type: 'clock.tick', now: 10 });
    expect(calls).toHaveLength(1);
    a.stop();
  });
});
