/**
 * The run's checkpoint figures, gathered from each coordinator's commands and observations
 * (across coordinator restarts): a history of checkpoints in the shape of Flink's checkpoint
 * statistics, counts, aborts by reason, durations and snapshot sizes.
 * @packageDocumentation
 */
import type { CheckpointFailureReason, CheckpointId } from '../spec/index.js';
import type { Coordinator } from '../runtime/coordinator/create-coordinator.js';
import type { Clock } from '../runtime/time.js';

/** One checkpoint as the history keeps it. */
export interface CheckpointRecord {
  /** Its id. */
  readonly id: CheckpointId;
  /** Where it is. */
  status: 'IN_PROGRESS' | 'COMPLETED' | 'FAILED';
  /** When it was triggered. */
  readonly triggeredAt: number;
  /** Tasks that must acknowledge. */
  readonly subtasks: number;
  /** Tasks that acknowledged. */
  acknowledged: number;
  /** When the latest acknowledgement arrived, or null. */
  latestAckAt: number | null;
  /** When it completed or failed, or null. */
  endedAt: number | null;
  /** Bytes of state (completed ones). */
  stateBytes: number;
  /** Why it failed, or null. */
  failure: CheckpointFailureReason | null;
}

/** A checkpoint outcome or a recovery, for displays. */
export type JobEvent =
  | { readonly kind: 'checkpoint'; readonly checkpoint: Readonly<CheckpointRecord> }
  | { readonly kind: 'restored'; readonly checkpointId: number; readonly at: number };

/**
 * The value at quantile `q` of some numbers (nearest rank), or 0 for none.
 * @param values - the samples.
 * @param q - the quantile in [0, 1].
 */
export function quantile(values: readonly number[], q: number): number {
  if (values.length === 0) return 0;
  const s = [...values].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil(q * s.length) - 1))] as number;
}

/** Figures of one run. */
export class JobFigures {
  /** Every checkpoint, by id. */
  readonly history = new Map<CheckpointId, CheckpointRecord>();
  /** Aborted checkpoints by reason. */
  readonly abortedByReason: Partial<Record<CheckpointFailureReason, number>> = {};
  /** Restores, in order. */
  readonly restores: Array<{ readonly checkpointId: number; readonly at: number }> = [];
  /** Checkpoints completed. */
  completed = 0;
  /** Checkpoints aborted. */
  aborted = 0;
  private readonly listeners = new Set<(e: JobEvent) => void>();
  private frozen = false;

  /**
   * No figures yet.
   * @param clock - when things happen.
   */
  constructor(private readonly clock: Clock) {}

  /**
   * Follows a coordinator (call once per coordinator).
   * @param c - the coordinator.
   */
  attach(c: Coordinator): void {
    c.onCommand((command) => {
      if (this.frozen) return;
      const now = this.clock.now();
      switch (command.kind) {
        case 'pendingCreated':
          this.history.set(command.checkpointId, { id: command.checkpointId, status: 'IN_PROGRESS', triggeredAt: now, subtasks: command.plan.length, acknowledged: 0, latestAckAt: null, endedAt: null, stateBytes: 0, failure: null });
          return;
        case 'checkpointCompleted': {
          const r = this.history.get(command.checkpointId);
          if (!r) return;
          r.status = 'COMPLETED';
          r.endedAt = now;
          r.stateBytes = command.bytesPersisted;
          this.completed++;
          this.emit({ kind: 'checkpoint', checkpoint: r });
          return;
        }
        case 'checkpointAborted': {
          this.aborted++;
          this.abortedByReason[command.reason] = (this.abortedByReason[command.reason] ?? 0) + 1;
          const r = this.history.get(command.checkpointId);
          if (!r) return;
          r.status = 'FAILED';
          r.endedAt = now;
          r.failure = command.reason;
          this.emit({ kind: 'checkpoint', checkpoint: r });
          return;
        }
        case 'restoreState': {
          const e = { checkpointId: command.checkpoint ? command.checkpoint.checkpointId : -1, at: now };
          this.restores.push(e);
          this.emit({ kind: 'restored', ...e });
          return;
        }
        default:
          return;
      }
    });
    c.onObservation((o) => {
      if (o.kind !== 'ackDelivered') return;
      const r = this.history.get(o.checkpointId);
      if (r && r.status === 'IN_PROGRESS') {
        r.acknowledged++;
        r.latestAckAt = this.clock.now();
      }
    });
  }

  /** Stops counting: what the shutdown at the end of a run aborts is not part of the run. */
  freeze(): void {
    this.frozen = true;
  }

  /**
   * Listens to checkpoint outcomes and restores.
   * @param listener - called per event.
   */
  onEvent(listener: (e: JobEvent) => void): () => void {
    this.listeners.add(listener);
    return () => void this.listeners.delete(listener);
  }

  private emit(e: JobEvent): void {
    for (const l of this.listeners) l(e);
  }

  /** End-to-end durations of the completed checkpoints, in ms. */
  durations(): number[] {
    const out: number[] = [];
    for (const r of this.history.values()) if (r.status === 'COMPLETED' && r.endedAt !== null) out.push(r.endedAt - r.triggeredAt);
    return out;
  }

  /** The latest completed checkpoint, or null. */
  latestCompleted(): CheckpointRecord | null {
    let latest: CheckpointRecord | null = null;
    for (const r of this.history.values()) if (r.status === 'COMPLETED' && (latest === null || r.id > latest.id)) latest = r;
    return latest;
  }

  /** The latest failed checkpoint, or null. */
  latestFailed(): CheckpointRecord | null {
    let latest: CheckpointRecord | null = null;
    for (const r of this.history.values()) if (r.status === 'FAILED' && (latest === null || r.id > latest.id)) latest = r;
    return latest;
  }

  /** Checkpoints in progress. */
  inProgress(): number {
    let n = 0;
    for (const r of this.history.values()) if (r.status === 'IN_PROGRESS') n++;
    return n;
  }
}
