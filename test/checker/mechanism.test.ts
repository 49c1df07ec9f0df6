/**
 * The checker's mechanism, apart from the protocol: breadth-first search finds shortest
 * counterexamples and reports bounds, liveness respects weak fairness and finds lassos, the fast
 * stepper equals XState's `transition()`, and the monitor still has the fields the state summary
 * reads. Plus a seeded liveness bug in the real coordinator (timeouts ignored).
 */
import { initialTransition, transition } from 'xstate';
import { describe, expect, it } from 'vitest';
import { search } from '../../checker/bfs.js';
import { checkLiveness } from '../../checker/liveness.js';
import type { CheckedProperty, LivenessProperty, Model, StepInfo, SuccessorSink } from '../../checker/model.js';
import { NONE } from '../../checker/model.js';
import { monitorShapeOk } from '../../checker/protocol/monitor.js';
import { check } from '../../checker/protocol/run.js';
import { stepperOf } from '../../checker/protocol/step.js';
import { coordinatorMachine } from '../../machines/coordinator/index.js';
import type { CoordinatorEvent } from '../../machines/coordinator/index.js';
import { taskMachine } from '../../machines/task/index.js';
import type { TaskEvent } from '../../machines/task/index.js';
import { EMPTY_METRICS, ProtocolMonitor, resolveConfig } from '../../spec/index.js';
import { canonical } from '../support/canonical.js';

/** A toy system: a counter with `inc`, `wait` (a self-loop) and, optionally, a fault `reset`. */
class Toy implements Model<string> {
  readonly width = 1;
  readonly properties: CheckedProperty[] = [
    { name: 'below-limit', kind: 'always', description: 'x stays below the limit' },
    { name: 'three', kind: 'sometimes', description: 'x reaches 3' },
  ];
  readonly liveness: LivenessProperty[] = [{ name: 'leaves-zero', bits: [0] }];
  constructor(
    private readonly limit: number,
    private readonly incFromZero: boolean,
  ) {}
  initial(state: Int32Array, canonicalOut: Int32Array): void {
    state[0] = 0;
    canonicalOut[0] = 0;
  }
  private steps(x: number): Array<{ label: string; next: number; step: StepInfo }> {
    const out: Array<{ label: string; next: number; step: StepInfo }> = [];
    const info = (next: number, fairClass: number, fault: boolean): StepInfo => ({
      violations: next >= this.limit ? [{ property: 'below-limit', message: `x is ${next}` }] : NONE,
      reached: next === 3 ? ['three'] : NONE,
      fault,
      fairClass,
      discharges: x === 0 && next !== 0 ? 1 : 0,
    });
    out.push({ label: 'wait', next: x, step: info(x, 0, false) });
    if (x > 0 || this.incFromZero) out.push({ label: 'inc', next: x + 1, step: info(x + 1, 1, false) });
    if (x > 0) out.push({ label: 'reset', next: 0, step: info(0, -1, true) });
    return out;
  }
  successors(state: Int32Array, sink: SuccessorSink): void {
    this.steps(state[0] as number).forEach((s, i) => sink(i, Int32Array.of(s.next), Int32Array.of(s.next), s.step));
  }
  action(state: Int32Array, index: number) {
    const s = this.steps(state[0] as number)[index];
    return s ? { label: s.label, next: Int32Array.of(s.next), step: s.step } : null;
  }
  obligations(state: Int32Array): number {
    return state[0] === 0 ? 1 : 0;
  }
  describe(state: Int32Array): unknown {
    return { x: state[0] };
  }
  statistics(): Record<string, number> {
    return {};
  }
}

describe('breadth-first search', () => {
  it('finds the shortest violation and the shortest witness, and counts states and transitions', () => {
    const r = search(new Toy(5, true));
    expect(r.complete).toBe(true);
    expect(r.states).toBe(6);
    expect(r.store.pathTo(r.violations.get('below-limit')!.to)).toEqual([0, 1, 2, 3, 4, 5]);
    expect(r.violations.get('below-limit')!.message).toBe('x is 5');
    expect(r.store.depth[r.reached.get('three')!.to]).toBe(3);
  });

  it('reports incomplete runs with the bound that stopped them', () => {
    expect(search(new Toy(50, true), { maxStates: 10 })).toMatchObject({ complete: false, stoppedBy: 'max-states' });
    expect(search(new Toy(50, true), { maxDepth: 3 })).toMatchObject({ complete: false, stoppedBy: 'max-depth' });
  });
});

describe('liveness under weak fairness', () => {
  it('does not blame a cycle that starves a continuously enabled action', () => {
    const toy = new Toy(3, true);
    const r = search(toy, { keepEdges: true });
    // `wait` forever at 0 is a cycle, but `inc` is enabled there all along: unfair.
    expect(checkLiveness(toy, r.store, r.edges!)).toEqual([]);
  });

  it('finds the lasso when nothing fair leaves the cycle', () => {
    const toy = new Toy(3, false);
    const r = search(toy, { keepEdges: true });
    const lassos = checkLiveness(toy, r.store, r.edges!);
    expect(lassos).toHaveLength(1);
    expect(lassos[0]).toMatchObject({ property: 'leaves-zero', prefix: [], cycle: [{ from: 0, action: 0 }] });
  });

  it('finds a seeded liveness bug in the coordinator: timeouts ignored, a lost trigger leaves a checkpoint pending forever', () => {
    const buggy = coordinatorMachine.provide({ guards: { timeoutTimer: () => false } });
    const r = check({ config: { maxIds: 2, crashes: 0, savepoints: 0, maxConcurrent: 1 }, liveness: true, coordinatorMachine: buggy });
    expect(r.report.properties.filter((p) => p.kind === 'eventually').map((p) => [p.name, p.status])).toEqual([
      ['pending-resolves', 'violated'],
      ['progress', 'violated'],
    ]);
    const lasso = r.counterexamples.find((t) => t.property === 'pending-resolves');
    expect(lasso?.loopStart).not.toBeNull();
    expect(lasso?.steps.filter((s) => s.action.kind === 'drop')).toHaveLength(2);
    expect(lasso?.steps.slice(lasso.loopStart ?? 0).every((s) => !s.fault)).toBe(true);
  });

  it('finds nothing on the shipped coordinator in the same configuration', () => {
    const r = check({ config: { maxIds: 2, crashes: 0, savepoints: 0, maxConcurrent: 1 }, liveness: true });
    expect(r.counterexamples).toEqual([]);
  });
});

describe('the fast stepper', () => {
  it('equals transition() for the coordinator', () => {
    const step = stepperOf(coordinatorMachine);
    const topology = { jobId: 'j', vertices: [{ id: 'source', parallelism: 2, inputs: [] }, { id: 'join', parallelism: 1, inputs: [{ from: 'source', pattern: 'all-to-all' as const }] }] };
    const [initial] = initialTransition(coordinatorMachine, { topology, config: resolveConfig({ interval: 10, maxConcurrent: 2 }), now: 0 });
    const ack = (taskId: string, checkpointId: number): CoordinatorEvent => ({ type: 'acknowledgeCheckpoint', jobId: 'j', taskId, attempt: 0, checkpointId, metrics: EMPTY_METRICS, state: null });
    const events: CoordinatorEvent[] = [
      ...['source#0', 'source#1', 'join#0'].map((taskId): CoordinatorEvent => ({ type: 'taskStateChanged', jobId: 'j', taskId, attempt: 0, state: 'running' })),
      { type: 'scheduler.start', random: 0 },
      { type: 'timer.fired', timer: { kind: 'periodic' } },
      { type: 'counter.allocated', seq: 1, checkpointId: 1 },
      ack('source#0', 1),
      ack('source#1', 1),
      ack('join#0', 1),
      { type: 'finalize.succeeded', checkpointId: 1 },
      { type: 'timer.fired', timer: { kind: 'periodic' } },
      { type: 'counter.allocated', seq: 2, checkpointId: 2 },
      { type: 'timer.fired', timer: { kind: 'timeout', checkpointId: 2 } },
      { type: 'restore', scope: 'global' },
    ];
    let a = initial;
    let b = initial;
    for (const e of events) {
      const [na, aa] = transition(coordinatorMachine, a, e);
      const [nb, ab] = step(b, e);
      expect(canonical({ value: nb.value, context: nb.context, status: nb.status })).toBe(canonical({ value: na.value, context: na.context, status: na.status }));
      expect(canonical(ab.map((x) => [x.type, x.params]))).toBe(canonical(aa.map((x) => [x.type, (x as { params?: unknown }).params])));
      a = na;
      b = nb;
    }
  });

  it('equals transition() for a task', () => {
    const step = stepperOf(taskMachine);
    const [initial] = initialTransition(taskMachine, { jobId: 'j', taskId: 'join#0', attempt: 0, inputChannels: 2, twoPhaseCommitSink: true });
    const options = { snapshot: 'checkpoint' as const, alignment: 'aligned' as const, alignedCheckpointTimeoutMs: 0 };
    const events: TaskEvent[] = [
      { type: 'task.start', now: 0 },
      { type: 'task.initialized', now: 0 },
      { type: 'stream.barrier', channel: 0, barrier: { type: 'barrier', checkpointId: 1, timestamp: 0, options }, now: 0 },
      { type: 'stream.barrier', channel: 1, barrier: { type: 'barrier', checkpointId: 1, timestamp: 0, options }, now: 0 },
      { type: 'snapshot.asyncCompleted', checkpointId: 1, state: null, now: 0 },
      { type: 'notifyCheckpointComplete', jobId: 'j', taskId: 'join#0', attempt: 0, checkpointId: 1, timestamp: 0, lastSubsumedCheckpointId: -1, now: 0 },
    ];
    let a = initial;
    let b = initial;
    for (const e of events) {
      const [na, aa] = transition(taskMachine, a, e);
      const [nb, ab] = step(b, e);
      expect(canonical({ value: nb.value, context: nb.context })).toBe(canonical({ value: na.value, context: na.context }));
      expect(canonical(ab.map((x) => [x.type, x.params]))).toBe(canonical(aa.map((x) => [x.type, (x as { params?: unknown }).params])));
      a = na;
      b = nb;
    }
  });
});

describe('the property history', () => {
  it('still has the monitor fields the state summary reads', () => {
    const m = new ProtocolMonitor();
    m.observe({ kind: 'idAllocated', checkpointId: 1 });
    expect(monitorShapeOk(m)).toBe(true);
  });
});
