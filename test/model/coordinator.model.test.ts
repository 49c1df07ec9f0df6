/**
 * Model-based tests of the coordinator: `xstate/graph` generates paths over `coordinatorMachine`
 * (one per reachable snapshot of each model configuration, plus one-step extensions for the
 * transitions those miss), and every path drives a real `createCoordinator` runtime with scripted
 * ports; after every event the runtime's actor must have processed the same event and hold the
 * same snapshot as the machine (state value and canonical context).
 *
 * Coverage is measured against the machine's definition: every state node, and every transition
 * definition (each guarded candidate and each eventless candidate on its own).
 */
import { describe, expect, it } from 'vitest';
import { coordinatorMachine } from '../../machines/coordinator/index.js';
import type { CoordinatorEvent } from '../../machines/coordinator/index.js';
import { CoordinatorDriver } from './support/coordinator-driver.js';
import type { CoordinatorModelConfig, CoordinatorSnapshot } from './support/coordinator-model.js';
import { COORDINATOR_MODELS, eventsOf, inputOf, keyOf } from './support/coordinator-model.js';
import { coverageOf, formatCoverage } from './support/coverage.js';
import type { Exploration } from './support/explore.js';
import { explore } from './support/explore.js';
import { lockstepAll } from './support/lockstep.js';

/**
 * Transitions no event can take, by construction of the machine (explained in the report).
 */
const UNREACHABLE: Record<string, string> = {
  'coordinator.active.trigger.idle always#1':
    'a periodic request at the head while the scheduler is stopped: periodic requests are queued only by the periodic timer in `started`, and the one transition to `stopped` (scheduler.stop) empties the queue in the same microstep (stopScheduler → abortAll), as shutdown leaves `active`; a defensive guard',
};

const explorations = new Map<string, Exploration<CoordinatorEvent>>();
const explored = (model: CoordinatorModelConfig): Exploration<CoordinatorEvent> => {
  let e = explorations.get(model.name);
  if (!e) {
    e = explore<CoordinatorSnapshot, CoordinatorEvent>({ machine: coordinatorMachine, input: inputOf(model), events: (s) => eventsOf(model, s), key: keyOf });
    explorations.set(model.name, e);
  }
  return e;
};

describe('coordinator machine: model-based paths against createCoordinator', () => {
  const runtimeTransitions = new Set<string>();

  for (const model of COORDINATOR_MODELS) {
    it(`the runtime agrees with the machine at every step of every path (${model.name})`, async () => {
      const exploration = explored(model);
      await lockstepAll(`coordinator model "${model.name}"`, exploration, () => CoordinatorDriver.start(model), runtimeTransitions);
      expect(exploration.paths.length).toBeGreaterThan(0);
    });
  }

  it('reaches every state node and every transition that can be taken', () => {
    const states = new Set<string>();
    const transitions = new Set<string>();
    for (const model of COORDINATOR_MODELS) {
      const e = explored(model);
      e.states.forEach((s) => states.add(s));
      e.transitions.forEach((t) => transitions.add(t));
    }
    const coverage = coverageOf(coordinatorMachine, states, transitions);
    console.log(formatCoverage('coordinator machine coverage (model paths)', coverage, UNREACHABLE));
    expect(coverage.states.missing).toEqual([]);
    expect(coverage.transitions.missing.map((t) => t.key)).toEqual(Object.keys(UNREACHABLE));
    // The runtime's actor took the same transitions along the same paths (when the lockstep tests ran).
    if (runtimeTransitions.size > 0) {
      const runtime = coverageOf(coordinatorMachine, states, runtimeTransitions);
      console.log(formatCoverage('coordinator machine coverage (the runtime actor, same paths)', runtime, UNREACHABLE));
      expect(runtime.transitions.missing.map((t) => t.key)).toEqual(Object.keys(UNREACHABLE));
    }
  });
});
