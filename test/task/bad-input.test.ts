import { describe, expect, it } from 'vitest';
import type { TaskEvent } from '../../machines/task/index.js';
import { JOB, ofKind, OPTIONS, TASK, TaskHarness } from './task-harness.js';

/** Sends `event` and expects one typed rejection and an unchanged snapshot. */
function expectRejected(h: TaskHarness, event: TaskEvent, code: string, path?: string): void {
  const before = h.snapshot;
  const value = JSON.stringify(before.value);
  const context = JSON.stringify(before.context);
  const out = h.send(event);
  expect(out).toHaveLength(1);
  expect(out[0]).toMatchObject({ kind: 'rejected', eventType: event.type, rejection: { code, ...(path ? { path } : {}) } });
  expect(h.snapshot).toBe(before);
  expect(JSON.stringify(h.snapshot.value)).toBe(value);
  expect(JSON.stringify(h.snapshot.context)).toBe(context);
}

const trigger = (over: Record<string, unknown>) =>
  ({ type: 'triggerCheckpoint', jobId: JOB, taskId: TASK, attempt: 0, checkpointId: 1, timestamp: 1, options: OPTIONS.aligned, now: 5, ...over }) as TaskEvent;
const complete = (over: Record<string, unknown>) =>
  ({ type: 'notifyCheckpointComplete', jobId: JOB, taskId: TASK, attempt: 0, checkpointId: 1, timestamp: 1, lastSubsumedCheckpointId: -1, now: 5, ...over }) as TaskEvent;
const aborted = (over: Record<string, unknown>) =>
  ({ type: 'notifyCheckpointAborted', jobId: JOB, taskId: TASK, attempt: 0, checkpointId: 1, latestCompletedCheckpointId: -1, timestamp: 1, now: 5, ...over }) as TaskEvent;
const barrier = (channel: unknown, over: Record<string, unknown> = {}) =>
  ({ type: 'stream.barrier', channel, barrier: { type: 'barrier', checkpointId: 1, timestamp: 1, options: OPTIONS.aligned, ...over }, now: 5 }) as TaskEvent;

describe('bad input: a typed rejection, and the snapshot unchanged', () => {
  it('coordinator messages for another job, task or attempt', () => {
    const source = new TaskHarness({ inputChannels: 0, attempt: 2 });
    source.trigger(1);
    for (const make of [trigger, complete, aborted]) {
      expectRejected(source, make({ attempt: 2, jobId: 'other-job' }), 'wrong-job', '$.jobId');
      expectRejected(source, make({ attempt: 2, taskId: 'map#9' }), 'unknown-task', '$.taskId');
      expectRejected(source, make({ attempt: 1 }), 'stale-attempt', '$.attempt');
      expectRejected(source, make({ attempt: 3 }), 'stale-attempt', '$.attempt');
    }
  });

  it('malformed coordinator messages', () => {
    const h = new TaskHarness({ inputChannels: 0 });
    expectRejected(h, trigger({ checkpointId: 0 }), 'malformed', '$.checkpointId');
    expectRejected(h, trigger({ checkpointId: 1.5 }), 'malformed', '$.checkpointId');
    expectRejected(h, trigger({ checkpointId: Number.MAX_SAFE_INTEGER + 1 }), 'malformed', '$.checkpointId');
    expectRejected(h, trigger({ options: { snapshot: 'checkpoint', alignment: 'sideways', alignedCheckpointTimeoutMs: 0 } }), 'malformed', '$.options.alignment');
    expectRejected(h, trigger({ extra: true }), 'malformed', '$.extra');
    expectRejected(h, trigger({ now: -1 }), 'malformed', '$.now');
    expectRejected(h, aborted({ latestCompletedCheckpointId: 0 }), 'malformed', '$.latestCompletedCheckpointId');
    expectRejected(h, complete({ jobId: '' }), 'malformed', '$.jobId');
  });

  it('stream events on channels out of range, or malformed', () => {
    const h = new TaskHarness({ inputChannels: 2 });
    h.barrier(0, 1);
    expectRejected(h, barrier(2), 'malformed', '$.channel');
    expectRejected(h, barrier(-1), 'malformed', '$.channel');
    expectRejected(h, barrier(0.5), 'malformed', '$.channel');
    expectRejected(h, barrier('1'), 'malformed', '$.channel');
    expectRejected(h, barrier(1, { checkpointId: -3 }), 'malformed', '$.barrier.checkpointId');
    expectRejected(h, barrier(1, { timestamp: Number.NaN }), 'malformed', '$.barrier.timestamp');
    expectRejected(h, barrier(1, { options: null }), 'malformed', '$.barrier.options');
    expectRejected(h, { type: 'stream.cancelMarker', channel: 1, marker: { type: 'cancelMarker', checkpointId: 0 }, now: 5 }, 'malformed', '$.marker.checkpointId');
    expectRejected(h, { type: 'stream.announcement', channel: 1, announcement: { type: 'announcement', sequence: 1, barrier: null }, now: 5 } as unknown as TaskEvent, 'malformed');
    expectRejected(h, { type: 'stream.endOfPartition', channel: 1, now: Number.POSITIVE_INFINITY }, 'malformed', '$.now');
  });

  it('a source has no input channels', () => {
    const h = new TaskHarness({ inputChannels: 0 });
    expectRejected(h, barrier(0), 'malformed', '$.channel');
  });

  it('input from a blocked channel, an ended channel, or before the task runs', () => {
    const h = new TaskHarness({ inputChannels: 3 });
    h.barrier(0, 1);
    expectRejected(h, barrier(0, { checkpointId: 2 }), 'invalid-request', '$.channel');
    expectRejected(h, { type: 'stream.endOfPartition', channel: 0, now: 5 }, 'invalid-request', '$.channel');
    h.endOfPartition(2);
    expectRejected(h, barrier(2, { checkpointId: 2 }), 'invalid-request', '$.channel');
    expectRejected(h, { type: 'stream.endOfPartition', channel: 2, now: 5 }, 'invalid-request', '$.channel');

    const idle = new TaskHarness({ inputChannels: 2 }, { run: false });
    expectRejected(idle, barrier(0), 'invalid-request');
    expectRejected(idle, { type: 'stream.endOfPartition', channel: 0, now: 5 }, 'invalid-request');
  });

  it('malformed answers of the ports and timers', () => {
    const h = new TaskHarness({ inputChannels: 0 });
    expectRejected(h, { type: 'snapshot.asyncCompleted', checkpointId: 0, state: null, now: 5 }, 'malformed', '$.checkpointId');
    expectRejected(h, { type: 'snapshot.asyncCompleted', checkpointId: 1, state: { key: '', sizeBytes: 1 }, now: 5 }, 'malformed', '$.state');
    expectRejected(h, { type: 'timer.fired', timer: 7, now: 5 } as unknown as TaskEvent, 'malformed', '$.timer');
    expectRejected(h, { type: 'task.fail', message: 3, now: 5 } as unknown as TaskEvent, 'malformed', '$.message');
  });

  it('a rejection is the only action of the step', () => {
    const h = new TaskHarness({ inputChannels: 0 });
    const out = h.send(trigger({ jobId: 'x' }));
    expect(out.map((c) => c.kind)).toEqual(['rejected']);
    expect(ofKind(out, 'rejected')[0]?.rejection.message).toMatch(/belongs to job/);
  });
});
