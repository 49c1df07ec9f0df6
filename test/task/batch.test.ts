/**
 * A batch of in-band events (`stream.batch`, `receiveStreamBatch`) behaves exactly as the same
 * events one by one: same final state value and context (compared canonically), same commands in
 * the same order (the `continueBatch` hand-backs aside), including batches that complete or abort
 * alignments midway, start snapshots (answered synchronously or not), end the last channel, carry
 * malformed events, and arrive before the task runs. A batch with a channel twice changes nothing.
 *
 * The property runs with a random seed, printed; replay a failure with `SEED=<seed>`.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createActor } from 'xstate';
import type { InspectionEvent } from 'xstate';
import type { CheckpointOptions, Rejection, StreamEvent } from '../../spec/index.js';
import { streamEvent, taskMachine, taskView } from '../../machines/task/index.js';
import type { StreamBatchItem, TaskAlignmentSettings, TaskCommand, TaskEvent, TaskInput } from '../../machines/task/index.js';
import { createTask } from '../../runtime/task/create-task.js';
import type { Task } from '../../runtime/task/create-task.js';
import { ManualTime } from '../../runtime/time.js';
import { canonical } from '../support/canonical.js';
import { acks, channelOps, JOB, OPTIONS, TASK, TaskHarness } from './task-harness.js';

const SEED = Number(process.env.SEED) || Math.floor(Math.random() * 0x7fffffff);
console.log(`batch.test.ts: fast-check seed ${SEED} (replay with SEED=${SEED})`);

const MODES: Record<string, TaskAlignmentSettings> = {
  aligned: { mode: 'exactly-once', unaligned: false },
  alternating: { mode: 'exactly-once', unaligned: true },
  atLeastOnce: { mode: 'at-least-once', unaligned: false },
};

/** The task's channels; channel `CHANNELS` is out of range (a malformed event). */
const CHANNELS = 5;
const BARRIER_OPTIONS: CheckpointOptions[] = [
  OPTIONS.aligned,
  OPTIONS.aligned,
  OPTIONS.aligned,
  OPTIONS.unaligned,
  OPTIONS.unaligned,
  OPTIONS.timeout(50),
  OPTIONS.timeout(50),
  OPTIONS.atLeastOnce,
  OPTIONS.savepoint,
  { snapshot: 'checkpoint', alignment: 'forced-aligned', alignedCheckpointTimeoutMs: 0 },
];
/** Stop-with-savepoint ends the task: rare, so that most runs keep going. */
const STOP = BARRIER_OPTIONS.length;
const optionsOf = (opt: number): CheckpointOptions => (opt === STOP ? OPTIONS.stop('suspend') : (BARRIER_OPTIONS[opt] as CheckpointOptions));

type EventSpec =
  | { k: 'barrier'; id: number; opt: number; age: number }
  | { k: 'cancel'; id: number }
  | { k: 'eop' }
  | { k: 'announcement'; id: number }
  | { k: 'malformed' };

/** In a batch, `null` stands for the barrier of the batch's checkpoint. */
type Step =
  | { k: 'batch'; delta: number; opt: number; age: number; items: Array<{ ch: number; ev: EventSpec | null }> }
  | { k: 'complete'; id: number }
  | { k: 'aborted'; id: number; latest: number }
  | { k: 'async'; id: number; ok: boolean }
  | { k: 'sync'; id: number }
  | { k: 'timer'; id: number }
  | { k: 'tick'; ms: number };

const MAX_ID = 12;
const id = fc.integer({ min: 1, max: MAX_ID });
const opt = fc.oneof({ weight: 30, arbitrary: fc.integer({ min: 0, max: BARRIER_OPTIONS.length - 1 }) }, { weight: 1, arbitrary: fc.constant(STOP) });
const age = fc.integer({ min: 0, max: 100 });
const otherEvent: fc.Arbitrary<EventSpec> = fc.oneof(
  { weight: 6, arbitrary: fc.record({ k: fc.constant('barrier' as const), id, opt, age }) },
  { weight: 3, arbitrary: fc.record({ k: fc.constant('cancel' as const), id }) },
  { weight: 1, arbitrary: fc.constant({ k: 'eop' as const }) },
  { weight: 1, arbitrary: fc.record({ k: fc.constant('announcement' as const), id }) },
  { weight: 1, arbitrary: fc.constant({ k: 'malformed' as const }) },
);
const channels = Array.from({ length: CHANNELS + 1 }, (_, ch) => ch);
/**
 * A batch: distinct channels (the out-of-range one now and then), most carrying the barrier of
 * the batch's checkpoint (so alignments complete, midway too), the others any event. The batch's
 * checkpoint is `delta` above the newest one the task knows (0: the pending one, if any).
 */
const batchStep: fc.Arbitrary<Step> = fc
  .record({
    chs: fc.shuffledSubarray(channels, { minLength: 1 }),
    delta: fc.oneof({ weight: 3, arbitrary: fc.constant(0) }, { weight: 3, arbitrary: fc.constant(1) }, { weight: 1, arbitrary: fc.constant(2) }),
    opt,
    age,
    kinds: fc.array(fc.oneof({ weight: 4, arbitrary: fc.constant(null) }, { weight: 1, arbitrary: otherEvent }), { minLength: channels.length, maxLength: channels.length }),
    outOfRange: fc.integer({ min: 0, max: 9 }),
  })
  .map(({ chs, delta, opt, age, kinds, outOfRange }) => ({
    k: 'batch' as const,
    delta,
    opt,
    age,
    items: chs.filter((ch) => ch < CHANNELS || outOfRange === 0).map((ch, i) => ({ ch, ev: kinds[i] ?? null })),
  }))
  .filter((s) => s.items.length > 0);
/** A batch that ends channels (often every open one, midway, with events after). */
const endingStep: fc.Arbitrary<Step> = fc
  .record({
    chs: fc.shuffledSubarray(channels.slice(0, CHANNELS), { minLength: 2 }),
    ends: fc.array(fc.oneof({ weight: 4, arbitrary: fc.constant(true) }, { weight: 1, arbitrary: fc.constant(false) }), { minLength: CHANNELS, maxLength: CHANNELS }),
    opt,
    age,
  })
  .map(({ chs, ends, opt, age }) => ({ k: 'batch' as const, delta: 1, opt, age, items: chs.map((ch, i) => ({ ch, ev: ends[i] ? ({ k: 'eop' } as EventSpec) : null })) }));
const step: fc.Arbitrary<Step> = fc.oneof(
  { weight: 12, arbitrary: batchStep },
  { weight: 2, arbitrary: endingStep },
  { weight: 2, arbitrary: fc.record({ k: fc.constant('complete' as const), id }) },
  { weight: 1, arbitrary: fc.record({ k: fc.constant('aborted' as const), id, latest: fc.integer({ min: -1, max: MAX_ID }).filter((n) => n !== 0) }) },
  { weight: 3, arbitrary: fc.record({ k: fc.constant('async' as const), id, ok: fc.boolean() }) },
  { weight: 2, arbitrary: fc.record({ k: fc.constant('sync' as const), id }) },
  { weight: 1, arbitrary: fc.record({ k: fc.constant('timer' as const), id }) },
  { weight: 2, arbitrary: fc.record({ k: fc.constant('tick' as const), ms: fc.integer({ min: 1, max: 60 }) }) },
);

function streamOf(spec: EventSpec, now: number): StreamEvent {
  switch (spec.k) {
    case 'barrier':
      return { type: 'barrier', checkpointId: spec.id, timestamp: Math.max(0, now - spec.age), options: optionsOf(spec.opt) };
    case 'cancel':
      return { type: 'cancelMarker', checkpointId: spec.id };
    case 'eop':
      return { type: 'endOfPartition' };
    case 'announcement':
      return { type: 'announcement', sequence: spec.id, barrier: { type: 'barrier', checkpointId: spec.id, timestamp: now, options: OPTIONS.aligned } };
    case 'malformed':
      return { type: 'barrier', checkpointId: 0, timestamp: now, options: OPTIONS.aligned };
  }
}

function controlOf(s: Exclude<Step, { k: 'batch' | 'tick' }>, now: number): TaskEvent {
  const head = { jobId: JOB, taskId: TASK, attempt: 0, now };
  switch (s.k) {
    case 'complete':
      return { ...head, type: 'notifyCheckpointComplete', checkpointId: s.id, timestamp: 0, lastSubsumedCheckpointId: -1 };
    case 'aborted':
      return { ...head, type: 'notifyCheckpointAborted', checkpointId: s.id, latestCompletedCheckpointId: s.latest, timestamp: 0 };
    case 'async':
      return s.ok ? { type: 'snapshot.asyncCompleted', checkpointId: s.id, state: null, now } : { type: 'snapshot.asyncFailed', checkpointId: s.id, message: 'x', now };
    case 'sync':
      return { type: 'snapshot.syncFailed', checkpointId: s.id, message: 'x', now };
    case 'timer':
      return { type: 'timer.fired', timer: `alignment:${s.id}`, now };
  }
}

const withoutContinuations = (commands: readonly TaskCommand[]) => commands.filter((c) => c.kind !== 'continueBatch');

function expectSame(batch: TaskHarness, one: TaskHarness): void {
  expect(batch.snapshot.value).toEqual(one.snapshot.value);
  expect(canonical(batch.snapshot.context)).toBe(canonical(one.snapshot.context));
  expect(withoutContinuations(batch.commands)).toEqual(one.commands);
}

describe('stream batches are the same events one by one (fast-check, pure machine)', () => {
  for (const [name, alignment] of Object.entries(MODES)) {
    it(`${name}: same final state value, canonical context and command sequence`, () => {
      const seen = { continuations: 0, batches: 0, inputsEnded: 0, acknowledged: 0 };
      const property = fc.property(
        fc.array(step, { minLength: 5, maxLength: 40 }),
        fc.boolean(),
        fc.boolean(),
        fc.boolean(),
        (steps, syncReplies, asyncReplies, twoPhaseCommitSink) => {
          const input: Partial<TaskInput> = { inputChannels: CHANNELS, alignment, twoPhaseCommitSink };
          const one = new TaskHarness(input, { syncReplies, asyncReplies });
          const batch = new TaskHarness(input, { syncReplies, asyncReplies });
          if (!syncReplies) {
            // Initialization is answered by hand when the harness does not answer ports.
            one.send({ type: 'task.initialized', now: one.now });
            batch.send({ type: 'task.initialized', now: batch.now });
          }
          for (const s of steps) {
            if (s.k === 'tick') {
              one.now += s.ms;
              batch.now += s.ms;
              continue;
            }
            if (s.k !== 'batch') {
              // Answers and notifications mostly concern a snapshot in progress or the newest checkpoint.
              const view = one.view;
              const known = [...view.snapshotsInProgress.map((r) => r.checkpointId), view.lastStartedCheckpointId].filter((n) => n > 0);
              const target = 'id' in s && known.length > 0 && s.id <= MAX_ID / 2 ? { ...s, id: known[s.id % known.length] as number } : s;
              one.send(controlOf(target, one.now));
              batch.send(controlOf(target, batch.now));
              continue;
            }
            const view = one.view;
            const newest = Math.max(view.lastStartedCheckpointId, view.pendingAlignment ?? 0, ...view.trackedCheckpoints);
            const main: EventSpec = { k: 'barrier', id: Math.max(1, newest + s.delta), opt: s.opt, age: s.age };
            const items = s.items.map(({ ch, ev }) => [ch, streamOf(ev ?? main, batch.now)] as const);
            for (const [ch, ev] of items) one.stream(ch, ev);
            const out = batch.batch(items);
            seen.batches++;
            seen.continuations += out.filter((c) => c.kind === 'continueBatch').length;
            seen.acknowledged += acks(out).length;
            if (JSON.stringify(batch.snapshot.value).includes('inputsEnded')) seen.inputsEnded++;
          }
          expectSame(batch, one);
        },
      );
      fc.assert(property, { seed: SEED, numRuns: Number(process.env.RUNS) || 150 });
      // The runs went through the interesting paths: hand-backs and the end of every channel.
      expect(seen.continuations, JSON.stringify(seen)).toBeGreaterThan(0);
      expect(seen.acknowledged, JSON.stringify(seen)).toBeGreaterThan(0);
      expect(seen.inputsEnded, JSON.stringify(seen)).toBeGreaterThan(0);
    });
  }
});

describe('the exactly-once handler’s eventless transitions are for batches only', () => {
  for (const name of ['aligned', 'alternating']) {
    it(`${name}: single events never take them (the state always follows from the context)`, () => {
      fc.assert(
        fc.property(fc.array(step, { minLength: 5, maxLength: 40 }), (steps) => {
          const taken: string[] = [];
          const inspect = (e: InspectionEvent) => {
            if (e.type !== '@xstate.microstep') return;
            for (const t of (e as unknown as { _transitions: Array<{ eventType: string; source: { id: string } }> })._transitions) {
              if (t.eventType === '' && /\.(aligned|alternating)\./.test(t.source.id)) taken.push(t.source.id);
            }
          };
          let now = 1000;
          const actor = createActor(
            taskMachine.provide({
              actions: {
                commands: (_: unknown, list: readonly TaskCommand[]) => {
                  for (const c of list) if (c.kind === 'initializeState') actor.send({ type: 'task.initialized', now });
                },
              },
            }),
            { input: { jobId: JOB, taskId: TASK, attempt: 0, inputChannels: CHANNELS, alignment: MODES[name] as TaskAlignmentSettings }, inspect },
          );
          actor.start();
          actor.send({ type: 'task.start', now });
          for (const s of steps) {
            if (s.k === 'tick') now += s.ms;
            else if (s.k !== 'batch') actor.send(controlOf(s, now));
            else {
              const newest = Math.max(taskView(actor.getSnapshot()).lastStartedCheckpointId, 0);
              const main: EventSpec = { k: 'barrier', id: newest + s.delta, opt: s.opt, age: s.age };
              for (const { ch, ev } of s.items) actor.send(streamEvent(ch, streamOf(ev ?? main, now), now));
            }
          }
          actor.stop();
          expect(taken).toEqual([]);
        }),
        { seed: SEED, numRuns: 100 },
      );
    });
  }
});

const barrier = (checkpointId: number, options: CheckpointOptions = OPTIONS.aligned, timestamp = 1000): StreamEvent => ({ type: 'barrier', checkpointId, timestamp, options });
const all = (n: number, event: StreamEvent) => Array.from({ length: n }, (_, ch) => [ch, event] as const);

describe('stream batches (pure machine)', () => {
  it('one checkpoint per batch: one step each, no hand-back, the same as one by one', () => {
    const one = new TaskHarness({ inputChannels: 4 });
    const batch = new TaskHarness({ inputChannels: 4 });
    for (const n of [1, 2, 3]) {
      for (const [ch, e] of all(4, barrier(n))) one.stream(ch, e);
      const out = batch.batch(all(4, barrier(n)));
      expect(out.filter((c) => c.kind === 'continueBatch')).toEqual([]);
      expect(channelOps(out)).toEqual(['block:0', 'block:1', 'block:2', 'unblock:0', 'unblock:1', 'unblock:2']);
      expect(acks(out)).toEqual([n]);
    }
    expectSame(batch, one);
    expect(batch.value).toBe('{"lifecycle":"running","barriers":{"aligned":"waitingForFirstBarrier"}}');
  });

  it('a batch that completes an alignment midway hands the rest back, delivered after the snapshot’s answers', () => {
    const one = new TaskHarness({ inputChannels: 3 });
    const batch = new TaskHarness({ inputChannels: 3 });
    for (const h of [one, batch]) {
      h.barrier(0, 1);
      h.barrier(1, 1);
    }
    const items = [[2, barrier(1)], [0, barrier(2)], [1, barrier(2)]] as const;
    for (const [ch, e] of items) one.stream(ch, e);
    const out = batch.batch(items);
    const kinds = out.map((c) => c.kind);
    // the snapshot of 1 (synchronous part within the step, then the asynchronous part's answer and
    // the acknowledgement) comes before checkpoint 2's barriers, which the step hands back
    expect(kinds.indexOf('snapshotAsync')).toBeLessThan(kinds.indexOf('continueBatch'));
    expect(acks(out)).toEqual([1]);
    expect(out.findIndex((c) => c.kind === 'blockChannel' && c.channel === 0)).toBeGreaterThan(kinds.lastIndexOf('sendToCoordinator'));
    expect(out.filter((c) => c.kind === 'continueBatch')).toEqual([{ kind: 'continueBatch', events: [{ channel: 0, event: barrier(2) }, { channel: 1, event: barrier(2) }], now: batch.now }]);
    expectSame(batch, one);
    expect(batch.view.blockedChannels).toEqual([0, 1]);
  });

  it('a batch that crosses substates lands in the state the context says (aligned and alternating)', () => {
    for (const alignment of [MODES.aligned, MODES.alternating] as TaskAlignmentSettings[]) {
      const one = new TaskHarness({ inputChannels: 3, alignment });
      const batch = new TaskHarness({ inputChannels: 3, alignment });
      const items = [[0, barrier(1, OPTIONS.unaligned)], [1, barrier(1, OPTIONS.unaligned)]] as const;
      for (const [ch, e] of items) one.stream(ch, e);
      batch.batch(items);
      expectSame(batch, one);
      expect(batch.view.pendingAlignment).toBe(1);
    }
    // ... by the handler's eventless transition (which single events never take, see above)
    const taken: string[] = [];
    const actor = createActor(taskMachine, {
      input: { jobId: JOB, taskId: TASK, attempt: 0, inputChannels: 3 },
      inspect: (e) => {
        if (e.type !== '@xstate.microstep') return;
        for (const t of (e as unknown as { _transitions: Array<{ eventType: string; source: { id: string } }> })._transitions) if (t.eventType === '') taken.push(t.source.id);
      },
    });
    actor.start();
    actor.send({ type: 'task.start', now: 1 });
    actor.send({ type: 'task.initialized', now: 1 });
    taken.length = 0;
    actor.send({ type: 'stream.batch', events: [{ channel: 0, event: barrier(1) }, { channel: 1, event: barrier(1) }], now: 1 });
    expect(taken).toEqual(['task.barriers.aligned.waitingForFirstBarrier']);
    expect(taskView(actor.getSnapshot()).barrierHandler).toBe('aligned.collectingBarriers');
  });

  it('the last open channel ending is taken by the statechart; the rest of the batch after it is rejected as one by one', () => {
    const one = new TaskHarness({ inputChannels: 3 });
    const batch = new TaskHarness({ inputChannels: 3 });
    for (const h of [one, batch]) {
      h.endOfPartition(0);
      h.barrier(1, 1);
    }
    const items = [[2, { type: 'endOfPartition' }], [1, { type: 'endOfPartition' }], [0, barrier(2)]] as const;
    for (const [ch, e] of items) one.stream(ch, e);
    const out = batch.batch(items);
    expect(out.filter((c) => c.kind === 'continueBatch')).toHaveLength(1);
    expectSame(batch, one);
    expect(batch.view.barrierHandler).toBe('inputsEnded');
    expect(batch.view.lifecycle).toBe('finishing');
  });

  it('before the task runs, every event of a batch is refused, as one by one', () => {
    const one = new TaskHarness({ inputChannels: 2 }, { run: false });
    const batch = new TaskHarness({ inputChannels: 2 }, { run: false });
    const items = [[0, barrier(1)], [1, { type: 'cancelMarker', checkpointId: 1 }]] as const;
    for (const [ch, e] of items) one.stream(ch, e);
    const out = batch.batch(items);
    expect(out.map((c) => c.kind)).toEqual(['rejected', 'rejected']);
    expectSame(batch, one);
  });

  it('a channel twice in one batch: rejected as a whole (invalid-request), nothing changes', () => {
    const h = new TaskHarness({ inputChannels: 3 });
    const before = h.snapshot;
    const out = h.batch([[0, barrier(1)], [1, barrier(1)], [0, barrier(2)]]);
    expect(out).toEqual([{ kind: 'rejected', eventType: 'stream.batch', rejection: { code: 'invalid-request', path: '$.events[2].channel', message: expect.stringMatching(/twice/) } }]);
    expect(h.snapshot).toBe(before);
  });

  it('a malformed batch is rejected as a whole; a malformed event in it as the single event would be', () => {
    const h = new TaskHarness({ inputChannels: 3 });
    const before = h.snapshot;
    const bad = (events: unknown, now: unknown = h.now) => ({ type: 'stream.batch', events, now }) as unknown as TaskEvent;
    const cases: Array<[TaskEvent, string]> = [
      [bad(null), '$.events'],
      [bad([null]), '$.events[0]'],
      [bad([{ channel: 0, event: { type: 'record' } }]), '$.events[0].event.type'],
      [bad([{ channel: 0, event: null }]), '$.events[0].event.type'],
      [bad([], -1), '$.now'],
    ];
    for (const [event, path] of cases) {
      expect(h.send(event)).toEqual([{ kind: 'rejected', eventType: 'stream.batch', rejection: { code: 'malformed', path, message: expect.any(String) } }]);
      expect(h.snapshot).toBe(before);
    }
    // events that are malformed as single events are rejected one by one, the others applied
    const one = new TaskHarness({ inputChannels: 3 });
    const fresh = new TaskHarness({ inputChannels: 3 });
    const items: ReadonlyArray<readonly [number, StreamEvent]> = [
      [0, barrier(1)],
      [1, { type: 'barrier', checkpointId: -3, timestamp: 1, options: OPTIONS.aligned }],
      [7, barrier(1)],
      [2, { type: 'cancelMarker', checkpointId: 1.5 }],
    ];
    for (const [ch, e] of items) one.stream(ch, e);
    const out = fresh.batch(items);
    expect(out.filter((c) => c.kind === 'rejected').map((c) => (c as { rejection: Rejection }).rejection.path)).toEqual(['$.barrier.checkpointId', '$.channel', '$.marker.checkpointId']);
    expectSame(fresh, one);
  });
});

/** A running task on manual time with synchronous ports, recording every command and port call. */
function runningTask(channels: number, alignment: TaskAlignmentSettings = MODES.aligned as TaskAlignmentSettings) {
  const time = new ManualTime(1000);
  const calls: string[] = [];
  const commands: TaskCommand[] = [];
  const t: Task = createTask({
    task: { jobId: JOB, taskId: TASK, attempt: 0, inputChannels: channels, alignment },
    toCoordinator: { send: (m) => void calls.push(`coordinator:${m.type}:${'checkpointId' in m ? m.checkpointId : ''}`) },
    downstream: { broadcast: (e) => void calls.push(`downstream:${e.type}`) },
    inputs: { block: (ch) => void calls.push(`block:${ch}`), unblock: (ch) => void calls.push(`unblock:${ch}`) },
    snapshots: { sync: (r) => (calls.push(`sync:${r.checkpointId}`), () => (calls.push(`async:${r.checkpointId}`), { key: `k${r.checkpointId}`, sizeBytes: 1 })) },
    clock: time,
    timers: time,
  });
  t.onCommand((c) => void commands.push(c));
  return { t, time, calls, commands };
}

describe('receiveStreamBatch (runtime)', () => {
  it('is receiveStream one by one: same commands, port calls, rejections and state', () => {
    for (const alignment of Object.values(MODES)) {
      const one = runningTask(3, alignment);
      const batch = runningTask(3, alignment);
      one.t.start();
      batch.t.start();
      const rounds: Array<Array<{ channel: number; event: unknown }>> = [
        [{ channel: 0, event: barrier(1) }, { channel: 1, event: barrier(1) }],
        [{ channel: 2, event: barrier(1) }, { channel: 0, event: barrier(2, OPTIONS.unaligned) }],
        [{ channel: 1, event: barrier(2, OPTIONS.unaligned) }, { channel: 2, event: { type: 'cancelMarker', checkpointId: 2 } }, { channel: 0, event: barrier(3) }],
        [{ channel: 1, event: barrier(3) }, { channel: 2, event: barrier(3) }],
        [{ channel: 0, event: { type: 'endOfPartition' } }, { channel: 1, event: barrier(4) }, { channel: 2, event: barrier(4) }],
      ];
      const rejectedOne: Rejection[] = [];
      const rejectedBatch: Rejection[] = [];
      for (const round of rounds) {
        for (const { channel, event } of round) {
          const r = one.t.receiveStream(channel, event);
          if (!r.ok) rejectedOne.push(r.rejection);
        }
        rejectedBatch.push(...batch.t.receiveStreamBatch(round));
      }
      expect(rejectedBatch).toEqual(rejectedOne);
      expect(batch.calls).toEqual(one.calls);
      expect(withoutContinuations(batch.commands)).toEqual(one.commands);
      expect(batch.t.snapshot().value).toEqual(one.t.snapshot().value);
      expect(canonical(batch.t.snapshot().context)).toBe(canonical(one.t.snapshot().context));
    }
  });

  it('rejects a batch with a channel twice as a whole, and changes nothing', () => {
    const f = runningTask(3);
    f.t.start();
    const before = f.t.snapshot();
    f.commands.length = 0;
    f.calls.length = 0;
    const rejected = f.t.receiveStreamBatch([{ channel: 0, event: barrier(1) }, { channel: 1, event: barrier(1) }, { channel: 0, event: barrier(2) }]);
    expect(rejected).toEqual([{ code: 'invalid-request', path: '$[2].channel', message: expect.stringMatching(/twice/) }]);
    expect(f.t.snapshot()).toBe(before);
    expect(f.commands).toEqual([]);
    expect(f.calls).toEqual([]);
  });

  it('rejects malformed items with typed rejections at their index, changing nothing for them, and delivers the rest in order', () => {
    const f = runningTask(3);
    const one = runningTask(3);
    f.t.start();
    one.t.start();
    const items = [
      { channel: 0, event: barrier(1) },
      null,
      { channel: 5, event: barrier(1) },
      { channel: 1, event: { type: 'record' } },
      { channel: 1, event: { ...barrier(1), extra: true } },
      { channel: 1, event: barrier(1) },
      { channel: 2, event: { type: 'barrier', checkpointId: 1, timestamp: 1000 } },
      { channel: 2, event: barrier(1) },
    ] as unknown as Array<{ channel: number; event: unknown }>;
    const rejected = f.t.receiveStreamBatch(items);
    expect(rejected.map((r) => [r.code, r.path])).toEqual([
      ['malformed', '$[1]'],
      ['malformed', '$[2].channel'],
      ['malformed', '$[3].event.type'],
      ['malformed', '$[4].event.extra'],
      ['malformed', '$[6].event.options'],
    ]);
    for (const { channel, event } of [items[0], items[5], items[7]] as Array<{ channel: number; event: unknown }>) one.t.receiveStream(channel, event);
    expect(withoutContinuations(f.commands)).toEqual(one.commands);
    expect(f.calls).toEqual(one.calls);
    expect(f.t.state().lastStartedCheckpointId).toBe(1);
  });

  it('rejects everything before start and after stop; an empty batch does nothing', () => {
    const f = runningTask(2);
    expect(f.t.receiveStreamBatch([{ channel: 0, event: barrier(1) }])).toMatchObject([{ code: 'invalid-request' }]);
    f.t.start();
    const before = f.t.snapshot();
    expect(f.t.receiveStreamBatch([])).toEqual([]);
    expect(f.t.snapshot()).toBe(before);
    expect(f.t.receiveStreamBatch('nope' as never)).toMatchObject([{ code: 'malformed', path: '$' }]);
    f.t.stop();
    expect(f.t.receiveStreamBatch([{ channel: 0, event: barrier(1) }])).toMatchObject([{ code: 'shut-down' }]);
  });

  it('receiveStream checks the event with the protocol validator (paths relative to the event)', () => {
    const f = runningTask(2);
    f.t.start();
    expect(f.t.receiveStream(0, { type: 'barrier', checkpointId: 0, timestamp: 1, options: OPTIONS.aligned })).toEqual({ ok: false, rejection: { code: 'malformed', path: '$.checkpointId', message: expect.any(String) } });
    expect(f.t.receiveStream(0, { type: 'endOfPartition', extra: 1 })).toMatchObject({ ok: false, rejection: { code: 'malformed', path: '$.extra' } });
    expect(f.t.receiveStream(0, { type: 'record' })).toMatchObject({ ok: false, rejection: { code: 'malformed', path: '$.type' } });
    expect(f.t.receiveStream(0, barrier(1))).toEqual({ ok: true });
  });

  it('the batch items keep their own shape: extra item fields are ignored, the batch array is not changed', () => {
    const f = runningTask(2);
    f.t.start();
    const items: StreamBatchItem[] = [{ channel: 0, event: barrier(1) }, { channel: 1, event: barrier(1) }];
    const copy = JSON.stringify(items);
    expect(f.t.receiveStreamBatch(items)).toEqual([]);
    expect(JSON.stringify(items)).toBe(copy);
    expect(f.t.state().lastStartedCheckpointId).toBe(1);
  });
});
