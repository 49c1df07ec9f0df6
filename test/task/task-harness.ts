/**
 * Steps the pure task machine with xstate's `transition()`, collecting its commands. Optionally
 * answers the ports the way synchronous ports of the runtime do (restore, snapshot parts): the
 * replies are queued and delivered after the step, in command order.
 * @packageDocumentation
 */
import { commandsOf as commandsOfActions } from '../../machines/effects.js';
import { initialTransition, transition } from 'xstate';
import type { SnapshotFrom } from 'xstate';
import type { CheckpointId, CheckpointOptions, DeclineReason, StreamEvent, TaskToCoordinatorMessage } from '../../spec/index.js';
import { streamEvent, taskMachine, taskView } from '../../machines/task/index.js';
import type { TaskCommand, TaskEvent, TaskInput, TaskView } from '../../machines/task/index.js';

/** The machine's snapshot type. */
export type TaskSnapshot = SnapshotFrom<typeof taskMachine>;

/** The job of every test task. */
export const JOB = 'job-1';
/** The default task id. */
export const TASK = 'map#0';

/** Checkpoint options used by the tests. */
export const OPTIONS = {
  aligned: { snapshot: 'checkpoint', alignment: 'aligned', alignedCheckpointTimeoutMs: 0 },
  unaligned: { snapshot: 'checkpoint', alignment: 'unaligned', alignedCheckpointTimeoutMs: 0 },
  atLeastOnce: { snapshot: 'checkpoint', alignment: 'at-least-once', alignedCheckpointTimeoutMs: 0 },
  timeout: (ms: number): CheckpointOptions => ({ snapshot: 'checkpoint', alignment: 'aligned', alignedCheckpointTimeoutMs: ms }),
  savepoint: { snapshot: 'savepoint', alignment: 'aligned', alignedCheckpointTimeoutMs: 0 },
  stop: (syncMode: 'suspend' | 'terminate'): CheckpointOptions => ({ snapshot: 'sync-savepoint', syncMode, alignment: 'aligned', alignedCheckpointTimeoutMs: 0 }),
} satisfies Record<string, CheckpointOptions | ((...args: never[]) => CheckpointOptions)>;

/** How a harness answers the ports. */
export interface HarnessOptions {
  /** Start and initialize the task so it runs (default true). */
  readonly run?: boolean;
  /** Answer `initializeState` at once (default true). */
  readonly syncReplies?: boolean;
  /** Answer `snapshotAsync` at once with a handle (default true). */
  readonly asyncReplies?: boolean;
}

/** The pure task machine with a command log. */
export class TaskHarness {
  /** The current snapshot. */
  snapshot: TaskSnapshot;
  /** Every command emitted, in order. */
  readonly commands: TaskCommand[] = [];
  /** The clock; events are stamped with it. */
  now = 1000;
  /** The task's input. */
  readonly input: TaskInput;
  private readonly syncReplies: boolean;
  asyncReplies: boolean;

  /**
   * @param input - overrides of the default input (a task with 2 aligned channels).
   * @param options - see {@link HarnessOptions}.
   */
  constructor(input: Partial<TaskInput> = {}, options: HarnessOptions = {}) {
    this.input = { jobId: JOB, taskId: TASK, attempt: 0, inputChannels: 2, ...input };
    this.syncReplies = options.syncReplies ?? true;
    this.asyncReplies = options.asyncReplies ?? true;
    const [snapshot, actions] = initialTransition(taskMachine, this.input);
    this.snapshot = snapshot;
    this.commands.push(...commandsOf(actions));
    if (options.run ?? true) {
      this.send({ type: 'task.start', now: this.now });
      if (!this.syncReplies) this.send({ type: 'task.initialized', now: this.now });
    }
  }

  /** The readable view. */
  get view(): TaskView {
    return taskView(this.snapshot);
  }

  /** The state value, as JSON (for compact assertions). */
  get value(): string {
    return JSON.stringify(this.snapshot.value);
  }

  /**
   * Delivers one event (and, with replies, every port answer it causes).
   * @param event - the event.
   * @returns the commands of this event and of the replies, in order.
   */
  send(event: TaskEvent): TaskCommand[] {
    const queue: TaskEvent[] = [event];
    // Rests of batches (`continueBatch`) go after every reply, as the runtime delivers them.
    const continuations: TaskEvent[] = [];
    const produced: TaskCommand[] = [];
    while (queue.length > 0 || continuations.length > 0) {
      const next = (queue.length > 0 ? queue.shift() : continuations.shift()) as TaskEvent;
      const [snapshot, actions] = transition(taskMachine, this.snapshot, next);
      this.snapshot = snapshot;
      const commands = commandsOf(actions);
      this.commands.push(...commands);
      produced.push(...commands);
      for (const c of commands) {
        if (c.kind === 'initializeState' && this.syncReplies) queue.push({ type: 'task.initialized', now: this.now });
        if (c.kind === 'snapshotAsync' && this.asyncReplies) queue.push({ type: 'snapshot.asyncCompleted', checkpointId: c.checkpointId, state: { key: `${TASK}/${c.checkpointId}`, sizeBytes: 7 }, now: this.now });
        if (c.kind === 'continueBatch') continuations.push({ type: 'stream.batch', events: c.events, now: c.now });
      }
    }
    return produced;
  }

  /**
   * Delivers an in-band event on `channel`.
   * @param channel - the input channel.
   * @param event - the event.
   */
  stream(channel: number, event: StreamEvent): TaskCommand[] {
    return this.send(streamEvent(channel, event, this.now));
  }

  /**
   * Delivers several in-band events as one `stream.batch` (and its continuations).
   * @param items - `[channel, event]` pairs, at most one per channel.
   */
  batch(items: ReadonlyArray<readonly [number, StreamEvent]>): TaskCommand[] {
    return this.send({ type: 'stream.batch', events: items.map(([channel, event]) => ({ channel, event })), now: this.now });
  }

  /**
   * A barrier of checkpoint `id` on `channel`.
   * @param channel - the channel.
   * @param id - the checkpoint.
   * @param options - its options (default aligned).
   * @param timestamp - its timestamp (default: now).
   */
  barrier(channel: number, id: CheckpointId, options: CheckpointOptions = OPTIONS.aligned, timestamp = this.now): TaskCommand[] {
    return this.stream(channel, { type: 'barrier', checkpointId: id, timestamp, options });
  }

  /**
   * A cancel marker of checkpoint `id` on `channel`.
   * @param channel - the channel.
   * @param id - the checkpoint.
   */
  cancelMarker(channel: number, id: CheckpointId): TaskCommand[] {
    return this.stream(channel, { type: 'cancelMarker', checkpointId: id });
  }

  /**
   * End of partition on `channel`.
   * @param channel - the channel.
   */
  endOfPartition(channel: number): TaskCommand[] {
    return this.stream(channel, { type: 'endOfPartition' });
  }

  /**
   * A trigger from the coordinator.
   * @param id - the checkpoint.
   * @param options - its options.
   * @param over - field overrides (e.g. another job).
   */
  trigger(id: CheckpointId, options: CheckpointOptions = OPTIONS.aligned, over: Record<string, unknown> = {}): TaskCommand[] {
    return this.send({ type: 'triggerCheckpoint', jobId: JOB, taskId: this.input.taskId, attempt: this.input.attempt, checkpointId: id, timestamp: this.now, options, now: this.now, ...over } as TaskEvent);
  }

  /**
   * `complete(id)`.
   * @param id - the completed checkpoint.
   */
  complete(id: CheckpointId): TaskCommand[] {
    return this.send({ type: 'notifyCheckpointComplete', jobId: JOB, taskId: this.input.taskId, attempt: this.input.attempt, checkpointId: id, timestamp: 1, lastSubsumedCheckpointId: -1, now: this.now });
  }

  /**
   * `aborted(id, latestCompleted)`.
   * @param id - the aborted checkpoint.
   * @param latestCompleted - the latest completed checkpoint, or -1.
   */
  aborted(id: CheckpointId, latestCompleted = -1): TaskCommand[] {
    return this.send({ type: 'notifyCheckpointAborted', jobId: JOB, taskId: this.input.taskId, attempt: this.input.attempt, checkpointId: id, latestCompletedCheckpointId: latestCompleted, timestamp: 1, now: this.now });
  }
}

/**
 * The command params of some xstate actions.
 * @param actions - actions from `transition()`.
 */
export function commandsOf(actions: ReadonlyArray<{ type: string; params?: unknown }>): TaskCommand[] {
  return commandsOfActions<TaskCommand>(actions);
}

/**
 * The control messages among some commands.
 * @param commands - commands.
 */
export function messages(commands: readonly TaskCommand[]): TaskToCoordinatorMessage[] {
  return commands.flatMap((c) => (c.kind === 'sendToCoordinator' ? [c.message] : []));
}

/**
 * The declines among some commands, as `[id, reason]`.
 * @param commands - commands.
 */
export function declines(commands: readonly TaskCommand[]): Array<[CheckpointId, DeclineReason]> {
  return messages(commands).flatMap((m) => (m.type === 'declineCheckpoint' ? [[m.checkpointId, m.reason] as [CheckpointId, DeclineReason]] : []));
}

/**
 * The acknowledged ids among some commands.
 * @param commands - commands.
 */
export function acks(commands: readonly TaskCommand[]): CheckpointId[] {
  return messages(commands).flatMap((m) => (m.type === 'acknowledgeCheckpoint' ? [m.checkpointId] : []));
}

/**
 * The broadcast events among some commands, compactly: `barrier:1`, `cancelMarker:2`, `endOfPartition`.
 * @param commands - commands.
 */
export function broadcasts(commands: readonly TaskCommand[]): string[] {
  return commands.flatMap((c) => (c.kind === 'broadcast' ? [c.event.type === 'endOfPartition' ? 'endOfPartition' : `${c.event.type}:${(c.event as { checkpointId: number }).checkpointId}`] : []));
}

/**
 * The channel commands among some commands, compactly: `block:0`, `unblock:1`, `capture:2`, `release:2`.
 * @param commands - commands.
 */
export function channelOps(commands: readonly TaskCommand[]): string[] {
  const names: Record<string, string> = { blockChannel: 'block', unblockChannel: 'unblock', startCapture: 'capture', stopCapture: 'release' };
  return commands.flatMap((c) => ('channel' in c && names[c.kind] ? [`${names[c.kind]}:${c.channel}`] : []));
}

/**
 * The reported execution states among some commands.
 * @param commands - commands.
 */
export function reported(commands: readonly TaskCommand[]): string[] {
  return messages(commands).flatMap((m) => (m.type === 'taskStateChanged' ? [m.state] : []));
}

/**
 * The commands of one kind.
 * @param commands - commands.
 * @param kind - the kind.
 */
export function ofKind<K extends TaskCommand['kind']>(commands: readonly TaskCommand[], kind: K): Array<Extract<TaskCommand, { kind: K }>> {
  return commands.filter((c): c is Extract<TaskCommand, { kind: K }> => c.kind === kind);
}
