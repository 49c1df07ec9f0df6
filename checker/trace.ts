/**
 * Traces: the steps from the initial state to a violation (or a witness, or into a liveness
 * cycle), rebuilt from the search's parent pointers by running the model's actions again, with a
 * readable label and the state reached after each step.
 * @packageDocumentation
 */
import type { Hit } from './bfs.js';
import type { LassoStep } from './liveness.js';
import type { Model, StepViolation } from './model.js';
import type { StateStore } from './state-store.js';

/** One step of a trace. */
export interface TraceStep<Label = unknown, View = unknown> {
  /** What happened. */
  readonly action: Label;
  /** Whether it was a fault (loss, duplication, crash, a user request). */
  readonly fault: boolean;
  /** Properties this step broke. */
  readonly violations: readonly StepViolation[];
  /** `sometimes` properties this step reached. */
  readonly reached: readonly string[];
  /** The state after the step. */
  readonly state: View;
}

/** The steps of a path through the model, with their labels and states. */
export interface RebuiltPath<Label = unknown, View = unknown> {
  /** The initial state. */
  readonly initial: View;
  /** The steps. */
  readonly steps: Array<TraceStep<Label, View>>;
}

/**
 * Runs the steps again from the initial state.
 * @param model - the model.
 * @param store - the states (for the initial one).
 * @param steps - the steps, each from the state the previous one reached.
 */
export function rebuild<Label, View>(model: Model<Label>, store: StateStore, steps: readonly LassoStep[]): RebuiltPath<Label, View> {
  let state = store.read(steps[0]?.from ?? 0, new Int32Array(model.width));
  const initial = model.describe(state) as View;
  const out: Array<TraceStep<Label, View>> = [];
  for (const s of steps) {
    const expected = store.read(s.from, new Int32Array(model.width));
    if (!expected.every((v, i) => v === state[i])) {
      // The stored representative is the state reached: continue from it (symmetric states are equal).
      state = expected;
    }
    const a = model.action(state, s.action);
    if (!a) throw new Error(`internal error: action ${s.action} of state ${s.from} does not exist`);
    state = a.next.slice();
    out.push({ action: a.label, fault: a.step.fault, violations: a.step.violations, reached: a.step.reached, state: model.describe(state) as View });
  }
  return { initial, steps: out };
}

/**
 * The steps of the path to a hit: the parents of its source state, then the hit's step.
 * @param store - the states.
 * @param hit - where a property was first seen.
 */
export function stepsTo(store: StateStore, hit: Hit): LassoStep[] {
  const path = store.pathTo(hit.from);
  const steps: LassoStep[] = [];
  for (let i = 1; i < path.length; i++) steps.push({ from: path[i - 1] as number, action: store.action[path[i] as number] as number });
  steps.push({ from: hit.from, action: hit.action });
  return steps;
}
