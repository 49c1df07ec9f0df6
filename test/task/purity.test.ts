import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { initialTransition, transition } from 'xstate';
import type { CheckpointOptions } from '../../spec/index.js';
import { streamEvent, taskMachine } from '../../machines/task/index.js';
import type { TaskAlignmentSettings, TaskCommand, TaskEvent, TaskInput } from '../../machines/task/index.js';
import { acks, commandsOf, declines, JOB, messages, OPTIONS, TASK, TaskHarness } from './task-harness.js';

const INPUT: TaskInput = { jobId: JOB, taskId: TASK, attempt: 0, inputChannels: 3 };

function running(input: TaskInput = INPUT) {
  let [s] = initialTransition(taskMachine, input);
  for (const e of [{ type: 'task.start', now: 0 }, { type: 'task.initialized', now: 0 }] as const) [s] = transition(taskMachine, s, e);
  return s;
}

describe('the machine is pure: effects are data, snapshots are values', () => {
  it('transition() returns the command actions with their params, and executes nothing', () => {
    const [s0, initial] = initialTransition(taskMachine, INPUT);
    expect(initial).toMatchObject([{ type: 'commands', params: [{ kind: 'sendToCoordinator', message: { type: 'taskStateChanged', state: 'deploying' } }] }]);
    const [, actions] = transition(taskMachine, s0, { type: 'task.start', now: 0 });
    // One effect action per step, carrying the step's commands in order.
    expect(actions.map((a) => a.type)).toEqual(['commands']);
    expect(commandsOf(actions).map((c) => c.kind)).toEqual(['sendToCoordinator', 'initializeState']);
  });

  it('branching from an old snapshot gives the same result as the first time, and leaves other branches intact', () => {
    const s = running();
    const [mid] = transition(taskMachine, s, streamEvent(0, { type: 'barrier', checkpointId: 1, timestamp: 0, options: OPTIONS.aligned }, 1));
    const [mid2] = transition(taskMachine, mid, streamEvent(1, { type: 'barrier', checkpointId: 1, timestamp: 0, options: OPTIONS.aligned }, 2));
    const last = streamEvent(2, { type: 'barrier', checkpointId: 1, timestamp: 0, options: OPTIONS.aligned }, 3);
    const cancel = streamEvent(2, { type: 'cancelMarker', checkpointId: 1 }, 3);
    const [a, aActions] = transition(taskMachine, mid2, last);
    const aJson = JSON.stringify(a.context);
    const [b, bActions] = transition(taskMachine, mid2, cancel);
    const [a2, a2Actions] = transition(taskMachine, mid2, last);
    expect(JSON.stringify(a2.context)).toBe(aJson);
    expect(JSON.stringify(a.context)).toBe(aJson);
    expect(commandsOf(a2Actions)).toEqual(commandsOf(aActions));
    expect(declines(commandsOf(bActions))).toEqual([[1, 'CHECKPOINT_DECLINED_ON_CANCELLATION_BARRIER']]);
    expect(b.value).toEqual({ lifecycle: 'running', barriers: { aligned: 'waitingForFirstBarrier' } });
    // the older snapshot still answers as it did
    expect(JSON.stringify(transition(taskMachine, mid, last)[0].context)).toBe(JSON.stringify(transition(taskMachine, mid, last)[0].context));
    expect(JSON.stringify(mid2.context.inputs.received)).toBe('[[0,true],[1,true]]');
  });

  it('the context serializes canonically (plain data, sorted maps)', () => {
    const h = new TaskHarness({ inputChannels: 3 });
    h.barrier(2, 1);
    h.barrier(0, 1);
    const other = new TaskHarness({ inputChannels: 3 });
    other.barrier(0, 1);
    other.barrier(2, 1);
    expect(JSON.stringify(h.snapshot.context)).toBe(JSON.stringify(other.snapshot.context));
    expect(JSON.parse(JSON.stringify(h.snapshot.context)).inputs.received).toEqual([[0, true], [2, true]]);
  });

  it('uses no delayed transitions, invoked or spawned actors', () => {
    const all = [...(taskMachine as unknown as { idMap: Map<string, { after: unknown[]; invoke: unknown[] }> }).idMap.values()];
    expect(all.length).toBeGreaterThan(20);
    for (const node of all) {
      expect(node.after).toEqual([]);
      expect(node.invoke).toEqual([]);
    }
  });
});

const MODES: Record<string, TaskAlignmentSettings> = {
  aligned: { mode: 'exactly-once', unaligned: false },
  alternating: { mode: 'exactly-once', unaligned: true },
  atLeastOnce: { mode: 'at-least-once', unaligned: false },
};
const BARRIER_OPTIONS: CheckpointOptions[] = [OPTIONS.aligned, OPTIONS.unaligned, OPTIONS.timeout(50), OPTIONS.atLeastOnce];

type Step =
  | { k: 'barrier'; ch: number; id: number; opt: number; age: number }
  | { k: 'cancel'; ch: number; id: number }
  | { k: 'eop'; ch: number }
  | { k: 'timer'; id: number }
  | { k: 'complete'; id: number }
  | { k: 'aborted'; id: number; latest: number }
  | { k: 'async'; id: number; ok: boolean }
  | { k: 'tick'; ms: number };

const id = fc.integer({ min: 1, max: 6 });
const ch = fc.integer({ min: 0, max: 2 });
const step: fc.Arbitrary<Step> = fc.oneof(
  { weight: 8, arbitrary: fc.record({ k: fc.constant('barrier' as const), ch, id, opt: fc.integer({ min: 0, max: 3 }), age: fc.integer({ min: 0, max: 100 }) }) },
  { weight: 2, arbitrary: fc.record({ k: fc.constant('cancel' as const), ch, id }) },
  { weight: 1, arbitrary: fc.record({ k: fc.constant('eop' as const), ch }) },
  { weight: 1, arbitrary: fc.record({ k: fc.constant('timer' as const), id }) },
  { weight: 2, arbitrary: fc.record({ k: fc.constant('complete' as const), id }) },
  { weight: 2, arbitrary: fc.record({ k: fc.constant('aborted' as const), id, latest: fc.integer({ min: -1, max: 6 }).filter((n) => n !== 0) }) },
  { weight: 3, arbitrary: fc.record({ k: fc.constant('async' as const), id, ok: fc.boolean() }) },
  { weight: 1, arbitrary: fc.record({ k: fc.constant('tick' as const), ms: fc.integer({ min: 1, max: 60 }) }) },
);

function eventOf(s: Step, now: number): TaskEvent {
  const head = { jobId: JOB, taskId: TASK, attempt: 0, now };
  switch (s.k) {
    case 'barrier':
      return streamEvent(s.ch, { type: 'barrier', checkpointId: s.id, timestamp: Math.max(0, now - s.age), options: BARRIER_OPTIONS[s.opt] as CheckpointOptions }, now);
    case 'cancel':
      return streamEvent(s.ch, { type: 'cancelMarker', checkpointId: s.id }, now);
    case 'eop':
      return streamEvent(s.ch, { type: 'endOfPartition' }, now);
    case 'timer':
      return { type: 'timer.fired', timer: `alignment:${s.id}`, now };
    case 'complete':
      return { ...head, type: 'notifyCheckpointComplete', checkpointId: s.id, timestamp: 0, lastSubsumedCheckpointId: -1 };
    case 'aborted':
      return { ...head, type: 'notifyCheckpointAborted', checkpointId: s.id, latestCompletedCheckpointId: s.latest, timestamp: 0 };
    case 'async':
      return s.ok ? { type: 'snapshot.asyncCompleted', checkpointId: s.id, state: null, now } : { type: 'snapshot.asyncFailed', checkpointId: s.id, message: 'x', now };
    case 'tick':
      return { type: 'task.fail', message: 'never sent', now };
  }
}

/** Checks the protocol-level invariants of one run's commands. */
function checkRun(commands: readonly TaskCommand[]): void {
  const outcomes = new Map<number, number>();
  for (const n of [...acks(commands), ...declines(commands).map(([i]) => i)]) outcomes.set(n, (outcomes.get(n) ?? 0) + 1);
  for (const [n, count] of outcomes) expect(count, `checkpoint ${n} got ${count} outcomes`).toBe(1);
  const barriersSent = new Set<number>();
  let lastDownstream = 0;
  const blocked = new Set<number>();
  const committed = new Set<string>();
  for (const c of commands) {
    if (c.kind === 'broadcast' && (c.event.type === 'barrier' || c.event.type === 'cancelMarker')) {
      expect(c.event.checkpointId, 'downstream ids never decrease').toBeGreaterThanOrEqual(lastDownstream);
      lastDownstream = c.event.checkpointId;
      if (c.event.type === 'barrier') {
        expect(barriersSent.has(c.event.checkpointId), `barrier ${c.event.checkpointId} sent twice`).toBe(false);
        barriersSent.add(c.event.checkpointId);
      }
    }
    if (c.kind === 'blockChannel') {
      expect(blocked.has(c.channel), `channel ${c.channel} blocked twice`).toBe(false);
      blocked.add(c.channel);
    }
    if (c.kind === 'unblockChannel') {
      expect(blocked.has(c.channel), `channel ${c.channel} unblocked while not blocked`).toBe(true);
      blocked.delete(c.channel);
    }
    if (c.kind === 'commit') {
      expect(committed.has(c.transactionId), `${c.transactionId} committed twice`).toBe(false);
      committed.add(c.transactionId);
    }
  }
  expect(messages(commands).every((m) => m.jobId === JOB && m.taskId === TASK && m.attempt === 0)).toBe(true);
}

describe('random runs keep the invariants (fast-check)', () => {
  for (const [name, alignment] of Object.entries(MODES)) {
    it(`${name}: one outcome per checkpoint, paired block/unblock, increasing downstream ids, commits once; rejections change nothing; branching is harmless`, () => {
      fc.assert(
        fc.property(fc.array(step, { minLength: 1, maxLength: 40 }), fc.array(step, { minLength: 1, maxLength: 40 }), (steps, detours) => {
          const input: TaskInput = { ...INPUT, alignment, twoPhaseCommitSink: true };
          const h = new TaskHarness(input, { asyncReplies: false });
          const replay = new TaskHarness(input, { asyncReplies: false });
          steps.forEach((s, i) => {
            if (s.k === 'tick') {
              h.now += s.ms;
              replay.now += s.ms;
              return;
            }
            // explore a detour from the current snapshot first (the checker branches like this)
            const detour = detours[i % detours.length] as Step;
            if (detour.k !== 'tick') transition(taskMachine, h.snapshot, eventOf(detour, h.now));
            const before = h.snapshot;
            const out = h.send(eventOf(s, h.now));
            replay.send(eventOf(s, replay.now));
            if (out.some((c) => c.kind === 'rejected')) {
              expect(out).toHaveLength(1);
              expect(h.snapshot).toBe(before);
            }
          });
          checkRun(h.commands);
          expect(JSON.stringify(h.snapshot.context)).toBe(JSON.stringify(replay.snapshot.context));
          expect(h.snapshot.value).toEqual(replay.snapshot.value);
          expect(h.commands).toEqual(replay.commands);
        }),
        { numRuns: 300, seed: 20261125 },
      );
    });
  }
});
