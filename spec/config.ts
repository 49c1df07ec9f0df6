/**
 * Checkpointing configuration, its defaults (Flink's), and the validation that fails fast and
 * names the option.
 * @packageDocumentation
 */
import { ConfigError } from './errors.js';

/** How checkpoints of terminated jobs are kept (Flink's externalized-checkpoint retention). */
export type CheckpointRetention = 'never-retain-after-termination' | 'retain-on-failure' | 'retain-on-cancellation';

/** The coordinator's configuration. All durations are in milliseconds. */
export interface CheckpointingConfig {
  /** Period of periodic checkpoints; null disables periodic checkpoints. Must be at least `minPause`. */
  readonly interval: number | null;
  /** Minimum time from the last completion to the next periodic, non-forced checkpoint. */
  readonly minPause: number;
  /** A pending checkpoint older than this expires (`CHECKPOINT_EXPIRED`). */
  readonly timeout: number;
  /** At most this many pending checkpoints for non-forced requests; at least 1. */
  readonly maxConcurrent: number;
  /** The job fails when consecutive counted failures exceed this; `Infinity` = never. */
  readonly tolerableFailures: number;
  /** How many completed checkpoints the store retains; at least 1. */
  readonly retained: number;
  /** Exactly-once (barriers align) or at-least-once (barriers are only counted). */
  readonly mode: 'exactly-once' | 'at-least-once';
  /** Unaligned checkpoints: savepoints then queue (not forced) and stay aligned. */
  readonly unaligned: boolean;
  /** With `unaligned`: start aligned and switch after this long; 0 starts unaligned. */
  readonly alignedCheckpointTimeout: number;
  /** Keep checkpointing when some tasks finished (finished tasks leave the plan). */
  readonly checkpointsAfterTasksFinish: boolean;
  /** What happens to completed checkpoints when the job terminates. */
  readonly retention: CheckpointRetention;
  /** Bound of the trigger-request queue. */
  readonly maxQueuedRequests: number;
  /**
   * Master hooks (and operator coordinators): one generic extension point. Each named hook is
   * triggered before the tasks and must acknowledge for the checkpoint to complete.
   */
  readonly hooks: readonly string[];
  /**
   * A task attempt that sent no heartbeat (nor state report) for this long is declared failed:
   * its unacknowledged checkpoints abort with `TASK_FAILURE` and a `taskLost` command asks the
   * runtime to recover. 0 (the default) turns heartbeat supervision off.
   */
  readonly heartbeatTimeout: number;
}

/** Flink's defaults, except that periodic checkpointing is off until an interval is set. */
export const DEFAULT_CONFIG: CheckpointingConfig = Object.freeze({
  interval: null,
  minPause: 0,
  timeout: 600_000,
  maxConcurrent: 1,
  tolerableFailures: 0,
  retained: 1,
  mode: 'exactly-once',
  unaligned: false,
  alignedCheckpointTimeout: 0,
  checkpointsAfterTasksFinish: true,
  retention: 'never-retain-after-termination',
  maxQueuedRequests: 1000,
  hooks: Object.freeze([]) as readonly string[],
  heartbeatTimeout: 0,
});

/** The longest minimum pause Flink accepts: one year. */
export const MAX_MIN_PAUSE = 365 * 24 * 60 * 60 * 1000;

const RETENTIONS: readonly CheckpointRetention[] = ['never-retain-after-termination', 'retain-on-failure', 'retain-on-cancellation'];

/**
 * Completes `options` with the defaults and checks every option. Unknown options are errors too.
 * @param options - the options given by the user.
 * @returns the full, frozen configuration.
 * @throws {@link ConfigError} naming the first bad option.
 */
export function resolveConfig(options: Partial<CheckpointingConfig> = {}): CheckpointingConfig {
  if (options === null || typeof options !== 'object') throw new ConfigError('config', 'must be an object');
  for (const key of Object.keys(options)) {
    if (!(key in DEFAULT_CONFIG)) throw new ConfigError(key, 'is not a known option');
  }
  const c = { ...DEFAULT_CONFIG, ...options };
  if (c.interval !== null) duration('interval', c.interval, 1);
  duration('minPause', c.minPause, 0);
  if (c.minPause > MAX_MIN_PAUSE) throw new ConfigError('minPause', `must be at most one year (${MAX_MIN_PAUSE} ms)`);
  duration('timeout', c.timeout, 1);
  integer('maxConcurrent', c.maxConcurrent, 1);
  if (c.tolerableFailures !== Infinity) integer('tolerableFailures', c.tolerableFailures, 0);
  integer('retained', c.retained, 1);
  integer('maxQueuedRequests', c.maxQueuedRequests, 1);
  if (c.mode !== 'exactly-once' && c.mode !== 'at-least-once') throw new ConfigError('mode', "must be 'exactly-once' or 'at-least-once'");
  if (typeof c.unaligned !== 'boolean') throw new ConfigError('unaligned', 'must be a boolean');
  duration('alignedCheckpointTimeout', c.alignedCheckpointTimeout, 0);
  if (c.alignedCheckpointTimeout > 0 && !c.unaligned) throw new ConfigError('alignedCheckpointTimeout', 'needs unaligned checkpoints enabled');
  if (c.unaligned && c.mode !== 'exactly-once') throw new ConfigError('unaligned', 'needs exactly-once mode');
  if (typeof c.checkpointsAfterTasksFinish !== 'boolean') throw new ConfigError('checkpointsAfterTasksFinish', 'must be a boolean');
  if (!RETENTIONS.includes(c.retention)) throw new ConfigError('retention', `must be one of ${RETENTIONS.join(', ')}`);
  if (c.interval !== null && c.interval < c.minPause) {
    throw new ConfigError('interval', `must be at least minPause (${c.minPause} ms), got ${c.interval} ms`);
  }
  duration('heartbeatTimeout', c.heartbeatTimeout, 0);
  if (!Array.isArray(c.hooks)) throw new ConfigError('hooks', 'must be an array of hook names');
  const seen = new Set<string>();
  for (const hook of c.hooks) {
    if (typeof hook !== 'string' || hook.trim() === '') throw new ConfigError('hooks', 'hook names must be non-blank strings');
    if (seen.has(hook)) throw new ConfigError('hooks', `duplicate hook "${hook}"`);
    seen.add(hook);
  }
  return Object.freeze({ ...c, hooks: Object.freeze([...c.hooks]) });
}

function duration(option: string, value: unknown, min: number): void {
  if (typeof value !== 'number' || !Number.isFinite(value)) throw new ConfigError(option, `must be a finite number of milliseconds, got ${String(value)}`);
  if (value < min) throw new ConfigError(option, `must be at least ${min} ms, got ${value}`);
}

function integer(option: string, value: unknown, min: number): void {
  if (typeof value !== 'number' || !Number.isSafeInteger(value)) throw new ConfigError(option, `must be an integer, got ${String(value)}`);
  if (value < min) throw new ConfigError(option, `must be at least ${min}, got ${value}`);
}
