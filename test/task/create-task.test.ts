import { describe, expect, it } from 'vitest';
import type { TaskToCoordinatorMessage } from '../../spec/index.js';
import { ConfigError } from '../../spec/index.js';
import type { TaskCommand, TaskInput } from '../../machines/task/index.js';
import { createTask, InMemorySink, InMemorySnapshots } from '../../runtime/task/index.js';
import type { TaskOptions } from '../../runtime/task/index.js';
import { ManualTime } from '../../runtime/time.js';
import { JOB, OPTIONS } from './task-harness.js';

/** A task with recording ports. */
function fixture(task: Partial<TaskInput> = {}, more: Partial<TaskOptions> = {}) {
  const sent: TaskToCoordinatorMessage[] = [];
  const downstream: string[] = [];
  const inputs: string[] = [];
  const time = new ManualTime(1000);
  const input: TaskInput = { jobId: JOB, taskId: 'map#0', attempt: 0, inputChannels: 2, ...task };
  const t = createTask({
    task: input,
    toCoordinator: { send: (m) => void sent.push(m) },
    downstream: { broadcast: (e) => void downstream.push('checkpointId' in e ? `${e.type}:${e.checkpointId}` : e.type) },
    inputs: {
      block: (c) => void inputs.push(`block:${c}`),
      unblock: (c) => void inputs.push(`unblock:${c}`),
      startCapture: (c, id) => void inputs.push(`capture:${c}@${id}`),
      stopCapture: (c, id) => void inputs.push(`release:${c}@${id}`),
    },
    clock: time,
    timers: time,
    ...more,
  });
  const states = () => sent.flatMap((m) => (m.type === 'taskStateChanged' ? [m.state] : []));
  const outcomes = () => sent.flatMap((m) => (m.type === 'acknowledgeCheckpoint' ? [`ack:${m.checkpointId}`] : m.type === 'declineCheckpoint' ? [`decline:${m.checkpointId}:${m.reason}`] : []));
  const msg = (type: string, over: Record<string, unknown> = {}) => ({ type, jobId: JOB, taskId: input.taskId, attempt: input.attempt, checkpointId: 1, timestamp: 1, ...over });
  return { t, sent, downstream, inputs, time, states, outcomes, msg };
}

const flush = () => new Promise((resolve) => setTimeout(resolve, 0));

describe('createTask', () => {
  it('starts: reports deploying, initializing and running, restoring through the snapshot port', () => {
    const snapshots = new InMemorySnapshots('map#0');
    const f = fixture({}, { snapshots });
    expect(f.t.state().lifecycle).toBe('deploying');
    expect(f.t.start()).toEqual({ ok: true });
    expect(f.states()).toEqual(['deploying', 'initializing', 'running']);
    expect(snapshots.restores).toEqual([null]);
    expect(f.t.state().barrierHandler).toBe('aligned.waitingForFirstBarrier');
    expect(f.t.start().ok).toBe(false);
  });

  it('stays initializing until an asynchronous restore resolves; triggers meanwhile are declined', async () => {
    let finish = () => {};
    const f = fixture({ inputChannels: 0 }, { snapshots: { restore: () => new Promise<void>((r) => (finish = r)), sync: () => null } });
    f.t.start();
    expect(f.t.state().lifecycle).toBe('initializing');
    expect(f.t.receive(f.msg('triggerCheckpoint', { options: OPTIONS.aligned }))).toEqual({ ok: true });
    expect(f.outcomes()).toEqual(['decline:1:CHECKPOINT_DECLINED_TASK_NOT_READY']);
    finish();
    await flush();
    expect(f.t.state().lifecycle).toBe('running');
  });

  it('drives aligned barriers through the input and output ports', () => {
    const f = fixture();
    f.t.start();
    const barrier = { type: 'barrier', checkpointId: 1, timestamp: 1000, options: OPTIONS.aligned };
    expect(f.t.receiveStream(0, barrier)).toEqual({ ok: true });
    expect(f.t.state().blockedChannels).toEqual([0]);
    expect(f.t.receiveStream(1, barrier)).toEqual({ ok: true });
    expect(f.inputs).toEqual(['block:0', 'unblock:0']);
    expect(f.downstream).toEqual(['barrier:1']);
    expect(f.outcomes()).toEqual(['ack:1']);
  });

  it('rejects bad input with a typed rejection and leaves the state unchanged', () => {
    const f = fixture();
    f.t.start();
    f.t.receiveStream(0, { type: 'barrier', checkpointId: 1, timestamp: 1000, options: OPTIONS.aligned });
    const before = f.t.snapshot();
    const cases: Array<[() => ReturnType<typeof f.t.receive>, string]> = [
      [() => f.t.receive({ nonsense: true }), 'malformed'],
      [() => f.t.receive(null), 'malformed'],
      [() => f.t.receive(f.msg('notifyCheckpointComplete', { lastSubsumedCheckpointId: -1, checkpointId: 'one' })), 'malformed'],
      [() => f.t.receive({ type: 'taskStateChanged', jobId: JOB, taskId: 'map#0', attempt: 0, state: 'running' }), 'malformed'],
      [() => f.t.receive(f.msg('notifyCheckpointComplete', { lastSubsumedCheckpointId: -1, jobId: 'other' })), 'wrong-job'],
      [() => f.t.receive(f.msg('notifyCheckpointComplete', { lastSubsumedCheckpointId: -1, taskId: 'map#1' })), 'unknown-task'],
      [() => f.t.receive(f.msg('notifyCheckpointAborted', { latestCompletedCheckpointId: -1, attempt: 1 })), 'stale-attempt'],
      [() => f.t.receiveStream(0, { type: 'barrier', checkpointId: 2, timestamp: 1, options: OPTIONS.aligned }), 'invalid-request'],
      [() => f.t.receiveStream(5, { type: 'endOfPartition' }), 'malformed'],
      [() => f.t.receiveStream(1, { type: 'record' }), 'malformed'],
      [() => f.t.receiveStream(1, 'barrier'), 'malformed'],
    ];
    for (const [run, code] of cases) {
      const r = run();
      expect(r.ok).toBe(false);
      if (!r.ok) expect(r.rejection.code).toBe(code);
      expect(f.t.snapshot()).toBe(before);
    }
  });

  it('rejects input before start and after stop', () => {
    const f = fixture();
    expect(f.t.receiveStream(0, { type: 'endOfPartition' })).toMatchObject({ ok: false, rejection: { code: 'invalid-request' } });
    f.t.start();
    f.t.stop();
    expect(f.t.receiveStream(0, { type: 'endOfPartition' })).toMatchObject({ ok: false, rejection: { code: 'shut-down' } });
    expect(f.t.start()).toMatchObject({ ok: false, rejection: { code: 'shut-down' } });
  });

  it('runs asynchronous snapshot parts and acknowledges when they resolve, declines when they fail', async () => {
    const snapshots = new InMemorySnapshots('src#0', true);
    const f = fixture({ inputChannels: 0, taskId: 'src#0' }, { snapshots });
    f.t.start();
    f.t.receive(f.msg('triggerCheckpoint', { options: OPTIONS.aligned }));
    f.t.receive(f.msg('triggerCheckpoint', { checkpointId: 2, options: OPTIONS.aligned }));
    expect(f.t.state().snapshotsInProgress).toEqual([
      { checkpointId: 1, phase: 'async' },
      { checkpointId: 2, phase: 'async' },
    ]);
    f.time.advance(30);
    snapshots.completeAsync(1);
    snapshots.failAsync(2);
    await flush();
    expect(f.outcomes()).toEqual(['ack:1', 'decline:2:CHECKPOINT_ASYNC_EXCEPTION']);
    const ack = f.sent.find((m) => m.type === 'acknowledgeCheckpoint');
    expect(ack).toMatchObject({ state: { key: 'src#0/chk-1' }, metrics: { asyncDurationMs: 30 } });
  });

  it('cancels an aborted snapshot through the port and ignores its late answer', async () => {
    const snapshots = new InMemorySnapshots('src#0', true);
    const f = fixture({ inputChannels: 0, taskId: 'src#0' }, { snapshots });
    f.t.start();
    f.t.receive(f.msg('triggerCheckpoint', { options: OPTIONS.aligned }));
    f.t.receive(f.msg('notifyCheckpointAborted', { latestCompletedCheckpointId: -1 }));
    expect(snapshots.cancelled).toEqual([1]);
    snapshots.completeAsync(1);
    await flush();
    expect(f.outcomes()).toEqual([]);
    expect(f.sent.map((m) => m.type)).toContain('reportCheckpointMetrics');
  });

  it('a failing synchronous part fails the task', () => {
    const snapshots = new InMemorySnapshots('src#0');
    snapshots.failNextSync = 'disk full';
    const f = fixture({ inputChannels: 0, taskId: 'src#0' }, { snapshots });
    f.t.start();
    f.t.receive(f.msg('triggerCheckpoint', { options: OPTIONS.aligned }));
    expect(f.states()).toEqual(['deploying', 'initializing', 'running', 'failed']);
    expect(f.t.state().failure).toContain('disk full');
  });

  it('runs the alignment timer on the injected timers and switches to unaligned when it fires', () => {
    const f = fixture({ inputChannels: 3, alignment: { mode: 'exactly-once', unaligned: true } });
    f.t.start();
    const barrier = { type: 'barrier', checkpointId: 1, timestamp: 1000, options: OPTIONS.timeout(50) };
    f.t.receiveStream(0, barrier);
    expect(f.time.pending()).toEqual([{ name: 'task/map#0/0/alignment:1', at: 1050 }]);
    f.time.advance(49);
    expect(f.t.state().barrierHandler).toBe('alternating.collectingBarriers');
    f.time.advance(1);
    expect(f.t.state().barrierHandler).toBe('alternating.collectingBarriersUnaligned');
    expect(f.inputs).toEqual(['block:0', 'capture:1@1', 'capture:2@1', 'unblock:0']);
    expect(f.downstream).toEqual(['barrier:1']);
  });

  it('stop() clears the armed timers', () => {
    const f = fixture({ inputChannels: 3, alignment: { mode: 'exactly-once', unaligned: true } });
    f.t.start();
    f.t.receiveStream(0, { type: 'barrier', checkpointId: 1, timestamp: 1000, options: OPTIONS.timeout(50) });
    f.t.stop();
    expect(f.time.pending()).toEqual([]);
  });

  it('two-phase-commit sink: commits through the sink port and reports committed observations', () => {
    const sink = new InMemorySink();
    const f = fixture({ inputChannels: 1, taskId: 'sink#0', twoPhaseCommitSink: true }, { sink });
    const observed: unknown[] = [];
    f.t.onObservation((o) => observed.push(o));
    f.t.start();
    for (const id of [1, 2]) f.t.receiveStream(0, { type: 'barrier', checkpointId: id, timestamp: 1, options: OPTIONS.aligned });
    f.t.receive(f.msg('notifyCheckpointComplete', { checkpointId: 2, lastSubsumedCheckpointId: -1 }));
    f.t.receive(f.msg('notifyCheckpointComplete', { checkpointId: 2, lastSubsumedCheckpointId: -1 }));
    expect(sink.committed.map((c) => c.checkpointId)).toEqual([1, 2]);
    expect(observed).toEqual([{ kind: 'committed', taskId: 'sink#0', attempt: 0, checkpointId: 2 }]);
    expect(sink.stateOf('sink#0/a0/txn-2')).toBe('open');
  });

  it('recover-and-commit after restore is idempotent: a transaction already committed is not committed again', () => {
    const sink = new InMemorySink();
    const snapshots = new InMemorySnapshots('sink#0');
    const first = fixture({ inputChannels: 1, taskId: 'sink#0', twoPhaseCommitSink: true }, { sink, snapshots });
    first.t.start();
    first.t.receiveStream(0, { type: 'barrier', checkpointId: 1, timestamp: 1, options: OPTIONS.aligned });
    first.t.receiveStream(0, { type: 'barrier', checkpointId: 2, timestamp: 1, options: OPTIONS.aligned });
    first.t.receive(first.msg('notifyCheckpointComplete', { checkpointId: 1, lastSubsumedCheckpointId: -1 }));
    expect(sink.committed.map((c) => c.transactionId)).toEqual(['sink#0/a0/txn-0']);
    first.t.fail('crash');
    expect(sink.aborted).toEqual(['sink#0/a0/txn-2']);

    // checkpoint 2 completed at the coordinator, but the notice was lost: restore from it
    const restore = snapshots.restoreOf(2, { key: 'sink#0/chk-2', sizeBytes: 100 });
    expect(restore.transactions?.pendingTransactions.map((p) => p.transactionId)).toEqual(['sink#0/a0/txn-0', 'sink#0/a0/txn-1']);
    const second = fixture({ inputChannels: 1, taskId: 'sink#0', twoPhaseCommitSink: true, attempt: 1, restore }, { sink, snapshots });
    second.t.start();
    expect(sink.committed.map((c) => c.transactionId)).toEqual(['sink#0/a0/txn-0', 'sink#0/a0/txn-1']);
    expect(sink.calls.filter((c) => c.op === 'recoverAndCommit').map((c) => c.transactionId)).toEqual(['sink#0/a0/txn-0', 'sink#0/a0/txn-1']);
    expect(sink.calls.filter((c) => c.op === 'recoverAndAbort').map((c) => c.transactionId)).toEqual(['sink#0/a0/txn-2']);
    expect(second.t.state().openTransaction).toBe('sink#0/a1/txn-2');
    expect(second.states()).toEqual(['deploying', 'initializing', 'running']);
  });

  it('a sink port that throws fails the task', () => {
    class BrokenSink extends InMemorySink {
      override preCommit(): void {
        throw new Error('broker down');
      }
    }
    const broken = new BrokenSink();
    const f = fixture({ inputChannels: 0, taskId: 'sink#0', twoPhaseCommitSink: true }, { sink: broken });
    f.t.start();
    f.t.receive(f.msg('triggerCheckpoint', { options: OPTIONS.aligned }));
    expect(f.t.state().lifecycle).toBe('failed');
    expect(f.t.state().failure).toBe('broker down');
  });

  it('lists every command to listeners, in order', () => {
    const f = fixture({ inputChannels: 0 });
    const kinds: TaskCommand['kind'][] = [];
    f.t.onCommand((c) => kinds.push(c.kind));
    f.t.start();
    f.t.endOfInput();
    f.t.cancel();
    expect(kinds).toEqual(['sendToCoordinator', 'sendToCoordinator', 'initializeState', 'sendToCoordinator', 'sendToCoordinator']);
    expect(f.states()).toEqual(['deploying', 'initializing', 'running', 'canceled']);
  });

  it('fails fast on a malformed input or a missing port', () => {
    const base = { toCoordinator: { send: () => {} } };
    expect(() => createTask({ ...base, task: { jobId: JOB, taskId: 't', attempt: -1, inputChannels: 1 } })).toThrow(ConfigError);
    expect(() => createTask({ ...base, task: { jobId: JOB, taskId: 't', attempt: 0, inputChannels: 1.5 } })).toThrow(/inputChannels/);
    expect(() => createTask({ ...base, task: { jobId: JOB, taskId: 't', attempt: 0, inputChannels: 1, twoPhaseCommitSink: true } })).toThrow(/sink/);
    expect(() => createTask({ ...base, task: { jobId: JOB, taskId: 't', attempt: 0, inputChannels: 1, alignment: { mode: 'at-least-once', unaligned: true } } })).toThrow(/alignment.unaligned/);
    expect(() => createTask({ task: { jobId: JOB, taskId: 't', attempt: 0, inputChannels: 1 } } as unknown as TaskOptions)).toThrow(/toCoordinator/);
    expect(() =>
      createTask({ ...base, task: { jobId: JOB, taskId: 't', attempt: 0, inputChannels: 1, restore: { checkpointId: 3, state: null, transactions: { openTransaction: null, pendingTransactions: [] } } } }),
    ).toThrow(/restore.transactions/);
  });
});
