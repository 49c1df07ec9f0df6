/**
 * Behaviour of the task's input checks that the scenario tests left unpinned, found by mutation
 * testing (Stryker left these mutants of `machines/task/validation.ts` alive): the exact
 * `ConfigError` (option and message) for each bad field of a task input and of its restore, and
 * the exact typed rejection (code, path, message) of each bad event, as the machine emits it.
 */
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../spec/index.js';
import type { CheckpointOptions, Rejection, StreamEvent } from '../../spec/index.js';
import { MAX_INPUT_CHANNELS, resolveTaskConfig } from '../../machines/task/index.js';
import type { TaskEvent, TaskInput } from '../../machines/task/index.js';
import { acks, JOB, OPTIONS, TASK, TaskHarness } from '../task/task-harness.js';

const BASE: TaskInput = { jobId: JOB, taskId: TASK, attempt: 0, inputChannels: 2 };

/** The `ConfigError` that `resolveTaskConfig` throws for the base input with `over`, as `{ option, message }`. */
function configError(over: Record<string, unknown> | null | string): { option: string; message: string } {
  const input = (over === null || typeof over === 'string' ? over : { ...BASE, ...over }) as TaskInput;
  try {
    resolveTaskConfig(input);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return { option: (error as ConfigError).option, message: (error as ConfigError).message };
  }
  throw new Error(`accepted: ${JSON.stringify(over)}`);
}

/** The error of option `option` with `text`, as `ConfigError` words it. */
const bad = (option: string, text: string) => ({ option, message: `invalid configuration: ${option}: ${text}` });

/** A restore of checkpoint 3 with overrides. */
const restore = (over: Record<string, unknown> = {}) => ({ restore: { checkpointId: 3, state: { key: 'k/3', sizeBytes: 9 }, ...over } });
/** A two-phase-commit sink's restore of checkpoint 3 with transactions. */
const sinkRestore = (transactions: Record<string, unknown>) => ({ twoPhaseCommitSink: true, ...restore({ transactions: { openTransaction: null, pendingTransactions: [], ...transactions } }) });

describe('a task input that is not an object', () => {
  it('is refused as a whole, whether null or a primitive', () => {
    expect(configError(null)).toEqual(bad('input', 'must be an object'));
    expect(configError('map#0')).toEqual(bad('input', 'must be an object'));
  });
});

describe('the identity of a task input', () => {
  it('needs non-empty string job and task ids (an array with a length is no string)', () => {
    expect(configError({ jobId: '' })).toEqual(bad('jobId', 'must be a non-empty string'));
    expect(configError({ jobId: ['job-1'] })).toEqual(bad('jobId', 'must be a non-empty string'));
    expect(configError({ taskId: '' })).toEqual(bad('taskId', 'must be a non-empty string'));
    expect(configError({ taskId: { length: 3 } })).toEqual(bad('taskId', 'must be a non-empty string'));
  });

  it('needs a non-negative safe integer attempt', () => {
    expect(configError({ attempt: -1 })).toEqual(bad('attempt', 'must be a non-negative safe integer'));
    expect(configError({ attempt: 0.5 })).toEqual(bad('attempt', 'must be a non-negative safe integer'));
  });
});

describe('the input channels of a task', () => {
  it('are an integer from 0 (a source) to MAX_INPUT_CHANNELS inclusive', () => {
    const range = bad('inputChannels', `must be an integer in [0, ${MAX_INPUT_CHANNELS}] (0 for a source)`);
    expect(range.message).toBe('invalid configuration: inputChannels: must be an integer in [0, 65536] (0 for a source)');
    expect(configError({ inputChannels: -1 })).toEqual(range);
    expect(configError({ inputChannels: MAX_INPUT_CHANNELS + 1 })).toEqual(range);
    expect(configError({ inputChannels: 1.5 })).toEqual(range);
    expect(resolveTaskConfig({ ...BASE, inputChannels: MAX_INPUT_CHANNELS }).inputChannels).toBe(MAX_INPUT_CHANNELS);
    expect(resolveTaskConfig({ ...BASE, inputChannels: 0 }).inputChannels).toBe(0);
  });
});

describe('the alignment settings of a task', () => {
  it('name a known mode and a boolean unaligned flag, unaligned only with exactly-once', () => {
    expect(configError({ alignment: { mode: 'at-most-once', unaligned: false } })).toEqual(bad('alignment.mode', "must be 'exactly-once' or 'at-least-once'"));
    expect(configError({ alignment: { mode: 'exactly-once', unaligned: 'yes' } })).toEqual(bad('alignment.unaligned', 'must be a boolean'));
    expect(configError({ alignment: { mode: 'at-least-once', unaligned: true } })).toEqual(bad('alignment.unaligned', 'needs exactly-once mode'));
    expect(resolveTaskConfig({ ...BASE, alignment: { mode: 'at-least-once', unaligned: false } }).alignment).toEqual({ mode: 'at-least-once', unaligned: false });
  });
});

describe('the flags and heartbeat of a task', () => {
  it('are booleans and a non-negative number of milliseconds, the bad value quoted', () => {
    expect(configError({ twoPhaseCommitSink: 'yes' })).toEqual(bad('twoPhaseCommitSink', 'must be a boolean'));
    expect(configError({ awaitFinalCheckpoint: 1 })).toEqual(bad('awaitFinalCheckpoint', 'must be a boolean'));
    expect(configError({ heartbeatInterval: -5 })).toEqual(bad('heartbeatInterval', 'must be a non-negative number of milliseconds, got -5'));
    expect(configError({ heartbeatInterval: Number.POSITIVE_INFINITY })).toEqual(bad('heartbeatInterval', 'must be a non-negative number of milliseconds, got Infinity'));
    expect(configError({ heartbeatInterval: '5' })).toEqual(bad('heartbeatInterval', 'must be a non-negative number of milliseconds, got 5'));
  });
});

describe('a restore', () => {
  it('is an object with a checkpoint id', () => {
    expect(configError({ restore: 'chk-3' })).toEqual(bad('restore', 'must be an object or null'));
    expect(configError({ restore: 3 })).toEqual(bad('restore', 'must be an object or null'));
    expect(configError(restore({ checkpointId: 0 }))).toEqual(bad('restore.checkpointId', 'must be a positive safe integer'));
  });

  it('carries null or a state handle with a non-empty key and a non-negative size', () => {
    const handle = bad('restore.state', 'must be null or a state handle');
    expect(configError(restore({ state: undefined }))).toEqual(handle);
    expect(configError(restore({ state: 'k/3' }))).toEqual(handle);
    expect(configError(restore({ state: { key: '', sizeBytes: 9 } }))).toEqual(handle);
    expect(configError(restore({ state: { key: 'k/3', sizeBytes: -1 } }))).toEqual(handle);
    expect(resolveTaskConfig({ ...BASE, ...restore({ state: null }) }).restore).toEqual({ checkpointId: 3, state: null });
  });

  it('of a task that is no sink is accepted without transactions, absent or null', () => {
    expect(resolveTaskConfig({ ...BASE, ...restore() }).restore).toEqual({ checkpointId: 3, state: { key: 'k/3', sizeBytes: 9 } });
    expect(resolveTaskConfig({ ...BASE, ...restore({ transactions: null }) }).restore).toMatchObject({ checkpointId: 3, transactions: null });
  });

  it('of a task that is no sink refuses transactions', () => {
    expect(configError(restore({ transactions: { openTransaction: null, pendingTransactions: [] } }))).toEqual(
      bad('restore.transactions', 'only a two-phase-commit sink restores transactions'),
    );
  });
});

describe("a two-phase-commit sink's restored transactions", () => {
  const order = bad('restore.transactions.pendingTransactions', 'must hold transactions of distinct checkpoints, ascending, at most the restored one');

  it('accept no open transaction, and pre-committed ones ascending up to the restored checkpoint', () => {
    const config = resolveTaskConfig({ ...BASE, ...sinkRestore({ pendingTransactions: [{ checkpointId: 1, transactionId: 't1' }, { checkpointId: 3, transactionId: 't3' }] }) });
    expect(config.restore?.transactions).toEqual({ openTransaction: null, pendingTransactions: [{ checkpointId: 1, transactionId: 't1' }, { checkpointId: 3, transactionId: 't3' }] });
    expect(resolveTaskConfig({ ...BASE, ...sinkRestore({ openTransaction: 'open-4' }) }).restore?.transactions?.openTransaction).toBe('open-4');
  });

  it('refuse an open transaction that is not a transaction id', () => {
    expect(configError(sinkRestore({ openTransaction: '' }))).toEqual(bad('restore.transactions.openTransaction', 'must be null or a transaction id'));
    expect(configError(sinkRestore({ openTransaction: 4 }))).toEqual(bad('restore.transactions.openTransaction', 'must be null or a transaction id'));
  });

  it('refuse pre-committed transactions that are not an array', () => {
    expect(configError(sinkRestore({ pendingTransactions: { checkpointId: 1, transactionId: 't1' } }))).toEqual(bad('restore.transactions.pendingTransactions', 'must be an array'));
  });

  it('refuse a missing entry, a bad id, a repeated or descending checkpoint, one past the restore, an empty transaction id', () => {
    const t = (checkpointId: unknown, transactionId: unknown = `t${String(checkpointId)}`) => ({ checkpointId, transactionId });
    expect(configError(sinkRestore({ pendingTransactions: [null] }))).toEqual(order);
    expect(configError(sinkRestore({ pendingTransactions: [t(0)] }))).toEqual(order);
    expect(configError(sinkRestore({ pendingTransactions: [t(1), t(1, 'again')] }))).toEqual(order);
    expect(configError(sinkRestore({ pendingTransactions: [t(2), t(1)] }))).toEqual(order);
    expect(configError(sinkRestore({ pendingTransactions: [t(4)] }))).toEqual(order);
    expect(configError(sinkRestore({ pendingTransactions: [t(2, '')] }))).toEqual(order);
  });
});

/**
 * Sends `event` and returns the one rejection the machine emits for it (with the event type it
 * names), checking that the snapshot did not change.
 */
function rejectionOf(h: TaskHarness, event: TaskEvent): Rejection {
  const before = h.snapshot;
  const out = h.send(event);
  expect(out.map((c) => c.kind)).toEqual(['rejected']);
  expect(h.snapshot).toBe(before);
  const command = out[0] as Extract<(typeof out)[number], { kind: 'rejected' }>;
  expect(command.eventType).toBe(event.type);
  return command.rejection;
}

const barrierOf = (checkpointId: number, options: CheckpointOptions = OPTIONS.aligned): StreamEvent => ({ type: 'barrier', checkpointId, timestamp: 1000, options });
const stream = (channel: unknown, event: unknown, now: unknown = 1000) => {
  const type = (event as { type: string }).type;
  const field = type === 'cancelMarker' ? 'marker' : type;
  return { type: `stream.${type}`, channel, [field]: event, now } as unknown as TaskEvent;
};

describe('rejections of in-band events', () => {
  it('name the channel range, a bad time and an ended channel', () => {
    const h = new TaskHarness({ inputChannels: 3 });
    expect(rejectionOf(h, stream(3, barrierOf(1)))).toEqual({ code: 'malformed', path: '$.channel', message: 'must be an input channel index in [0, 3)' });
    expect(rejectionOf(h, stream(0, barrierOf(1), -1))).toEqual({ code: 'malformed', path: '$.now', message: 'must be a non-negative number' });
    h.endOfPartition(2);
    expect(rejectionOf(h, stream(2, barrierOf(1)))).toEqual({ code: 'invalid-request', path: '$.channel', message: 'channel 2 already ended' });
  });

  it('name the checkpoint whose alignment blocks the channel', () => {
    const h = new TaskHarness({ inputChannels: 3 });
    h.barrier(1, 4);
    expect(rejectionOf(h, stream(1, { type: 'cancelMarker', checkpointId: 4 }))).toEqual({ code: 'invalid-request', path: '$.channel', message: 'channel 1 is blocked by the alignment of checkpoint 4' });
  });

  it('refuse an unaligned barrier delivered twice on one channel, naming channel and checkpoint', () => {
    const h = new TaskHarness({ inputChannels: 3, alignment: { mode: 'exactly-once', unaligned: true } });
    h.barrier(0, 2, OPTIONS.unaligned);
    expect(h.view.capturingChannels).toEqual([1, 2]);
    expect(rejectionOf(h, stream(0, barrierOf(2, OPTIONS.unaligned)))).toEqual({
      code: 'invalid-request',
      path: '$.barrier.checkpointId',
      message: 'channel 0 already delivered the barrier of checkpoint 2',
    });
  });

  it('refuse an event of another kind than its machine event says', () => {
    const h = new TaskHarness({ inputChannels: 2 });
    const misfiled = (type: string, field: string, event: StreamEvent) => ({ type, channel: 0, [field]: event, now: 1000 }) as unknown as TaskEvent;
    expect(rejectionOf(h, misfiled('stream.barrier', 'barrier', { type: 'cancelMarker', checkpointId: 1 }))).toEqual({ code: 'malformed', path: '$.barrier.type', message: 'must be barrier' });
    expect(rejectionOf(h, misfiled('stream.cancelMarker', 'marker', barrierOf(1)))).toEqual({ code: 'malformed', path: '$.marker.type', message: 'must be cancelMarker' });
    expect(rejectionOf(h, misfiled('stream.announcement', 'announcement', barrierOf(1)))).toEqual({ code: 'malformed', path: '$.announcement.type', message: 'must be announcement' });
  });

  it('root the path of a malformed announcement at the announcement', () => {
    const h = new TaskHarness({ inputChannels: 2 });
    const r = rejectionOf(h, stream(0, { type: 'announcement', sequence: 1, barrier: null }));
    expect(r.code).toBe('malformed');
    expect(r.path).toMatch(/^\$\.announcement\.barrier/);
  });
});

describe('rejections of a stream batch as a whole', () => {
  const batch = (events: unknown, now: unknown = 1000) => ({ type: 'stream.batch', events, now }) as unknown as TaskEvent;

  it('name a bad time, a non-array, an item that is no object and an event of no known type', () => {
    const h = new TaskHarness({ inputChannels: 2 });
    expect(rejectionOf(h, batch([], -1))).toEqual({ code: 'malformed', path: '$.now', message: 'must be a non-negative number' });
    expect(rejectionOf(h, batch({ 0: { channel: 0, event: { type: 'endOfPartition' } } }))).toEqual({ code: 'malformed', path: '$.events', message: 'must be an array of { channel, event }' });
    expect(rejectionOf(h, batch([5]))).toEqual({ code: 'malformed', path: '$.events[0]', message: 'must be an object { channel, event }' });
    const unknown = { code: 'malformed', path: '$.events[1].event.type', message: 'must be barrier, cancelMarker, endOfPartition or announcement' };
    expect(rejectionOf(h, batch([{ channel: 0, event: { type: 'endOfPartition' } }, { channel: 1, event: { type: 'watermark' } }]))).toEqual(unknown);
    expect(rejectionOf(h, batch([{ channel: 0, event: { type: 'endOfPartition' } }, { channel: 1, event: { type: ['endOfPartition'] } }]))).toEqual(unknown);
    expect(rejectionOf(h, batch([{ channel: 0, event: { type: 'endOfPartition' } }, { channel: 1, event: Object.assign(() => undefined, { type: 'endOfPartition' }) }]))).toEqual(unknown);
    expect(h.view.openChannels).toBe(2);
  });

  it('refuse two events of one channel, in a small batch and in one of more than 32 events', () => {
    const small = new TaskHarness({ inputChannels: 4 });
    const eop = (channel: number) => ({ channel, event: { type: 'endOfPartition' } });
    expect(rejectionOf(small, batch([eop(0), eop(3), eop(0)]))).toEqual({
      code: 'invalid-request',
      path: '$.events[2].channel',
      message: 'channel 0 delivers twice in one batch; a batch takes at most one event per channel',
    });
    const large = new TaskHarness({ inputChannels: 40 });
    const events = Array.from({ length: 36 }, (_, i) => eop(i));
    expect(rejectionOf(large, batch([...events, eop(35)]))).toEqual({
      code: 'invalid-request',
      path: '$.events[36].channel',
      message: 'channel 35 delivers twice in one batch; a batch takes at most one event per channel',
    });
    expect(large.view.openChannels).toBe(40);
    // Without the repeat the 36 ends apply, one per channel.
    large.send(batch(events));
    expect(large.view.openChannels).toBe(4);
  });

  it('leave repeated channels out of range to the check of each event, which rejects them one by one', () => {
    for (const channel of [2, 7, -1, 0.5]) {
      const h = new TaskHarness({ inputChannels: 2 });
      const out = h.send(batch([{ channel, event: { type: 'endOfPartition' } }, { channel, event: { type: 'endOfPartition' } }]));
      expect(out).toEqual([
        { kind: 'rejected', eventType: 'stream.endOfPartition', rejection: { code: 'malformed', path: '$.channel', message: 'must be an input channel index in [0, 2)' } },
        { kind: 'rejected', eventType: 'stream.endOfPartition', rejection: { code: 'malformed', path: '$.channel', message: 'must be an input channel index in [0, 2)' } },
      ]);
    }
  });
});

describe('rejections of coordinator messages', () => {
  const message = (type: string, over: Record<string, unknown> = {}) => {
    const fields: Record<string, Record<string, unknown>> = {
      triggerCheckpoint: { checkpointId: 1, timestamp: 1, options: OPTIONS.aligned },
      notifyCheckpointComplete: { checkpointId: 1, timestamp: 1, lastSubsumedCheckpointId: -1 },
      notifyCheckpointAborted: { checkpointId: 1, latestCompletedCheckpointId: -1, timestamp: 1 },
    };
    return { type, jobId: JOB, taskId: TASK, attempt: 2, ...fields[type], now: 5, ...over } as TaskEvent;
  };

  it('name a bad time, the task and both attempts, older or newer', () => {
    const h = new TaskHarness({ inputChannels: 0, attempt: 2 });
    for (const type of ['triggerCheckpoint', 'notifyCheckpointComplete', 'notifyCheckpointAborted']) {
      expect(rejectionOf(h, message(type, { now: -1 }))).toEqual({ code: 'malformed', path: '$.now', message: 'must be a non-negative number' });
      expect(rejectionOf(h, message(type, { taskId: 'map#9' }))).toEqual({ code: 'unknown-task', path: '$.taskId', message: 'this is task map#0, not map#9' });
      expect(rejectionOf(h, message(type, { attempt: 1 }))).toEqual({ code: 'stale-attempt', path: '$.attempt', message: 'message for an older attempt 1 of map#0; this is attempt 2' });
      expect(rejectionOf(h, message(type, { attempt: 3 }))).toEqual({ code: 'stale-attempt', path: '$.attempt', message: 'message for a newer attempt 3 of map#0; this is attempt 2' });
    }
  });

  it('refuse a deposed leader epoch once a newer one was heard, naming both', () => {
    const h = new TaskHarness({ inputChannels: 0, attempt: 2 });
    expect(acks(h.send(message('triggerCheckpoint', { leaderEpoch: 3 })))).toEqual([1]);
    expect(rejectionOf(h, message('triggerCheckpoint', { checkpointId: 2, leaderEpoch: 2 }))).toEqual({
      code: 'stale-epoch',
      path: '$.leaderEpoch',
      message: 'leader epoch 2 was deposed: this attempt already heard from epoch 3',
    });
    expect(rejectionOf(h, message('notifyCheckpointComplete'))).toEqual({
      code: 'stale-epoch',
      path: '$.leaderEpoch',
      message: 'leader epoch 0 was deposed: this attempt already heard from epoch 3',
    });
  });
});

describe('rejections of port answers, timers and failures', () => {
  it('refuse a bad time on any of them', () => {
    const h = new TaskHarness({ inputChannels: 0 });
    const late = { code: 'malformed', path: '$.now', message: 'must be a non-negative number' };
    expect(rejectionOf(h, { type: 'task.fail', message: 'boom', now: -1 })).toEqual(late);
    expect(rejectionOf(h, { type: 'timer.fired', timer: 'alignment:1', now: Number.NaN })).toEqual(late);
    expect(rejectionOf(h, { type: 'snapshot.asyncCompleted', checkpointId: 1, state: null, now: -2 })).toEqual(late);
  });

  it('refuse snapshot answers for a bad checkpoint id, of each kind', () => {
    const h = new TaskHarness({ inputChannels: 0 });
    const id = { code: 'malformed', path: '$.checkpointId', message: 'must be a positive safe integer' };
    expect(rejectionOf(h, { type: 'snapshot.syncFailed', checkpointId: 0, message: 'disk full', now: 5 })).toEqual(id);
    expect(rejectionOf(h, { type: 'snapshot.asyncFailed', checkpointId: 1.5, message: 'disk full', now: 5 })).toEqual(id);
    expect(rejectionOf(h, { type: 'snapshot.asyncCompleted', checkpointId: -1, state: null, now: 5 })).toEqual(id);
  });

  it('refuse a failed snapshot without a message, sync or async', () => {
    const h = new TaskHarness({ inputChannels: 0 });
    const text = { code: 'malformed', path: '$.message', message: 'must be a string' };
    expect(rejectionOf(h, { type: 'snapshot.syncFailed', checkpointId: 1, message: 7, now: 5 } as unknown as TaskEvent)).toEqual(text);
    expect(rejectionOf(h, { type: 'snapshot.asyncFailed', checkpointId: 1, now: 5 } as unknown as TaskEvent)).toEqual(text);
  });

  it('refuse a completed snapshot whose state is neither null nor a handle', () => {
    const h = new TaskHarness({ inputChannels: 0 });
    const handle = { code: 'malformed', path: '$.state', message: 'must be null or a state handle' };
    expect(rejectionOf(h, { type: 'snapshot.asyncCompleted', checkpointId: 1, now: 5 } as unknown as TaskEvent)).toEqual(handle);
    expect(rejectionOf(h, { type: 'snapshot.asyncCompleted', checkpointId: 1, state: 'k/1', now: 5 } as unknown as TaskEvent)).toEqual(handle);
    expect(rejectionOf(h, { type: 'snapshot.asyncCompleted', checkpointId: 1, state: { key: 'k/1', sizeBytes: -1 }, now: 5 })).toEqual(handle);
  });

  it("refuse a completed snapshot's negative sync duration, and judge no such field on failures", () => {
    const h = new TaskHarness({ inputChannels: 0 }, { asyncReplies: false });
    expect(rejectionOf(h, { type: 'snapshot.asyncCompleted', checkpointId: 1, state: null, syncDurationMs: -3, now: 5 })).toEqual({
      code: 'malformed',
      path: '$.syncDurationMs',
      message: 'must be a non-negative number',
    });
    h.trigger(1);
    const failed = h.send({ type: 'snapshot.asyncFailed', checkpointId: 1, message: 'disk full', syncDurationMs: -3, now: h.now } as unknown as TaskEvent);
    expect(failed.map((c) => c.kind)).not.toContain('rejected');
  });

  it('refuse a timer that is no timer id and a failure without a message', () => {
    const h = new TaskHarness({ inputChannels: 0 });
    expect(rejectionOf(h, { type: 'timer.fired', timer: 7, now: 5 } as unknown as TaskEvent)).toEqual({ code: 'malformed', path: '$.timer', message: 'must be a timer id' });
    expect(rejectionOf(h, { type: 'task.fail', message: null, now: 5 } as unknown as TaskEvent)).toEqual({ code: 'malformed', path: '$.message', message: 'must be a string' });
  });
});
