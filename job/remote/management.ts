/**
 * Job management between the coordinator process and the task processes of a remote run: which
 * process runs which task attempt, restored from which checkpoint. This is not part of the
 * checkpoint protocol (spec/): it is what Flink's JobMaster does when it deploys tasks. Tasks say
 * `hello` (periodically, so a restarted coordinator finds them), the coordinator answers with a
 * `deploy` of a new attempt, each task reports `deployed` once its inputs are subscribed, and
 * then every task gets `start`. Sources report `atEnd` (a snapshot taken at the end of their
 * partition), sinks report `committed`; when the job is done the coordinator sends `stop`.
 *
 * Every message names its job; coordinator messages carry the leader epoch, and a task ignores a
 * `deploy`/`start` of an older epoch or an older attempt (a deposed coordinator's messages left
 * in a broker queue change nothing). Messages tolerate duplicates and reordering.
 * @packageDocumentation
 */
import type { Rejection } from '../../spec/index.js';

/** Milliseconds between two `hello`s of a task process. */
export const HELLO_MS = 500;

/** A task process introduces itself (sent periodically). */
export interface Hello {
  /** The message kind. */
  readonly kind: 'hello';
  /** The job. */
  readonly jobId: string;
  /** The task the process runs. */
  readonly taskId: string;
  /** A random id of the process (a restarted process has a new one). */
  readonly instance: string;
  /** Where the process serves its HTTP inboxes (`http://host:port`), or null without HTTP. */
  readonly origin: string | null;
  /** Its current attempt, or -1. */
  readonly attempt: number;
  /** Whether its current attempt is a source that read its partition to the end. */
  readonly exhausted: boolean;
}

/** The coordinator deploys a new attempt of a task. */
export interface Deploy {
  /** The message kind. */
  readonly kind: 'deploy';
  /** The job. */
  readonly jobId: string;
  /** The task. */
  readonly taskId: string;
  /** The process instance it is meant for. */
  readonly instance: string;
  /** The coordinator's leader epoch. */
  readonly epoch: number;
  /** The new attempt. */
  readonly attempt: number;
  /** The checkpoint to restore (`encodeCheckpoint` text), or null to start empty. */
  readonly restore: string | null;
  /** Where every task process serves HTTP (by task id); empty without HTTP data channels. */
  readonly peers: Readonly<Record<string, string>>;
}

/** A task deployed its attempt (inputs subscribed, not started). */
export interface Deployed {
  /** The message kind. */
  readonly kind: 'deployed';
  /** The job. */
  readonly jobId: string;
  /** The task. */
  readonly taskId: string;
  /** The attempt. */
  readonly attempt: number;
}

/** Every task deployed: start the attempt. */
export interface Start {
  /** The message kind. */
  readonly kind: 'start';
  /** The job. */
  readonly jobId: string;
  /** The task. */
  readonly taskId: string;
  /** The coordinator's leader epoch. */
  readonly epoch: number;
  /** The attempt to start. */
  readonly attempt: number;
}

/** The job is done: the task process exits. */
export interface Stop {
  /** The message kind. */
  readonly kind: 'stop';
  /** The job. */
  readonly jobId: string;
  /** The task. */
  readonly taskId: string;
  /** The coordinator's leader epoch. */
  readonly epoch: number;
}

/** A source snapshotted checkpoint `checkpointId` at the end of its partition. */
export interface AtEnd {
  /** The message kind. */
  readonly kind: 'atEnd';
  /** The job. */
  readonly jobId: string;
  /** The task. */
  readonly taskId: string;
  /** The checkpoint. */
  readonly checkpointId: number;
}

/** A sink committed the transactions of checkpoint `checkpointId`. */
export interface Committed {
  /** The message kind. */
  readonly kind: 'committed';
  /** The job. */
  readonly jobId: string;
  /** The task. */
  readonly taskId: string;
  /** The checkpoint. */
  readonly checkpointId: number;
}

/** What a task process sends to the coordinator process. */
export type ToCoordinator = Hello | Deployed | AtEnd | Committed;
/** What the coordinator process sends to a task process. */
export type ToTask = Deploy | Start | Stop;
/** Any job-management message. */
export type ManagementMessage = ToCoordinator | ToTask;

const ENCODER = new TextEncoder();
const DECODER = new TextDecoder('utf-8', { fatal: true });

/**
 * The bytes of a message (UTF-8 JSON).
 * @param message - the message.
 */
export function encodeManagement(message: ManagementMessage): Uint8Array {
  return ENCODER.encode(JSON.stringify(message));
}

type Field = 'string' | 'integer' | 'boolean' | 'origin' | 'restore' | 'peers';

const FIELDS: Readonly<Record<ManagementMessage['kind'], Readonly<Record<string, Field>>>> = {
  hello: { jobId: 'string', taskId: 'string', instance: 'string', origin: 'origin', attempt: 'integer', exhausted: 'boolean' },
  deploy: { jobId: 'string', taskId: 'string', instance: 'string', epoch: 'integer', attempt: 'integer', restore: 'restore', peers: 'peers' },
  deployed: { jobId: 'string', taskId: 'string', attempt: 'integer' },
  start: { jobId: 'string', taskId: 'string', epoch: 'integer', attempt: 'integer' },
  stop: { jobId: 'string', taskId: 'string', epoch: 'integer' },
  atEnd: { jobId: 'string', taskId: 'string', checkpointId: 'integer' },
  committed: { jobId: 'string', taskId: 'string', checkpointId: 'integer' },
};

const fits = (type: Field, v: unknown): boolean => {
  switch (type) {
    case 'string':
      return typeof v === 'string' && v.length > 0;
    case 'integer':
      return Number.isSafeInteger(v) && (v as number) >= -1;
    case 'boolean':
      return typeof v === 'boolean';
    case 'origin':
      return v === null || (typeof v === 'string' && /^https?:\/\/[^/]+$/.test(v));
    case 'restore':
      return v === null || typeof v === 'string';
    case 'peers':
      return typeof v === 'object' && v !== null && !Array.isArray(v) && Object.values(v).every((o) => typeof o === 'string' && /^https?:\/\/[^/]+$/.test(o));
  }
};

const malformed = (path: string, message: string): { ok: false; rejection: Rejection } => ({ ok: false, rejection: { code: 'malformed', path, message } });

/**
 * Decodes and checks a message of the direction `allowed`; anything else is a typed `malformed`
 * rejection naming the first bad field.
 * @param bytes - the received bytes.
 * @param allowed - the kinds this side takes.
 */
export function decodeManagement<K extends ManagementMessage['kind']>(
  bytes: Uint8Array,
  allowed: readonly K[],
): { ok: true; value: Extract<ManagementMessage, { kind: K }> } | { ok: false; rejection: Rejection } {
  let doc: unknown;
  try {
    doc = JSON.parse(DECODER.decode(bytes));
  } catch {
    return malformed('$', 'is not UTF-8 JSON');
  }
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) return malformed('$', 'is not an object');
  const kind = (doc as { kind?: unknown }).kind;
  if (typeof kind !== 'string' || !(allowed as readonly string[]).includes(kind)) return malformed('$.kind', `must be one of ${allowed.join(', ')}, got ${String(kind)}`);
  const fields = FIELDS[kind as K];
  for (const [name, type] of Object.entries(fields)) {
    if (!fits(type, (doc as Record<string, unknown>)[name])) return malformed(`$.${name}`, `must be a valid ${type}`);
  }
  return { ok: true, value: doc as Extract<ManagementMessage, { kind: K }> };
}

/** The kinds a task process takes. */
export const TO_TASK: ReadonlyArray<ToTask['kind']> = ['deploy', 'start', 'stop'];
/** The kinds the coordinator process takes. */
export const TO_COORDINATOR: ReadonlyArray<ToCoordinator['kind']> = ['hello', 'deployed', 'atEnd', 'committed'];

/** Where a task process stands, for {@link taskDecision}. */
export interface TaskStanding {
  /** The job. */
  readonly jobId: string;
  /** The task. */
  readonly taskId: string;
  /** The process's instance id. */
  readonly instance: string;
  /** The highest leader epoch seen. */
  readonly epoch: number;
  /** The current attempt, or -1. */
  readonly attempt: number;
}

/** What a task process does with a message: nothing, deploy it, start the current attempt, start a coming one when it is deployed, or stop. */
export type TaskDecision = 'ignore' | 'deploy' | 'start' | 'start-later' | 'stop';

/**
 * The fencing of job management on the task's side: a message of another job or task, of an
 * older leader epoch (a deposed coordinator's, e.g. left in a broker queue), a deploy meant for
 * another process of the task, or of an attempt not above the current one, is ignored.
 * @param m - a message to the task.
 * @param s - where the process stands.
 */
export function taskDecision(m: ToTask, s: TaskStanding): TaskDecision {
  if (m.jobId !== s.jobId || m.taskId !== s.taskId || m.epoch < s.epoch) return 'ignore';
  if (m.kind === 'stop') return 'stop';
  if (m.kind === 'deploy') return m.instance === s.instance && m.attempt > s.attempt ? 'deploy' : 'ignore';
  if (m.attempt === s.attempt) return 'start';
  return m.attempt > s.attempt ? 'start-later' : 'ignore';
}
