/**
 * A readable view of a task snapshot, for runtimes, tests and people.
 * @packageDocumentation
 */
import type { SnapshotFrom } from 'xstate';
import type { CheckpointId } from '../../spec/ids.js';
import { isPending } from './validation.js';
import type { TaskMachine } from './task.machine.js';
import { pendingTransactions } from './two-phase-commit.js';
import type { PendingTransaction, SnapshotRecord, TransactionId } from './types.js';

/** The lifecycle state of an attempt (`finishing` is reported to the coordinator as running). */
export type TaskLifecycle = 'deploying' | 'initializing' | 'running' | 'finishing' | 'finished' | 'failed' | 'canceled';

/** What a task snapshot says, in plain terms. */
export interface TaskView {
  /** The lifecycle state. */
  readonly lifecycle: TaskLifecycle;
  /** While finishing: why (`awaitingFinalCheckpoint` or `stoppingWithSavepoint`), else null. */
  readonly finishing: 'awaitingFinalCheckpoint' | 'stoppingWithSavepoint' | null;
  /** The input side's state, as a dotted path, e.g. `aligned.collectingBarriers`. */
  readonly barrierHandler: string;
  /** The last checkpoint id this attempt started, or -1. */
  readonly lastStartedCheckpointId: number;
  /** The checkpoint the barrier handler is aligning (or capturing for), or null. */
  readonly pendingAlignment: CheckpointId | null;
  /** Input channels blocked by the pending alignment, ascending. */
  readonly blockedChannels: readonly number[];
  /** Input channels whose in-flight data is being captured (unaligned), ascending. */
  readonly capturingChannels: readonly number[];
  /** Input channels that have not ended. */
  readonly openChannels: number;
  /** At-least-once: the checkpoints being counted, ascending. */
  readonly trackedCheckpoints: readonly CheckpointId[];
  /** Snapshots without an outcome yet, ascending. */
  readonly snapshotsInProgress: ReadonlyArray<{ readonly checkpointId: CheckpointId; readonly phase: SnapshotRecord['phase'] }>;
  /** Ids aborted before they started here, ascending. */
  readonly abortedBeforeStart: readonly CheckpointId[];
  /** The newest completion notified, or -1. */
  readonly latestCompletedCheckpointId: number;
  /** A two-phase-commit sink's open transaction, or null. */
  readonly openTransaction: TransactionId | null;
  /** A two-phase-commit sink's pre-committed transactions, ascending. */
  readonly pendingTransactions: readonly PendingTransaction[];
  /** Why the attempt failed, or null. */
  readonly failure: string | null;
}

function path(value: unknown): string {
  if (typeof value === 'string') return value;
  const [key, inner] = Object.entries(value as Record<string, unknown>)[0] ?? ['', ''];
  return `${key}.${path(inner)}`;
}

/**
 * The view of a task snapshot.
 * @param snapshot - a snapshot of the task machine.
 */
export function taskView(snapshot: SnapshotFrom<TaskMachine>): TaskView {
  const ctx = snapshot.context;
  const value = snapshot.value as { lifecycle: string | { finishing: string }; barriers: unknown };
  const lifecycle = (typeof value.lifecycle === 'string' ? value.lifecycle : 'finishing') as TaskLifecycle;
  const inputs = ctx.inputs;
  const pending = isPending(inputs);
  const blocked: number[] = [];
  const capturing: number[] = [];
  if (pending) {
    for (let ch = 0; ch < ctx.config.inputChannels; ch++) {
      const delivered = inputs.received.has(ch);
      if (!inputs.unaligned && delivered) blocked.push(ch);
      if (inputs.unaligned && !delivered && !inputs.closed.has(ch)) capturing.push(ch);
    }
  }
  return {
    lifecycle,
    finishing: typeof value.lifecycle === 'string' ? null : (value.lifecycle.finishing as TaskView['finishing']),
    barrierHandler: path(value.barriers),
    lastStartedCheckpointId: ctx.lastStartedId,
    pendingAlignment: pending ? inputs.currentId : null,
    blockedChannels: blocked,
    capturingChannels: capturing,
    openChannels: inputs.openChannels,
    trackedCheckpoints: inputs.tracked.map((t) => t.checkpointId),
    snapshotsInProgress: ctx.snapshots.toJSON().map(([checkpointId, r]) => ({ checkpointId, phase: r.phase })),
    abortedBeforeStart: ctx.abortedBeforeStart,
    latestCompletedCheckpointId: ctx.latestCompletedId,
    openTransaction: ctx.sink?.open ?? null,
    pendingTransactions: ctx.sink ? pendingTransactions(ctx.sink.pending) : [],
    failure: ctx.failure,
  };
}
