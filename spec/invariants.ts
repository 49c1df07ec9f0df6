/**
 * The protocol's named properties, in one place, for every test tier: the model checker, the
 * model-based tests, the property tests and the scenario tests all judge runs by these.
 *
 * A run is seen as a sequence of {@link Observation}s: what the coordinator decided (from its
 * commands), what was delivered to it, what tasks committed, and what the durable store holds.
 * {@link ProtocolMonitor} folds observations and reports {@link Violation}s of the `always`
 * properties, and records which `sometimes` properties were reached. `eventually` properties are
 * judged by the checker over cycles (a monitor cannot see the future); the monitor reports which
 * are still open at the end of a finite run.
 * @packageDocumentation
 */
import type { Attempt, CheckpointId, TaskId } from './ids.js';
import type { SnapshotKind } from './options.js';
import { isSavepoint } from './options.js';
import type { CheckpointFailureReason } from './reasons.js';
import { isCountedFailure } from './reasons.js';

/** Stateright's property kinds. */
export type PropertyKind = 'always' | 'sometimes' | 'eventually';

/** A named property of the protocol. */
export interface PropertyDefinition {
  /** Stable name, used in reports and `--json` output. */
  readonly name: string;
  /** always (safety), sometimes (reachability), eventually (liveness, under weak fairness). */
  readonly kind: PropertyKind;
  /** What it says, for people. */
  readonly description: string;
}

/** Every named property, in report order. */
export const PROPERTIES = Object.freeze([
  { name: 'completion-requires-all-acks', kind: 'always', description: 'a checkpoint completes only after every task of its plan acknowledged that id from the attempt it was planned with' },
  { name: 'completed-ids-increase', kind: 'always', description: 'checkpoints enter the store in strictly increasing id order' },
  { name: 'ids-never-reused', kind: 'always', description: 'no checkpoint id is handed out twice, across coordinator restarts too' },
  { name: 'bounded-concurrency', kind: 'always', description: 'at most max-concurrent checkpoints are pending when a non-forced one is created' },
  { name: 'one-outcome', kind: 'always', description: 'every pending checkpoint gets exactly one outcome, completed or aborted' },
  { name: 'one-notification-round', kind: 'always', description: 'every outcome sends exactly one round of notifications, none for a non-sync savepoint completion' },
  { name: 'subsumption', kind: 'always', description: 'completing N aborts every pending non-savepoint below N, and never a savepoint' },
  { name: 'notify-after-store', kind: 'always', description: 'completion is notified only after the completed checkpoint is stored' },
  { name: 'failure-counter', kind: 'always', description: 'a failure is counted only for a counted reason, once per id, never for a savepoint or an id at or below the last success, and the job fails exactly when the counter exceeds the tolerance' },
  { name: 'restore-latest', kind: 'always', description: 'recovery restores exactly the latest completed checkpoint (or none when none completed)' },
  { name: 'commit-only-completed', kind: 'always', description: 'a task commits the transaction of checkpoint N only after N completed, and each at most once per attempt' },
  { name: 'checkpoint-completes', kind: 'sometimes', description: 'a checkpoint completes' },
  { name: 'checkpoint-expires', kind: 'sometimes', description: 'a checkpoint expires' },
  { name: 'checkpoint-declined', kind: 'sometimes', description: 'a checkpoint is aborted by a decline' },
  { name: 'savepoint-completes', kind: 'sometimes', description: 'a savepoint completes' },
  { name: 'recovery-happens', kind: 'sometimes', description: 'a recovery restores state' },
  { name: 'pending-resolves', kind: 'eventually', description: 'every pending checkpoint eventually gets an outcome' },
  { name: 'progress', kind: 'eventually', description: 'once faults stop, some checkpoint eventually completes' },
] as const satisfies readonly PropertyDefinition[]);

/** The name of a property. */
export type PropertyName = (typeof PROPERTIES)[number]['name'];

/** A (task, attempt) pair. */
export interface TaskAttemptRef {
  /** The task. */
  readonly taskId: TaskId;
  /** Its attempt. */
  readonly attempt: Attempt;
}

/** One thing that happened in a run, as the properties see it. */
export type Observation =
  | { readonly kind: 'idAllocated'; readonly checkpointId: CheckpointId }
  | {
      readonly kind: 'pendingCreated';
      readonly checkpointId: CheckpointId;
      readonly snapshot: SnapshotKind;
      readonly forced: boolean;
      /** Tasks whose acknowledgement is required. */
      readonly plan: readonly TaskAttemptRef[];
      /** Pending checkpoints after this one was created. */
      readonly pendingCount: number;
      /** The configured maximum. */
      readonly maxConcurrent: number;
    }
  | { readonly kind: 'ackDelivered'; readonly checkpointId: CheckpointId; readonly taskId: TaskId; readonly attempt: Attempt }
  | { readonly kind: 'stored'; readonly checkpointId: CheckpointId }
  | { readonly kind: 'completed'; readonly checkpointId: CheckpointId; readonly snapshot: SnapshotKind }
  | { readonly kind: 'aborted'; readonly checkpointId: CheckpointId; readonly reason: CheckpointFailureReason }
  | { readonly kind: 'notified'; readonly checkpointId: CheckpointId; readonly outcome: 'complete' | 'aborted' }
  | {
      readonly kind: 'failureCounted';
      /** The checkpoint, or -1 when the failure had no id. */
      readonly checkpointId: number;
      readonly reason: CheckpointFailureReason;
      /** The counter after this failure. */
      readonly counter: number;
      /** The configured tolerance. */
      readonly tolerable: number;
      /** Whether this failure failed the job. */
      readonly failedJob: boolean;
    }
  | { readonly kind: 'restored'; readonly checkpointId: number }
  | { readonly kind: 'committed'; readonly taskId: TaskId; readonly attempt: Attempt; readonly checkpointId: CheckpointId }
  | { readonly kind: 'coordinatorRestarted' };

/** A broken `always` property, with the observation that broke it. */
export interface Violation {
  /** The property. */
  readonly property: PropertyName;
  /** What went wrong. */
  readonly message: string;
  /** The observation at which it was seen. */
  readonly at: Observation;
}

interface PendingView {
  readonly snapshot: SnapshotKind;
  readonly plan: ReadonlyMap<TaskId, Attempt>;
  readonly acks: Set<string>;
  stored: boolean;
  outcome: 'completed' | 'aborted' | null;
  notified: number;
}

/**
 * Folds observations and checks the `always` properties as they happen; records the `sometimes`
 * ones reached. Mutable and cheap to {@link ProtocolMonitor.clone | clone}.
 */
export class ProtocolMonitor {
  private readonly handedOut = new Set<CheckpointId>();
  private readonly pending = new Map<CheckpointId, PendingView>();
  private readonly completedIds: CheckpointId[] = [];
  private readonly counted = new Set<number>();
  private readonly committed = new Set<string>();
  private lastStored = 0;
  private lastSuccess = 0;
  private readonly reachedSet = new Set<PropertyName>();
  /** Every violation seen so far, in order. */
  readonly violations: Violation[] = [];

  /**
   * Folds one observation.
   * @param o - what happened.
   * @returns the violations this observation revealed (also appended to `violations`).
   */
  observe(o: Observation): Violation[] {
    const found: Violation[] = [];
    const violate = (property: PropertyName, message: string) => found.push({ property, message, at: o });
    switch (o.kind) {
      case 'idAllocated':
        if (this.handedOut.has(o.checkpointId)) violate('ids-never-reused', `checkpoint id ${o.checkpointId} handed out twice`);
        this.handedOut.add(o.checkpointId);
        break;
      case 'pendingCreated': {
        if (!o.forced && o.pendingCount > o.maxConcurrent) {
          violate('bounded-concurrency', `checkpoint ${o.checkpointId} made ${o.pendingCount} pending with max ${o.maxConcurrent}`);
        }
        const plan = new Map(o.plan.map((t) => [t.taskId, t.attempt] as const));
        this.pending.set(o.checkpointId, { snapshot: o.snapshot, plan, acks: new Set(), stored: false, outcome: null, notified: 0 });
        break;
      }
      case 'ackDelivered':
        this.pending.get(o.checkpointId)?.acks.add(`${o.taskId}\u0000${o.attempt}`);
        break;
      case 'stored': {
        const p = this.pending.get(o.checkpointId);
        if (p) p.stored = true;
        if (o.checkpointId <= this.lastStored) violate('completed-ids-increase', `checkpoint ${o.checkpointId} stored after ${this.lastStored}`);
        this.lastStored = Math.max(this.lastStored, o.checkpointId);
        break;
      }
      case 'completed': {
        const p = this.pending.get(o.checkpointId);
        if (!p) {
          violate('one-outcome', `checkpoint ${o.checkpointId} completed but was never pending`);
          break;
        }
        if (p.outcome) violate('one-outcome', `checkpoint ${o.checkpointId} completed after it was already ${p.outcome}`);
        p.outcome = 'completed';
        for (const [taskId, attempt] of p.plan) {
          if (!p.acks.has(`${taskId}\u0000${attempt}`)) {
            violate('completion-requires-all-acks', `checkpoint ${o.checkpointId} completed without an acknowledgement from ${taskId} attempt ${attempt}`);
            break;
          }
        }
        // Every completion resets the failure counter (Flink's handleCheckpointSuccess).
        this.lastSuccess = Math.max(this.lastSuccess, o.checkpointId);
        if (!isSavepoint(o.snapshot)) {
          this.completedIds.push(o.checkpointId);
          this.reachedSet.add('checkpoint-completes');
        } else {
          this.reachedSet.add('savepoint-completes');
        }
        break;
      }
      case 'aborted': {
        const p = this.pending.get(o.checkpointId);
        if (!p) {
          violate('one-outcome', `checkpoint ${o.checkpointId} aborted but was never pending`);
          break;
        }
        if (p.outcome) violate('one-outcome', `checkpoint ${o.checkpointId} aborted after it was already ${p.outcome}`);
        p.outcome = 'aborted';
        if (o.reason === 'CHECKPOINT_SUBSUMED' && isSavepoint(p.snapshot)) violate('subsumption', `savepoint ${o.checkpointId} was subsumed`);
        if (o.reason === 'CHECKPOINT_EXPIRED') this.reachedSet.add('checkpoint-expires');
        if (o.reason.startsWith('CHECKPOINT_DECLINED') || o.reason === 'CHECKPOINT_ASYNC_EXCEPTION') this.reachedSet.add('checkpoint-declined');
        break;
      }
      case 'notified': {
        const p = this.pending.get(o.checkpointId);
        if (!p || !p.outcome) {
          violate('one-notification-round', `notification for checkpoint ${o.checkpointId} without an outcome`);
          break;
        }
        p.notified++;
        if (p.notified > 1) violate('one-notification-round', `checkpoint ${o.checkpointId} notified ${p.notified} times`);
        if (o.outcome === 'complete') {
          if (p.outcome !== 'completed') violate('one-notification-round', `checkpoint ${o.checkpointId} notified complete but was ${p.outcome}`);
          if (p.snapshot === 'savepoint') violate('one-notification-round', `savepoint ${o.checkpointId} notified complete`);
          if (!p.stored && !isSavepoint(p.snapshot)) violate('notify-after-store', `checkpoint ${o.checkpointId} notified complete before it was stored`);
          this.checkSubsumed(o.checkpointId, p, violate);
        } else if (p.outcome !== 'aborted') {
          violate('one-notification-round', `checkpoint ${o.checkpointId} notified aborted but was ${p.outcome}`);
        }
        break;
      }
      case 'failureCounted': {
        if (!isCountedFailure(o.reason)) violate('failure-counter', `reason ${o.reason} counted`);
        if (o.checkpointId !== -1) {
          if (this.counted.has(o.checkpointId)) violate('failure-counter', `checkpoint ${o.checkpointId} counted twice`);
          if (o.checkpointId <= this.lastSuccess) violate('failure-counter', `checkpoint ${o.checkpointId} counted after success ${this.lastSuccess}`);
          const p = this.pending.get(o.checkpointId);
          if (p && isSavepoint(p.snapshot)) violate('failure-counter', `savepoint ${o.checkpointId} counted`);
          this.counted.add(o.checkpointId);
        }
        if (o.failedJob !== o.counter > o.tolerable) {
          violate('failure-counter', `counter ${o.counter} with tolerance ${o.tolerable} ${o.failedJob ? 'failed' : 'did not fail'} the job`);
        }
        break;
      }
      case 'restored': {
        const latest = this.completedIds.length ? (this.completedIds[this.completedIds.length - 1] as number) : -1;
        if (o.checkpointId !== latest) violate('restore-latest', `restored ${o.checkpointId} but the latest completed is ${latest}`);
        if (o.checkpointId !== -1) this.reachedSet.add('recovery-happens');
        break;
      }
      case 'committed': {
        const p = this.pending.get(o.checkpointId);
        if (!this.completedIds.includes(o.checkpointId) && !(p && p.outcome === 'completed')) {
          violate('commit-only-completed', `${o.taskId} committed checkpoint ${o.checkpointId}, which did not complete`);
        }
        const key = `${o.taskId}\u0000${o.attempt}\u0000${o.checkpointId}`;
        if (this.committed.has(key)) violate('commit-only-completed', `${o.taskId} attempt ${o.attempt} committed checkpoint ${o.checkpointId} twice`);
        this.committed.add(key);
        break;
      }
      case 'coordinatorRestarted':
        // Pending checkpoints die with the coordinator; they need no outcome.
        this.pending.forEach((p, id) => {
          if (!p.outcome) this.pending.delete(id);
        });
        break;
    }
    this.violations.push(...found);
    return found;
  }

  private checkSubsumed(id: CheckpointId, completed: PendingView, violate: (p: PropertyName, m: string) => void): void {
    if (completed.snapshot === 'savepoint') return;
    for (const [other, p] of this.pending) {
      if (other < id && !isSavepoint(p.snapshot) && p.outcome === null) {
        violate('subsumption', `checkpoint ${other} still pending after ${id} completed`);
      }
    }
  }

  /**
   * Whether a `sometimes` property was reached so far.
   * @param name - the property.
   */
  reached(name: PropertyName): boolean {
    return this.reachedSet.has(name);
  }

  /** The `sometimes` properties reached so far. */
  reachedProperties(): PropertyName[] {
    return PROPERTIES.filter((p) => this.reachedSet.has(p.name)).map((p) => p.name);
  }

  /** Pending checkpoints without an outcome yet (open obligations of `pending-resolves`). */
  unresolved(): CheckpointId[] {
    return [...this.pending].filter(([, p]) => p.outcome === null).map(([id]) => id);
  }

  /** An independent copy, for branching explorations. */
  clone(): ProtocolMonitor {
    const c = new ProtocolMonitor();
    this.handedOut.forEach((v) => c.handedOut.add(v));
    this.pending.forEach((p, id) => c.pending.set(id, { ...p, acks: new Set(p.acks) }));
    c.completedIds.push(...this.completedIds);
    this.counted.forEach((v) => c.counted.add(v));
    this.committed.forEach((v) => c.committed.add(v));
    c.lastStored = this.lastStored;
    c.lastSuccess = this.lastSuccess;
    this.reachedSet.forEach((v) => c.reachedSet.add(v));
    c.violations.push(...this.violations);
    return c;
  }
}
