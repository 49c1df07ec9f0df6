/**
 * Which process runs each task of a remote run, and where the deployment stands: `waiting` for a
 * live process of every task, `deploying` an attempt (until every task said `deployed`), or
 * `running` it. A failover goes back to `waiting`. Attempt numbers start at `epoch × 10,000`, so
 * the attempts of a restarted coordinator (a higher leader epoch) are above every earlier one and
 * never reuse a sink's transaction ids.
 * @packageDocumentation
 */
import type { Hello } from './management.js';

/** Attempt numbers per leader epoch. */
export const ATTEMPTS_PER_EPOCH = 10_000;

interface Member {
  readonly instance: string;
  seenAt: number;
  attempt: number;
  exhausted: boolean;
}

/** The task processes of a job and the deployment's phase. */
export class JobMembership {
  /** Deployments after the first (each one a failover). */
  recoveries = 0;
  private readonly members = new Map<string, Member>();
  private readonly deployedTasks = new Set<string>();
  private phase: 'waiting' | 'deploying' | 'running' = 'waiting';
  private deployments = 0;
  private attempt = -1;

  /**
   * @param taskIds - every task of the job.
   * @param epoch - the coordinator's leader epoch.
   * @param silenceMs - a process without a hello for this long is gone.
   */
  constructor(
    private readonly taskIds: readonly string[],
    private readonly epoch: number,
    private readonly silenceMs: number,
  ) {}

  /**
   * A hello arrived; returns true when it comes from a new process of a task whose previous
   * process was part of the current deployment (that process is gone: fail over).
   * @param m - the hello.
   * @param now - the time.
   */
  hello(m: Hello, now: number): boolean {
    const known = this.members.get(m.taskId);
    if (known && known.instance === m.instance) {
      known.seenAt = now;
      known.attempt = m.attempt;
      known.exhausted = m.exhausted;
      return false;
    }
    this.members.set(m.taskId, { instance: m.instance, seenAt: now, attempt: m.attempt, exhausted: m.exhausted });
    return known !== undefined && this.phase !== 'waiting';
  }

  /**
   * Forgets a task's process (it was declared lost); a hello brings it back.
   * @param taskId - the task.
   */
  forget(taskId: string): void {
    this.members.delete(taskId);
  }

  /** Whether an attempt is deploying or running. */
  get deployed(): boolean {
    return this.phase !== 'waiting';
  }

  /** Whether the current attempt runs on every task. */
  get running(): boolean {
    return this.phase === 'running';
  }

  /** Whether every task has a live process and nothing is deployed: time to deploy. */
  get ready(): boolean {
    return this.phase === 'waiting' && this.taskIds.every((id) => this.members.has(id));
  }

  /** Back to waiting: the current attempt is over. */
  failover(): void {
    this.phase = 'waiting';
  }

  /** A deployment begins (the restore was asked for). */
  deploying(): void {
    this.phase = 'deploying';
    this.deployedTasks.clear();
  }

  /** The attempt number of the deployment that begins. */
  nextAttempt(): number {
    if (this.deployments++ > 0) this.recoveries++;
    this.attempt = this.epoch * ATTEMPTS_PER_EPOCH + this.deployments;
    this.deployedTasks.clear();
    return this.attempt;
  }

  /**
   * The process instance of a task.
   * @param taskId - the task.
   */
  instanceOf(taskId: string): string | undefined {
    return this.members.get(taskId)?.instance;
  }

  /**
   * A task deployed an attempt; true when that completes the deployment (start every task now).
   * @param taskId - the task.
   * @param attempt - its attempt.
   */
  deployedBy(taskId: string, attempt: number): boolean {
    if (this.phase !== 'deploying' || attempt !== this.attempt) return false;
    this.deployedTasks.add(taskId);
    if (this.deployedTasks.size < this.taskIds.length) return false;
    this.phase = 'running';
    return true;
  }

  /**
   * Whether a source's process says the current attempt read its partition to the end.
   * @param taskId - the source.
   */
  exhausted(taskId: string): boolean {
    const m = this.members.get(taskId);
    return m !== undefined && m.attempt === this.attempt && m.exhausted;
  }

  /**
   * A task of the deployment whose process sent no hello for too long, or null. While waiting,
   * such processes are forgotten instead (they must not count as live).
   * @param now - the time.
   */
  silent(now: number): string | null {
    for (const [id, m] of this.members) {
      if (now - m.seenAt <= this.silenceMs) continue;
      if (this.phase !== 'waiting') return id;
      this.members.delete(id);
    }
    return null;
  }
}
