/**
 * Fault injection, all drawn from one seed: a control link that drops, duplicates and delays
 * messages, and a plan of task and coordinator kills at points of the input's progress. A kill
 * waits for a checkpoint in the middle of its acknowledgements (up to a grace period), so kills
 * land where recovery is hardest.
 *
 * Drops spare `taskStateChanged`: deployment updates travel on a reliable path (Flink's RPC to
 * the JobMaster is retried), so a dropped one would only stall the job, not test the protocol.
 * They are still duplicated and delayed.
 * @packageDocumentation
 */
import type { TaskId } from '../spec/index.js';
import type { Timers } from '../runtime/time.js';
import type { ControlEndpoints, ControlEnvelope, ControlTransport } from './control-transport.js';
import type { Random } from './random.js';

/** What to inject. */
export interface FaultOptions {
  /** Probability in [0, 1) that a control message is dropped. */
  readonly drop: number;
  /** Probability in [0, 1) that a control message is delivered twice. */
  readonly dup: number;
  /** Each control message is delayed by a uniform number of milliseconds in [0, delay]. */
  readonly delay: number;
  /** Tasks to kill during the run. */
  readonly killTask: number;
  /** Times to kill the coordinator during the run. */
  readonly killCoordinator: number;
}

/** No faults. */
export const NO_FAULTS: FaultOptions = { drop: 0, dup: 0, delay: 0, killTask: 0, killCoordinator: 0 };

/** Counts of injected faults. */
export interface FaultCounts {
  /** Control messages dropped. */
  dropped: number;
  /** Control messages duplicated. */
  duplicated: number;
  /** Control messages delayed (by at least 1 ms). */
  delayed: number;
  /** Tasks killed. */
  tasksKilled: number;
  /** Coordinator kills. */
  coordinatorsKilled: number;
}

/**
 * The number of faults in a count.
 * @param c - the counts.
 */
export function faultsInjected(c: FaultCounts): number {
  return c.dropped + c.duplicated + c.delayed + c.tasksKilled + c.coordinatorsKilled;
}

/** A transport that loses, repeats and delays what another transport carries. */
export class FaultyTransport implements ControlTransport {
  private waiting = 0;
  private next = 0;

  /**
   * Wraps a transport.
   * @param inner - the transport that carries what survives.
   * @param options - probabilities and the delay bound.
   * @param random - the seeded stream for these faults.
   * @param timers - for delays.
   * @param counts - where to count what was injected.
   */
  constructor(
    private readonly inner: ControlTransport,
    private readonly options: FaultOptions,
    private readonly random: Random,
    private readonly timers: Timers,
    readonly counts: FaultCounts,
  ) {}

  /** {@inheritDoc ControlTransport.inFlight} */
  get inFlight(): number {
    return this.inner.inFlight + this.waiting;
  }

  /** {@inheritDoc ControlTransport.send} */
  send(envelope: ControlEnvelope): void {
    if (envelope.message.type !== 'taskStateChanged' && this.random.chance(this.options.drop)) {
      this.counts.dropped++;
      return;
    }
    const copies = this.random.chance(this.options.dup) ? 2 : 1;
    if (copies === 2) this.counts.duplicated++;
    for (let i = 0; i < copies; i++) {
      const ms = this.options.delay > 0 ? this.random.int(this.options.delay + 1) : 0;
      if (ms === 0) {
        this.inner.send(envelope);
        continue;
      }
      this.counts.delayed++;
      this.waiting++;
      this.timers.set(`fault/delay/${this.next++}`, ms, () => {
        this.waiting--;
        this.inner.send(envelope);
      });
    }
  }

  /** {@inheritDoc ControlTransport.deliver} */
  deliver(endpoints: ControlEndpoints, max: number): number {
    return this.inner.deliver(endpoints, max);
  }
}

/** One planned kill. */
export interface PlannedKill {
  /** What dies. */
  readonly kind: 'task' | 'coordinator';
  /** For a task kill: which task. */
  readonly taskId: TaskId | null;
  /** The fraction of the input read when the kill is armed. */
  readonly at: number;
}

/** What the run tells the plan about the job right now. */
export interface JobMoment {
  /** Fraction of the input read, in [0, 1]. */
  readonly progress: number;
  /** The time. */
  readonly now: number;
  /** Whether a checkpoint is pending with some but not all acknowledgements. */
  readonly midCheckpoint: boolean;
  /** Whether the coordinator is writing a completed checkpoint to its store. */
  readonly storing: boolean;
}

/** The kills of a run, in input order, each fired once. */
export class KillPlan {
  private readonly kills: PlannedKill[] = [];
  private armedAt: number | null = null;

  /**
   * Draws the kills.
   * @param options - how many of each.
   * @param random - the seeded stream for kills.
   * @param taskIds - the tasks a kill may pick.
   * @param graceMs - how long an armed kill waits for a checkpoint in the middle of its acknowledgements.
   */
  constructor(
    options: FaultOptions,
    random: Random,
    taskIds: readonly TaskId[],
    private readonly graceMs: number,
  ) {
    for (let i = 0; i < options.killTask; i++) this.kills.push({ kind: 'task', taskId: taskIds[random.int(taskIds.length)] ?? null, at: 0.1 + 0.8 * random.next() });
    for (let i = 0; i < options.killCoordinator; i++) this.kills.push({ kind: 'coordinator', taskId: null, at: 0.1 + 0.8 * random.next() });
    this.kills.sort((a, b) => a.at - b.at);
  }

  /** Kills not fired yet. */
  get remaining(): number {
    return this.kills.length;
  }

  /**
   * The kill to fire now, if any (it is then removed from the plan).
   * @param m - the job now.
   */
  due(m: JobMoment): PlannedKill | null {
    const next = this.kills[0];
    if (next === undefined || m.progress < next.at) return null;
    this.armedAt ??= m.now;
    const ripe = next.kind === 'task' ? m.midCheckpoint : m.midCheckpoint && !m.storing;
    if (!ripe && m.now - this.armedAt < this.graceMs) return null;
    if (next.kind === 'coordinator' && m.storing) return null;
    this.armedAt = null;
    return this.kills.shift() as PlannedKill;
  }
}
