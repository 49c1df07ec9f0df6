/**
 * The run log: what `snapwright demo --log FILE` writes, and `snapwright view` reads. JSON lines:
 *
 * ```
 * {"snapwright":"run-log","version":1,"jobId":"demo-job"}              header, first line
 * {"t":"msg","kind":"control","from":"coordinator","to":"source#0","text":"triggerCheckpoint(1)"}
 * {"t":"state","actor":"source#0","attempt":0,"value":{"lifecycle":"running","barriers":"triggeredByCoordinator"}}
 * {"t":"obs","obs":{"kind":"completed","checkpointId":1,"snapshot":"checkpoint"}}
 * ```
 *
 * `msg` is a {@link TraceEntry} of the in-process harness, written before it is delivered; `state`
 * is an actor's new state value, written when its snapshot changes (an XState inspection observer
 * sees every snapshot), so the states after a message are the `state` lines that follow it; `obs`
 * is one of the coordinator's checkpoint observations (created, stored, completed, aborted).
 * @packageDocumentation
 */
import { closeSync, fsyncSync, openSync, writeSync } from 'node:fs';
import type { InspectionEvent } from 'xstate';
import type { Observation } from '../spec/index.js';
import type { LocalJob, TraceEntry } from '../runtime/harness/index.js';
import type { ActorState, CheckpointMark, ViewerActor, ViewerMessage, ViewerRun, ViewerStep } from './run.js';

/** The header line. */
export interface RunLogHeader {
  /** Format marker. */
  readonly snapwright: 'run-log';
  /** Format version. */
  readonly version: 1;
  /** The job. */
  readonly jobId: string;
}

/** One line after the header. */
export type RunLogRecord =
  | ({ readonly t: 'msg' } & TraceEntry)
  | { readonly t: 'state'; readonly actor: string; readonly attempt: number; readonly value: unknown }
  | { readonly t: 'obs'; readonly obs: Observation };

/** The coordinator's observations a run log keeps. */
const CHECKPOINT_OBSERVATIONS: ReadonlySet<Observation['kind']> = new Set(['pendingCreated', 'stored', 'completed', 'aborted']);

/** Which actor a snapshot belongs to: a task's context names it, the coordinator's does not. */
function actorOf(snapshot: unknown): { actor: string; attempt: number } {
  const config = (snapshot as { context?: { config?: { taskId?: unknown; attempt?: unknown } } }).context?.config;
  return config && typeof config.taskId === 'string' ? { actor: config.taskId, attempt: Number(config.attempt) } : { actor: 'coordinator', attempt: 0 };
}

/**
 * Writes a run log of a {@link LocalJob}: give {@link RunLogRecorder.onTrace} and
 * {@link RunLogRecorder.inspect} to `LocalJob.create`, then {@link RunLogRecorder.attach} the job.
 */
export class RunLogRecorder {
  private readonly last = new Map<string, string>();

  /**
   * Starts a log with its header.
   * @param write - writes one line (without the newline).
   * @param jobId - the job.
   */
  constructor(
    private readonly write: (line: string) => void,
    jobId: string,
  ) {
    const header: RunLogHeader = { snapwright: 'run-log', version: 1, jobId };
    write(JSON.stringify(header));
  }

  /** The harness's trace callback: one `msg` line per entry. */
  readonly onTrace = (entry: TraceEntry): void => {
    this.record({ t: 'msg', ...entry });
  };

  /** The inspection observer: a `state` line whenever an actor's state value changes. */
  readonly inspect = (event: InspectionEvent): void => {
    if (event.type !== '@xstate.snapshot') return;
    const snapshot = event.snapshot as { value?: unknown };
    const { actor, attempt } = actorOf(snapshot);
    const key = JSON.stringify([attempt, snapshot.value]);
    if (this.last.get(actor) === key) return;
    this.last.set(actor, key);
    this.record({ t: 'state', actor, attempt, value: snapshot.value });
  };

  /**
   * Records the coordinator's checkpoint observations from now on.
   * @param job - the job (created with this recorder's callbacks).
   */
  attach(job: LocalJob): void {
    job.coordinator.onObservation((o) => {
      if (CHECKPOINT_OBSERVATIONS.has(o.kind)) this.record({ t: 'obs', obs: o });
    });
  }

  private record(r: RunLogRecord): void {
    this.write(JSON.stringify(r));
  }
}

/** A run log file being written: lines appended, synced to disk on close. */
export interface RunLogFile {
  /** Appends one line. */
  readonly write: (line: string) => void;
  /** Syncs and closes the file. */
  close(): void;
}

/**
 * Opens (truncates) a run log file.
 * @param path - the file.
 */
export function openRunLogFile(path: string): RunLogFile {
  const fd = openSync(path, 'w');
  return {
    write: (line) => void writeSync(fd, `${line}\n`),
    close: () => {
      fsyncSync(fd);
      closeSync(fd);
    },
  };
}

/** A run log that cannot be read: says which line and why. */
export class RunLogError extends Error {
  /**
   * @param line - the 1-based line number.
   * @param message - what is wrong.
   */
  constructor(
    readonly line: number,
    message: string,
  ) {
    super(`line ${line}: ${message}`);
    this.name = 'RunLogError';
  }
}

/**
 * Whether a text starts like a run log (its first line is the header).
 * @param text - the file's text.
 */
export function isRunLog(text: string): boolean {
  const first = text.slice(0, text.indexOf('\n') < 0 ? text.length : text.indexOf('\n'));
  try {
    return (JSON.parse(first) as Partial<RunLogHeader>).snapwright === 'run-log';
  } catch {
    return false;
  }
}

function checkRecord(r: unknown, line: number): RunLogRecord {
  const o = r as Record<string, unknown> | null;
  if (!o || typeof o !== 'object') throw new RunLogError(line, 'not a JSON object');
  const str = (k: string) => {
    if (typeof o[k] !== 'string') throw new RunLogError(line, `${k} must be a string`);
  };
  switch (o.t) {
    case 'msg':
      ['from', 'to', 'text'].forEach(str);
      if (!['control', 'data', 'commit', 'job'].includes(o.kind as string)) throw new RunLogError(line, `unknown message kind ${JSON.stringify(o.kind)}`);
      return o as RunLogRecord;
    case 'state':
      str('actor');
      if (typeof o.attempt !== 'number') throw new RunLogError(line, 'attempt must be a number');
      if (o.value === undefined) throw new RunLogError(line, 'value is missing');
      return o as RunLogRecord;
    case 'obs':
      if (!o.obs || typeof (o.obs as { kind?: unknown }).kind !== 'string') throw new RunLogError(line, 'obs must be an observation');
      return o as RunLogRecord;
    default:
      throw new RunLogError(line, `unknown record type ${JSON.stringify(o.t)}`);
  }
}

/**
 * Reads a run log.
 * @param text - the file's text.
 * @throws RunLogError naming the line of the first problem.
 */
export function parseRunLog(text: string): { header: RunLogHeader; records: RunLogRecord[] } {
  const lines = text.split('\n');
  const parse = (i: number): unknown => {
    try {
      return JSON.parse(lines[i] as string);
    } catch (e) {
      throw new RunLogError(i + 1, `not JSON: ${(e as Error).message}`);
    }
  };
  const header = parse(0) as Partial<RunLogHeader> | null;
  if (!header || header.snapwright !== 'run-log' || header.version !== 1 || typeof header.jobId !== 'string') throw new RunLogError(1, 'not a snapwright run log (version 1) header');
  const records: RunLogRecord[] = [];
  for (let i = 1; i < lines.length; i++) if ((lines[i] as string).trim() !== '') records.push(checkRecord(parse(i), i + 1));
  return { header: header as RunLogHeader, records };
}

function messageOf(r: TraceEntry): ViewerMessage {
  if (r.kind === 'control' || r.kind === 'data') return { kind: r.kind, from: r.from, to: r.to, text: r.text, mark: 'delivered' };
  return { kind: 'note', from: r.from, to: r.from, text: r.text, mark: 'delivered' };
}

function markOf(o: Observation, step: number): CheckpointMark | null {
  switch (o.kind) {
    case 'pendingCreated':
      return { step, checkpointId: o.checkpointId, kind: 'pending', detail: o.snapshot };
    case 'stored':
    case 'completed':
      return { step, checkpointId: o.checkpointId, kind: o.kind, detail: '' };
    case 'aborted':
      return { step, checkpointId: o.checkpointId, kind: 'aborted', detail: o.reason };
    default:
      return null;
  }
}

/**
 * The viewer's run of a run log.
 * @param text - the file's text.
 * @throws RunLogError when it is not a run log.
 */
export function runOfRunLog(text: string): ViewerRun {
  const { header, records } = parseRunLog(text);
  const actors: ViewerActor[] = [{ id: 'coordinator', machine: 'coordinator' }];
  const known = new Set(['coordinator']);
  const meet = (id: string) => {
    if (id === '' || known.has(id)) return;
    known.add(id);
    actors.push({ id, machine: 'task' });
  };
  let current: Record<string, ActorState> = {};
  let initial: Record<string, ActorState> | null = null;
  const steps: Array<Omit<ViewerStep, 'states'> & { states: Record<string, ActorState> }> = [];
  const checkpoints: CheckpointMark[] = [];
  for (const r of records) {
    if (r.t === 'msg') {
      if (initial === null) initial = current;
      meet(r.from);
      meet(r.to);
      current = { ...current };
      steps.push({ label: `${r.from} ${r.kind === 'data' ? '=>' : '->'} ${r.to || '(self)'}: ${r.text}`, fault: false, message: messageOf(r), states: current, notes: [] });
    } else if (r.t === 'state') {
      meet(r.actor);
      current[r.actor] = { value: r.value, attempt: r.attempt };
    } else {
      const mark = markOf(r.obs, steps.length);
      if (mark) checkpoints.push(mark);
    }
  }
  return {
    title: `run of ${header.jobId}`,
    subtitle: `${steps.length} steps, ${actors.length - 1} tasks (run log)`,
    actors,
    initial: initial ?? current,
    steps,
    checkpoints,
  };
}
