/**
 * Behaviour of the task machine's steps, guards and wiring that the scenario tests left unpinned,
 * found by mutation testing (Stryker left these mutants of `machines/task/task.steps.ts`,
 * `task.guards.ts` and `task.machine.ts` alive): the rejection of input before the task runs,
 * which timer is the heartbeat, when a barrier is late, what the end of an attempt drops, and
 * that a step without effect hands out no effect action and keeps the context.
 */
import { describe, expect, it } from 'vitest';
import { transition } from 'xstate';
import { taskMachine } from '../../machines/task/index.js';
import type { TaskEvent } from '../../machines/task/index.js';
import { channelOps, declines, JOB, messages, ofKind, OPTIONS, TASK, TaskHarness } from '../task/task-harness.js';

const ALTERNATING = { mode: 'exactly-once', unaligned: true } as const;

describe('input before the task runs', () => {
  it('is rejected as an invalid request, naming why', () => {
    const h = new TaskHarness({ inputChannels: 2 }, { run: false });
    const before = h.snapshot.context;
    expect(h.barrier(0, 1)).toEqual([
      { kind: 'rejected', eventType: 'stream.barrier', rejection: { code: 'invalid-request', path: '$', message: 'input is consumed only once the task runs' } },
    ]);
    expect(h.snapshot.context).toBe(before);
  });
});

describe('heartbeats', () => {
  it('only the heartbeat timer sends a heartbeat: the alignment timer switches to unaligned and sends none', () => {
    const h = new TaskHarness({ inputChannels: 3, alignment: ALTERNATING, heartbeatInterval: 500 });
    const armed = ofKind(h.barrier(0, 1, OPTIONS.timeout(50)), 'startTimer');
    expect(armed).toHaveLength(1);
    const timer = armed[0]?.timer as string;
    expect(timer).not.toBe('heartbeat');
    h.now += 100;
    const out = h.send({ type: 'timer.fired', timer, now: h.now });
    expect(messages(out).map((m) => m.type)).not.toContain('heartbeat');
    expect(ofKind(out, 'startTimer')).toEqual([]);
    expect(h.view.barrierHandler).toBe('alternating.collectingBarriersUnaligned');
  });

  it('a heartbeat timer firing on a task without heartbeats sends nothing', () => {
    const h = new TaskHarness({ inputChannels: 0 });
    expect(h.send({ type: 'timer.fired', timer: 'heartbeat', now: h.now })).toEqual([]);
  });

  it('with heartbeats, the heartbeat timer sends one and re-arms', () => {
    const h = new TaskHarness({ inputChannels: 0, heartbeatInterval: 500 });
    const out = h.send({ type: 'timer.fired', timer: 'heartbeat', now: h.now });
    expect(out).toEqual([
      { kind: 'sendToCoordinator', message: { type: 'heartbeat', jobId: JOB, taskId: TASK, attempt: 0 } },
      { kind: 'startTimer', timer: 'heartbeat', delayMs: 500 },
    ]);
  });
});

describe('late barriers (aligned with a timeout, unaligned enabled)', () => {
  it('a further barrier of an alignment without a timeout blocks its channel; nothing switches', () => {
    const h = new TaskHarness({ inputChannels: 3, alignment: ALTERNATING });
    h.barrier(0, 1);
    h.now += 10_000;
    const out = h.barrier(1, 1);
    expect(channelOps(out)).toEqual(['block:1']);
    expect(ofKind(out, 'snapshotSync')).toEqual([]);
    expect(h.view.barrierHandler).toBe('alternating.collectingBarriers');
    expect(h.view.blockedChannels).toEqual([0, 1]);
  });

  it('the last barrier after the timeout completes the alignment: the snapshot is taken aligned', () => {
    const h = new TaskHarness({ inputChannels: 2, alignment: ALTERNATING }, { asyncReplies: false });
    h.barrier(0, 1, OPTIONS.timeout(50));
    h.now += 100;
    const out = h.barrier(1, 1, OPTIONS.timeout(50));
    expect(ofKind(out, 'snapshotSync')).toMatchObject([{ checkpointId: 1, unaligned: false }]);
    expect(ofKind(out, 'startCapture')).toEqual([]);
    expect(h.view.barrierHandler).toBe('alternating.waitingForFirstBarrier');
    expect(h.view.snapshotsInProgress).toEqual([{ checkpointId: 1, phase: 'async' }]);
  });
});

describe('the end of an attempt', () => {
  it('cancels the armed alignment timer, and the attempt stays readable', () => {
    const h = new TaskHarness({ inputChannels: 2, alignment: ALTERNATING });
    const timer = ofKind(h.barrier(0, 1, OPTIONS.timeout(50)), 'startTimer')[0]?.timer;
    const out = h.send({ type: 'task.cancel', now: h.now });
    expect(ofKind(out, 'cancelTimer')).toEqual([{ kind: 'cancelTimer', timer }]);
    expect(h.view).toMatchObject({ lifecycle: 'canceled', barrierHandler: 'stopped', openChannels: 2 });
    // the snapshot (what a runtime persists) records no timer armed any more
    expect(h.snapshot.context.inputs.timer).toBeNull();
    expect(declines(h.trigger(2))).toEqual([[2, 'CHECKPOINT_DECLINED_TASK_NOT_READY']]);
  });
});

describe('a step without effect', () => {
  const completeEvent = (id: number, leaderEpoch?: number): TaskEvent => ({
    type: 'notifyCheckpointComplete',
    jobId: JOB,
    taskId: TASK,
    attempt: 0,
    checkpointId: id,
    timestamp: 1,
    lastSubsumedCheckpointId: -1,
    now: 1,
    ...(leaderEpoch === undefined ? {} : { leaderEpoch }),
  });

  it('hands out no effect action and keeps the context', () => {
    const h = new TaskHarness({ inputChannels: 0 });
    h.trigger(1);
    h.complete(1);
    const [next, actions] = transition(taskMachine, h.snapshot, completeEvent(1));
    expect(actions).toEqual([]);
    expect(next.context).toBe(h.snapshot.context);
  });

  it('a repeated message of the same leader epoch keeps the context (the epoch is adopted once)', () => {
    const h = new TaskHarness({ inputChannels: 0 });
    h.trigger(1);
    h.send(completeEvent(1, 2));
    expect(h.snapshot.context.leaderEpoch).toBe(2);
    const before = h.snapshot.context;
    expect(h.send(completeEvent(1, 2))).toEqual([]);
    expect(h.snapshot.context).toBe(before);
  });

  it('a batch that changes nothing hands out no effect action and keeps the context', () => {
    const h = new TaskHarness({ inputChannels: 2 });
    h.barrier(0, 1);
    h.barrier(1, 1);
    expect(h.view.lastStartedCheckpointId).toBe(1);
    const batch: TaskEvent = { type: 'stream.batch', events: [{ channel: 0, event: { type: 'cancelMarker', checkpointId: 1 } }], now: h.now };
    const [next, actions] = transition(taskMachine, h.snapshot, batch);
    expect(actions).toEqual([]);
    expect(next.context).toBe(h.snapshot.context);
  });
});
