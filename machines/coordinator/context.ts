/**
 * The coordinator's initial context, from its input.
 * @packageDocumentation
 */
import { PersistentMap } from '../_internals/persistent-map.js';
import { INITIAL_FAILURE_COUNTER } from './failure-manager.js';
import { prepareTopology } from './plan.js';
import type { CoordinatorContext, CoordinatorInput, CoordinatorStats, TaskRecord } from './types.js';

/** Statistics before anything happened. */
export const INITIAL_STATS: CoordinatorStats = Object.freeze({
  triggered: 0,
  completed: 0,
  failed: 0,
  restored: 0,
  failuresByReason: Object.freeze({}),
  lateAcknowledgements: 0,
  duplicateAcknowledgements: 0,
  latestCompleted: null,
  latestFailed: null,
  latestRestored: null,
});

/** A task nobody reported yet. */
const UNDEPLOYED: TaskRecord = Object.freeze({ attempt: -1, state: 'created' });

/**
 * The context a coordinator starts with. After a restart, `input.completed` carries the store's
 * contents (the durable part); everything else starts afresh.
 * @param input - the machine's input.
 */
export function initialContext(input: CoordinatorInput): CoordinatorContext {
  const topology = prepareTopology(input.topology);
  const tasks = PersistentMap.from<string, TaskRecord>(topology.taskIds.map((id) => [id, input.tasks?.[id] ?? UNDEPLOYED]));
  const completed = input.completed ?? [];
  const last = completed[completed.length - 1];
  return {
    topology,
    config: input.config,
    now: input.now ?? 0,
    tasks,
    queue: [],
    nextSeq: 1,
    triggering: null,
    pending: new Map(),
    completed,
    ghosts: [],
    failures: { ...INITIAL_FAILURE_COUNTER, lastSucceeded: last ? last.checkpointId : 0 },
    lastCompletionAt: null,
    stats: INITIAL_STATS,
    deferredRestore: null,
    lastSeen: PersistentMap.empty(),
  };
}
