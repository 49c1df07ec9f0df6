/**
 * A task attempt's heartbeats to the coordinator, and the leader epoch fence: messages of a
 * deposed coordinator are rejected.
 */
import { describe, expect, it } from 'vitest';
import type { TaskToCoordinatorMessage } from '../../spec/index.js';
import { ConfigError } from '../../spec/index.js';
import { createTask } from '../../runtime/task/create-task.js';
import { ManualTime } from '../../runtime/time.js';
import { acks, JOB, messages, OPTIONS, TASK, TaskHarness } from './task-harness.js';

const SOURCE = { inputChannels: 0 } as const;

function source(heartbeatInterval?: number) {
  const time = new ManualTime(0);
  const sent: TaskToCoordinatorMessage[] = [];
  const task = createTask({
    task: { jobId: JOB, taskId: TASK, attempt: 2, inputChannels: 0, ...(heartbeatInterval === undefined ? {} : { heartbeatInterval }) },
    toCoordinator: { send: (m) => void sent.push(m) },
    clock: time,
    timers: time,
  });
  const beats = () => sent.filter((m) => m.type === 'heartbeat').length;
  return { time, sent, task, beats };
}

describe('heartbeats', () => {
  it('are sent every interval from deployment until the attempt ends', () => {
    const s = source(100);
    expect(s.task.start().ok).toBe(true);
    s.time.advance(350);
    expect(s.beats()).toBe(3);
    expect(s.sent.find((m) => m.type === 'heartbeat')).toEqual({ type: 'heartbeat', jobId: JOB, taskId: TASK, attempt: 2 });
    expect(s.task.cancel().ok).toBe(true);
    s.time.advance(1000);
    expect(s.beats()).toBe(3);
    expect(s.time.pending()).toEqual([]);
  });

  it('are off by default', () => {
    const s = source();
    s.task.start();
    s.time.advance(10_000);
    expect(s.beats()).toBe(0);
  });

  it('a bad interval fails fast, naming the option', () => {
    expect(() => source(-5)).toThrow(ConfigError);
    expect(() => source(Number.NaN)).toThrow(/heartbeatInterval/);
  });
});

describe('leader epochs', () => {
  it('a message of a newer epoch is taken and raises the fence; an older epoch is rejected as stale-epoch and changes nothing', () => {
    const h = new TaskHarness(SOURCE);
    expect(acks(h.trigger(1, OPTIONS.aligned, { leaderEpoch: 2 }))).toEqual([1]);
    expect(h.snapshot.context.leaderEpoch).toBe(2);
    const before = h.snapshot;
    const out = h.trigger(2, OPTIONS.aligned, { leaderEpoch: 1 });
    expect(out).toMatchObject([{ kind: 'rejected', rejection: { code: 'stale-epoch', path: '$.leaderEpoch' } }]);
    expect(h.snapshot.context).toBe(before.context);
    // a message without an epoch is epoch 0: from a coordinator without failover, older than 2
    expect(h.trigger(2)).toMatchObject([{ kind: 'rejected', rejection: { code: 'stale-epoch' } }]);
    expect(acks(h.trigger(2, OPTIONS.aligned, { leaderEpoch: 2 }))).toEqual([2]);
  });

  it('a deposed coordinator cannot make a sink commit', () => {
    const h = new TaskHarness({ ...SOURCE, twoPhaseCommitSink: true });
    h.trigger(1, OPTIONS.aligned, { leaderEpoch: 1 });
    h.trigger(2, OPTIONS.aligned, { leaderEpoch: 2 });
    const notify = (leaderEpoch: number) =>
      h.send({ type: 'notifyCheckpointComplete', jobId: JOB, taskId: TASK, attempt: 0, checkpointId: 1, timestamp: 0, lastSubsumedCheckpointId: -1, leaderEpoch, now: h.now });
    const stale = notify(1);
    expect(stale).toMatchObject([{ kind: 'rejected', rejection: { code: 'stale-epoch' } }]);
    expect(stale.filter((c) => c.kind === 'commit')).toEqual([]);
    expect(messages(stale)).toEqual([]);
    expect(h.snapshot.context.latestCompletedId).toBe(-1);
    expect(notify(2).filter((c) => c.kind === 'commit').map((c) => c.checkpointId)).toEqual([1]);
  });
});
