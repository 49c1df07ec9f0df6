/**
 * Model-based tests of the task: `xstate/graph` generates paths over `taskMachine` (one per
 * reachable snapshot of each task configuration, plus one-step extensions for the transitions
 * those miss), and every path drives a real `createTask` runtime with scripted ports; after every
 * event the runtime's actor must have processed the same event and hold the same snapshot as the
 * machine (state value and canonical context).
 *
 * Coverage is measured against the machine's definition: every state node, and every transition
 * definition (each guarded candidate and each eventless candidate on its own).
 */
import { describe, expect, it } from 'vitest';
import { taskMachine } from '../../machines/task/index.js';
import type { TaskEvent } from '../../machines/task/index.js';
import { coverageOf, formatCoverage } from './support/coverage.js';
import type { Exploration } from './support/explore.js';
import { explore } from './support/explore.js';
import { lockstepAll } from './support/lockstep.js';
import { TaskDriver } from './support/task-driver.js';
import type { TaskModelConfig, TaskSnapshot } from './support/task-model.js';
import { TASK_MODELS, taskEventsFor, taskKeyOf } from './support/task-model.js';

const FINISHING_LATER =
  'in `running` no stop-with-savepoint is in progress and no final checkpoint is awaited: starting a stop-with-savepoint (syncSavepointId) or ending the input moves the lifecycle to `finishing` by an eventless transition in the same step, and finalCheckpointMinId is set only on entering `finishing`';
const NEVER_ALONE =
  'a checkpoint is pending only with at least two open channels (a first barrier on the only open channel completes it at once), and an end of partition aborts the pending checkpoint before the channel closes: the last open channel never ends while a checkpoint is pending';

/** Transitions no event can take, by construction of the machine. */
const UNREACHABLE: Record<string, string> = {
  'task.lifecycle triggerCheckpoint#0':
    'shadowed: every state of `lifecycle` handles triggerCheckpoint itself, rejecting invalid ones first, so the region-level candidate is never selected',
  'task.lifecycle.running notifyCheckpointComplete#1': FINISHING_LATER,
  'task.lifecycle.running notifyCheckpointAborted#1': FINISHING_LATER,
  'task.lifecycle.running notifyCheckpointAborted#2': `${FINISHING_LATER} (and an abort for id -1 is rejected as malformed)`,
  'task.barriers.aligned.collectingBarriers stream.endOfPartition#1': NEVER_ALONE,
  'task.barriers.alternating.collectingBarriers stream.endOfPartition#1': NEVER_ALONE,
  'task.barriers.alternating.collectingBarriersUnaligned stream.endOfPartition#1': NEVER_ALONE,
};

const explorations = new Map<string, Exploration<TaskEvent>>();
const explored = (model: TaskModelConfig): Exploration<TaskEvent> => {
  let e = explorations.get(model.name);
  if (!e) {
    e = explore<TaskSnapshot, TaskEvent>({ machine: taskMachine, input: model.input, events: taskEventsFor(model), key: taskKeyOf });
    explorations.set(model.name, e);
  }
  return e;
};

describe('task machine: model-based paths against createTask', () => {
  const runtimeTransitions = new Set<string>();

  for (const model of TASK_MODELS) {
    it(`the runtime agrees with the machine at every step of every path (${model.name})`, async () => {
      const exploration = explored(model);
      await lockstepAll(`task model "${model.name}"`, exploration, () => new TaskDriver(model), runtimeTransitions);
      expect(exploration.paths.length).toBeGreaterThan(0);
    });
  }

  it('reaches every state node and every transition that can be taken', () => {
    const states = new Set<string>();
    const transitions = new Set<string>();
    for (const model of TASK_MODELS) {
      const e = explored(model);
      e.states.forEach((s) => states.add(s));
      e.transitions.forEach((t) => transitions.add(t));
    }
    const coverage = coverageOf(taskMachine, states, transitions);
    console.log(formatCoverage('task machine coverage (model paths)', coverage, UNREACHABLE));
    expect(coverage.states.missing).toEqual([]);
    expect(coverage.transitions.missing.map((t) => t.key).sort()).toEqual(Object.keys(UNREACHABLE).sort());
    // The runtime's actor took the same transitions along the same paths (when the lockstep tests ran).
    if (runtimeTransitions.size > 0) {
      const runtime = coverageOf(taskMachine, states, runtimeTransitions);
      console.log(formatCoverage('task machine coverage (the runtime actor, same paths)', runtime, UNREACHABLE));
      expect(runtime.transitions.missing.map((t) => t.key).sort()).toEqual(Object.keys(UNREACHABLE).sort());
    }
  });
});
