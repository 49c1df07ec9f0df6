/**
 * The floor for the coordinator benchmark: a minimal hand-written coordinator doing the same
 * bookkeeping for one checkpoint round (validate each acknowledgement, check job, task and
 * attempt, record the state once per task, complete when every task acknowledged, store, notify
 * every task) with plain mutable collections and no statechart.
 * @packageDocumentation
 */
import type { AcknowledgeCheckpoint, CoordinatorToTaskMessage, StateHandle } from '../spec/index.js';
import { validateControlMessage } from '../spec/index.js';

interface Pending {
  readonly id: number;
  readonly waiting: Set<string>;
  readonly states: Map<string, StateHandle | null>;
}

/** A hand-written coordinator for one job, the benchmark's baseline. */
export class FloorCoordinator {
  private readonly attempts = new Map<string, number>();
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  /** Completed checkpoints' states, by id. */
  readonly completed: Array<{ id: number; states: Map<string, StateHandle | null> }> = [];

  /**
   * @param jobId - the job.
   * @param tasks - every task id, attempt 0.
   * @param sources - the tasks to trigger.
   * @param send - the transport.
   */
  constructor(
    private readonly jobId: string,
    private readonly tasks: readonly string[],
    private readonly sources: readonly string[],
    private readonly send: (m: CoordinatorToTaskMessage) => void,
  ) {
    for (const t of tasks) this.attempts.set(t, 0);
  }

  /** Triggers a checkpoint and returns its id. */
  trigger(now: number): number {
    const id = this.nextId++;
    this.pending.set(id, { id, waiting: new Set(this.tasks), states: new Map() });
    const options = { snapshot: 'checkpoint', alignment: 'aligned', alignedCheckpointTimeoutMs: 0 } as const;
    for (const t of this.sources) this.send({ type: 'triggerCheckpoint', jobId: this.jobId, taskId: t, attempt: 0, checkpointId: id, timestamp: now, options });
    return id;
  }

  /** Applies acknowledgements; returns how many were rejected. */
  acknowledge(acks: readonly unknown[], now: number): number {
    let rejected = 0;
    for (const raw of acks) {
      const v = validateControlMessage(raw);
      if (!v.ok || v.value.type !== 'acknowledgeCheckpoint') {
        rejected++;
        continue;
      }
      const ack = v.value as AcknowledgeCheckpoint;
      if (ack.jobId !== this.jobId || this.attempts.get(ack.taskId) !== ack.attempt) {
        rejected++;
        continue;
      }
      const pc = this.pending.get(ack.checkpointId);
      if (!pc || !pc.waiting.delete(ack.taskId)) continue;
      pc.states.set(ack.taskId, ack.state);
      if (pc.waiting.size === 0) this.complete(pc, now);
    }
    return rejected;
  }

  private complete(pc: Pending, now: number): void {
    this.pending.delete(pc.id);
    this.completed.push({ id: pc.id, states: pc.states });
    if (this.completed.length > 1) this.completed.shift();
    for (const t of this.tasks) {
      this.send({ type: 'notifyCheckpointComplete', jobId: this.jobId, taskId: t, attempt: 0, checkpointId: pc.id, timestamp: now, lastSubsumedCheckpointId: pc.id - 1 });
    }
  }
}
