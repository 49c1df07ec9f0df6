/**
 * The options of a job run, their defaults, and validation that fails fast with a `ConfigError`
 * naming the option, before anything runs.
 * @packageDocumentation
 */
import { ConfigError } from '../spec/index.js';
import type { FaultOptions } from './faults.js';
import { NO_FAULTS } from './faults.js';

/** Everything a run takes. */
export interface JobOptions {
  /** The job id. */
  readonly jobId: string;
  /** Where the run writes (sink output, snapshots, the store); null: a fresh temporary directory. */
  readonly dir: string | null;
  /** Periodic checkpoint interval in ms; null: no periodic checkpoints (only the final one). */
  readonly interval: number | null;
  /** Checkpoint timeout in ms; null: ten intervals, at least 1 s. */
  readonly timeout: number | null;
  /** Consecutive counted checkpoint failures tolerated before the job fails over. */
  readonly tolerableFailures: number;
  /** Records per input partition. */
  readonly records: number;
  /** Tasks per vertex (and partitions per side). */
  readonly parallelism: number;
  /** Distinct keys (accounts). */
  readonly keys: number;
  /** The seed of the input and of every fault. */
  readonly seed: number;
  /** Faults to inject. */
  readonly faults: FaultOptions;
  /** Serve checkpoint statistics over HTTP on this port (0: any free port); null: no server. */
  readonly restPort: number | null;
  /** Virtual time, coordinator store in memory, no fsync: a fast run that replays exactly from its seed. */
  readonly virtual: boolean;
  /** Records each source reads per round. */
  readonly sourceBatch: number;
  /** A data channel's back-pressure bound, in items. */
  readonly capacity: number;
  /** Give up after this many ms (virtual or real) and judge what was committed. */
  readonly deadline: number;
}

/** The defaults: a real-time, durable run of a few seconds. */
export const DEFAULT_JOB_OPTIONS: JobOptions = {
  jobId: 'snapwright-job',
  dir: null,
  interval: 100,
  timeout: null,
  tolerableFailures: 10,
  records: 150_000,
  parallelism: 2,
  keys: 1000,
  seed: 1,
  faults: NO_FAULTS,
  restPort: null,
  virtual: false,
  sourceBatch: 256,
  capacity: 4096,
  deadline: 120_000,
};

/** Options with every field optional and faults given one by one. */
export type JobOptionsInput = Partial<Omit<JobOptions, 'faults'>> & { readonly faults?: Partial<FaultOptions> };

const integer = (option: string, v: unknown, min: number, max = Number.MAX_SAFE_INTEGER): number => {
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < min || v > max) throw new ConfigError(option, `must be an integer from ${min} to ${max}, got ${String(v)}`);
  return v;
};

const probability = (option: string, v: unknown): number => {
  if (typeof v !== 'number' || !Number.isFinite(v) || v < 0 || v >= 1) throw new ConfigError(option, `must be a probability in [0, 1), got ${String(v)}`);
  return v;
};

/**
 * Fills in defaults and checks every option.
 * @param input - the options given.
 * @throws `ConfigError` naming the first bad option.
 */
export function resolveJobOptions(input: JobOptionsInput = {}): JobOptions {
  const o = { ...DEFAULT_JOB_OPTIONS, ...input, faults: { ...NO_FAULTS, ...input.faults } };
  if (typeof o.jobId !== 'string' || !/^[\w.-]+$/.test(o.jobId)) throw new ConfigError('jobId', `must be letters, digits, '.', '_' or '-', got ${String(o.jobId)}`);
  if (o.dir !== null && (typeof o.dir !== 'string' || o.dir === '')) throw new ConfigError('dir', 'must be a non-empty path');
  if (o.interval !== null) integer('interval', o.interval, 1);
  if (o.timeout !== null) integer('timeout', o.timeout, 1);
  integer('tolerableFailures', o.tolerableFailures, 0);
  integer('records', o.records, 1, 10_000_000);
  integer('parallelism', o.parallelism, 1, 64);
  integer('keys', o.keys, 1, 1_000_000);
  integer('seed', o.seed, 0, 0xffffffff);
  probability('drop', o.faults.drop);
  probability('dup', o.faults.dup);
  integer('delay', o.faults.delay, 0, 60_000);
  integer('killTask', o.faults.killTask, 0, 1000);
  integer('killCoordinator', o.faults.killCoordinator, 0, 1000);
  if (o.restPort !== null) integer('restPort', o.restPort, 0, 65_535);
  if (typeof o.virtual !== 'boolean') throw new ConfigError('virtual', 'must be a boolean');
  integer('sourceBatch', o.sourceBatch, 1);
  integer('capacity', o.capacity, 1);
  integer('deadline', o.deadline, 1);
  return o;
}

/**
 * The checkpoint timeout a run uses.
 * @param o - the options.
 */
export function checkpointTimeout(o: JobOptions): number {
  return o.timeout ?? Math.max(1000, 10 * (o.interval ?? 100));
}
