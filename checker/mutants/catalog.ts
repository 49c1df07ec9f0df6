/**
 * The catalogue of seeded protocol bugs: each a small, realistic mistake in `machines/`, as a
 * source patch applied to a copy of the tree at test time. Each names the smallest checker world
 * known to show it (or none, when another tier catches it).
 * @packageDocumentation
 */
import type { Mutant } from './types.js';

const NO_FAULTS = { crashes: 0, savepoints: 0, loss: false, duplication: false } as const;

/** Every seeded bug, coordinator first, then task. */
export const MUTANTS: readonly Mutant[] = Object.freeze([
  {
    id: 'complete-on-n-minus-1-acks',
    description: 'the coordinator marks a checkpoint acknowledged when one acknowledgement is still missing',
    file: 'machines/coordinator/task-messages.ts',
    find: 'stage: remaining === 0 && pc.stage',
    replace: 'stage: remaining <= 1 && pc.stage',
    world: { maxIds: 1, ...NO_FAULTS },
  },
  {
    id: 'stale-attempt-accepted',
    description: 'the sender check lets messages of an older attempt through',
    file: 'machines/coordinator/task-messages.ts',
    find: "if (m.attempt < task.attempt) return { code: 'stale-attempt'",
    replace: "if (m.attempt < task.attempt - 1) return { code: 'stale-attempt'",
    // A stale report of the failed attempt makes the coordinator believe the task failed: no plan
    // can be made any more (a liveness violation, found as a lasso).
    world: { sources: 1, twoInputTask: false, maxIds: 2, crashes: 1, savepoints: 0, loss: false, duplication: false, asyncReports: true },
    liveness: true,
  },
  {
    id: 'no-subsumption',
    description: 'completing checkpoint N leaves older pending checkpoints pending (comparison reversed)',
    file: 'machines/coordinator/outcomes.ts',
    find: 'if (older.checkpointId < id && !isSavepoint(older.request.snapshot)',
    replace: 'if (older.checkpointId > id && !isSavepoint(older.request.snapshot)',
    world: { maxIds: 2, ...NO_FAULTS },
  },
  {
    id: 'savepoint-subsumed',
    description: 'completing a checkpoint subsumes an older pending savepoint too',
    file: 'machines/coordinator/outcomes.ts',
    find: 'if (older.checkpointId < id && !isSavepoint(older.request.snapshot) && older.stage',
    replace: 'if (older.checkpointId < id && older.stage',
    world: { maxIds: 2, crashes: 0, savepoints: 1, loss: false, duplication: false },
  },
  {
    id: 'complete-without-store',
    description: 'a fully acknowledged checkpoint is completed and notified at once, without waiting for the store',
    file: 'machines/coordinator/coordinator.machine.ts',
    find: "actions: step('clock.tick', (ctx, _e, out) => startFinalizing(ctx, nextAcknowledged(ctx) as PendingCheckpoint, out)),",
    replace: "actions: step('clock.tick', (ctx, _e, out) => complete(ctx, nextAcknowledged(ctx) as PendingCheckpoint, true, out)),",
    world: { maxIds: 1, ...NO_FAULTS },
  },
  {
    id: 'id-from-request-sequence',
    description: 'the pending checkpoint takes the request sequence number as its id, so a restarted coordinator reuses ids',
    file: 'machines/coordinator/coordinator.machine.ts',
    find: "{ guard: 'seqMatches', target: 'idle', actions: step('counter.allocated', (ctx, e, out) => createPending(ctx, e.checkpointId, out)) },",
    replace: "{ guard: 'seqMatches', target: 'idle', actions: step('counter.allocated', (ctx, e, out) => createPending(ctx, e.seq, out)) },",
    world: { maxIds: 2, crashes: 1, savepoints: 0, loss: false, duplication: false },
  },
  {
    id: 'savepoint-failure-counted',
    description: 'savepoint failures count toward the tolerable checkpoint failures',
    file: 'machines/coordinator/failure-manager.ts',
    find: 'if (savepoint) {',
    replace: 'if (savepoint && jobLevel && failure.reason === "CHECKPOINT_COORDINATOR_SHUTDOWN") {',
    world: { maxIds: 2, crashes: 0, savepoints: 1, loss: false, duplication: false, tolerableFailures: 1 },
  },
  {
    id: 'tolerance-off-by-one',
    description: 'the job fails when the failure counter reaches the tolerance instead of exceeding it',
    file: 'machines/coordinator/failure-manager.ts',
    find: 'if (counter > tolerable) {',
    replace: 'if (counter >= tolerable) {',
    world: { maxIds: 2, ...NO_FAULTS, tolerableFailures: 1 },
  },
  {
    id: 'uncounted-reasons-counted',
    description: 'every failure but a pre-flight one is counted (subsumption and suspension included)',
    file: 'machines/coordinator/failure-manager.ts',
    find: 'if (tolerable === Infinity || !isCountedFailure(failure.reason))',
    replace: 'if (tolerable === Infinity || isPreFlightFailure(failure.reason))',
    world: { maxIds: 2, ...NO_FAULTS, tolerableFailures: 2 },
  },
  {
    id: 'restore-while-storing',
    description: 'a restore asked for while a completed checkpoint is being stored runs at once, from the older checkpoint',
    file: 'machines/coordinator/control.ts',
    find: "const storing = [...ctx.pending.values()].some((p) => p.stage === 'finalizing');",
    replace: 'const storing = false;',
  },
  {
    id: 'restore-previous-checkpoint',
    description: 'recovery restores the checkpoint before the latest completed one (an index off by one)',
    file: 'machines/coordinator/control.ts',
    find: 'const latest = ctx.completed[ctx.completed.length - 1] ?? null;',
    replace: 'const latest = ctx.completed[ctx.completed.length - 2] ?? null;',
    world: { maxIds: 1, crashes: 1, savepoints: 0, loss: false, duplication: false },
  },
  {
    id: 'min-pause-ignored',
    description: 'the minimum pause between checkpoints is measured from the wrong instant, so it never holds back a periodic request',
    file: 'machines/coordinator/request-queue.ts',
    find: 'const remainingMs = lastCompletionAt + minPause - now;',
    replace: 'const remainingMs = lastCompletionAt - now;',
  },
  {
    id: 'concurrency-limit-off-by-one',
    description: 'one more checkpoint than max-concurrent may be pending',
    file: 'machines/coordinator/request-queue.ts',
    find: 'if (pendingCount >= maxConcurrent && !head.forced)',
    replace: 'if (pendingCount > maxConcurrent && !head.forced)',
    world: { maxIds: 3, ...NO_FAULTS },
  },
  {
    id: 'restarted-coordinator-forgets-store',
    description: 'a coordinator restarted after a crash starts without the completed checkpoints of the store, so recovery restores nothing',
    file: 'machines/coordinator/context.ts',
    find: 'const completed = input.completed ?? [];',
    replace: 'const completed: NonNullable<CoordinatorInput[\'completed\']> = [];',
    world: { maxIds: 1, crashes: 1, savepoints: 0, loss: false, duplication: false },
  },
  {
    id: 'awaits-triggered-tasks-only',
    description: 'a pending checkpoint counts the acknowledgements it needs from the triggered (source) tasks only',
    file: 'machines/coordinator/trigger.ts',
    find: 'remaining: t.plan.waitFor.size,',
    replace: 'remaining: t.plan.toTrigger.length,',
    world: { maxIds: 1, ...NO_FAULTS },
  },
  {
    id: 'failure-counted-twice',
    description: 'the reported failure counter counts the new failure twice',
    file: 'machines/coordinator/outcomes.ts',
    find: 'counter: d.failJob ? ctx.failures.counter + 1 : d.state.counter,',
    replace: 'counter: d.failJob ? ctx.failures.counter + 1 : d.state.counter + 1,',
    world: { maxIds: 2, ...NO_FAULTS, tolerableFailures: 1 },
  },
  {
    id: 'commit-on-abort',
    description: 'a task handles an abort notice by committing up to the aborted checkpoint instead of the latest completed one',
    file: 'machines/task/task.steps.ts',
    find: 'notifyAborted(catchUp(ctx, e.latestCompletedCheckpointId, emit), e.checkpointId, e.now, emit)',
    replace: 'notifyAborted(catchUp(ctx, e.checkpointId, emit), e.checkpointId, e.now, emit)',
    world: { maxIds: 2, crashes: 0, savepoints: 0, loss: false },
  },
  {
    id: 'commit-above-notified',
    description: 'a sink commits the transaction of the checkpoint after the one notified complete',
    file: 'machines/task/two-phase-commit.ts',
    find: 'if (checkpointId > upTo) break;',
    // The commit notice still names the notified id, so the checker's monitor cannot see it.
    replace: 'if (checkpointId > upTo + 1) break;',
  },
  {
    id: 'aligned-channel-not-blocked',
    description: 'an aligned task does not block the channel that delivered the first barrier',
    file: 'machines/task/barrier-handler.ts',
    find: "  emit({ kind: 'blockChannel', channel: e.channel });\n  let timer",
    replace: '  let timer',
  },
  {
    id: 'aborted-before-start-forgotten',
    description: 'a task forgets the checkpoints aborted before they started, and snapshots them when their barriers come',
    file: 'machines/task/snapshots.ts',
    find: 'if (aborted.length > 0 && aborted.includes(id)) {',
    replace: 'if (aborted.length > 0 && aborted.includes(-id)) {',
  },
  {
    id: 'ack-before-capture-finished',
    description: 'an unaligned task starts the asynchronous part, and so acknowledges, before the in-flight data of the channels still to deliver the barrier was captured',
    file: 'machines/task/snapshots.ts',
    find: 'const capturing = s.capturing === true;',
    replace: 'const capturing = false;',
  },
  {
    id: 'sink-recovery-skipped',
    description: 'a restored two-phase-commit sink neither commits the transactions its checkpoint pre-committed nor aborts its open one',
    file: 'machines/task/two-phase-commit.ts',
    find: 'if (restore && recovered) {',
    replace: 'if (restore && recovered && restore.checkpointId < 0) {',
  },
  {
    id: 'commit-twice',
    description: 'a sink keeps a committed transaction pending, so a later notice commits it again',
    file: 'machines/task/two-phase-commit.ts',
    find: '    pending = pending.delete(checkpointId);\n',
    replace: '',
    world: { maxIds: 2, ...NO_FAULTS },
  },
  {
    id: 'last-barrier-miscounted',
    description: 'the aligned handler starts the checkpoint one barrier early',
    file: 'machines/task/barrier-handler.ts',
    find: "return inputs.received.size + 1 >= inputs.openChannels ? 'last' : 'next';",
    replace: "return inputs.received.size + 2 >= inputs.openChannels ? 'last' : 'next';",
  },
]);
