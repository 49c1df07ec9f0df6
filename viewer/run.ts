/**
 * What the viewer shows, whatever it was read from (a checker trace or a run log): the actors, the
 * state of each after every step, the message of each step (delivered, dropped or duplicated), and
 * the life of each checkpoint.
 * @packageDocumentation
 */

/** The machine an actor runs. */
export type ActorMachine = 'coordinator' | 'task';

/** One actor: the coordinator or a task (all its attempts). */
export interface ViewerActor {
  /** `coordinator` or the task id. */
  readonly id: string;
  /** Its machine. */
  readonly machine: ActorMachine;
}

/** What the network did with a message. */
export type MessageMark = 'delivered' | 'dropped' | 'duplicated';

/** The message (or note) of a step, for the sequence diagram. */
export interface ViewerMessage {
  /** `control` between the coordinator and a task, `data` between tasks, `note` on one actor. */
  readonly kind: 'control' | 'data' | 'note';
  /** The sender (for a note: the actor it is about). */
  readonly from: string;
  /** The receiver (for a note: the same actor). */
  readonly to: string;
  /** What, in a few words. */
  readonly text: string;
  /** Delivered, dropped (lost) or duplicated (delivered and kept in the network). */
  readonly mark: MessageMark;
}

/** The state of an actor after a step. */
export interface ActorState {
  /** The XState state value (for a task from a trace: lifecycle and input side). */
  readonly value: unknown;
  /** The attempt (tasks). */
  readonly attempt: number;
}

/** One step. */
export interface ViewerStep {
  /** What happened, in words. */
  readonly label: string;
  /** Whether it was a fault (loss, duplication, crash). */
  readonly fault: boolean;
  /** The message or note of the step. */
  readonly message: ViewerMessage | null;
  /** Every actor's state after the step. */
  readonly states: Readonly<Record<string, ActorState>>;
  /** Properties broken or reached at this step, in words. */
  readonly notes: readonly string[];
}

/** Something that happened to a checkpoint. */
export interface CheckpointMark {
  /** The step (0: before the first). */
  readonly step: number;
  /** The checkpoint. */
  readonly checkpointId: number;
  /** `pending` (created), `stored`, `completed` or `aborted`. */
  readonly kind: 'pending' | 'stored' | 'completed' | 'aborted';
  /** More, e.g. the abort reason. */
  readonly detail: string;
}

/** A run, ready to show. */
export interface ViewerRun {
  /** The headline. */
  readonly title: string;
  /** A line under it. */
  readonly subtitle: string;
  /** The actors, coordinator first. */
  readonly actors: readonly ViewerActor[];
  /** Every actor's state before the first step. */
  readonly initial: Readonly<Record<string, ActorState>>;
  /** The steps. */
  readonly steps: readonly ViewerStep[];
  /** The checkpoints' marks, in step order. */
  readonly checkpoints: readonly CheckpointMark[];
}
