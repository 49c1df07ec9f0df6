/**
 * Options shared by the durable stores, their defaults, and validation that fails fast with a
 * {@link ConfigError} naming the option.
 * @packageDocumentation
 */
import { ConfigError } from '../../spec/index.js';

/** How task-state payloads are compressed (node:zlib deflate). */
export interface CompressionOptions {
  /** Compress at all (default true). */
  readonly enabled?: boolean;
  /** Payloads smaller than this many bytes are stored as they are (default 1024). */
  readonly thresholdBytes?: number;
  /** zlib level, 1 (fastest) to 9 (smallest); default 6. */
  readonly level?: number;
}

/** Options every durable store takes. */
export interface DurableStoreOptions {
  /** How many completed checkpoints to retain, at least 1 (default 1, Flink's); use the coordinator's `retained`. */
  readonly retained?: number;
  /**
   * How many checkpoint ids the counter reserves per durable write (default 1). Unused ids of a
   * block are skipped after a restart, never handed out again.
   */
  readonly idBlockSize?: number;
  /** Compression of state payloads: `true`/`false`, or details (default: on, above 1 KiB). */
  readonly compression?: boolean | CompressionOptions;
  /**
   * `acquire` (default): opening takes leadership, and the handle's `store`/`counter` carry the
   * new epoch. `none`: for reading and inspection; their writes are refused as fenced.
   */
  readonly leadership?: 'acquire' | 'none';
}

/** Compression settings with every field resolved. */
export interface ResolvedCompression {
  /** Compress at all. */
  readonly enabled: boolean;
  /** Smallest payload that is compressed. */
  readonly thresholdBytes: number;
  /** zlib level. */
  readonly level: number;
}

/** Store options with every field resolved. */
export interface ResolvedStoreOptions {
  /** Completed checkpoints retained. */
  readonly retained: number;
  /** Ids reserved per durable counter write. */
  readonly idBlockSize: number;
  /** Compression of state payloads. */
  readonly compression: ResolvedCompression;
  /** Whether opening takes leadership. */
  readonly leadership: 'acquire' | 'none';
}

const COMPRESSION_DEFAULTS: ResolvedCompression = { enabled: true, thresholdBytes: 1024, level: 6 };
const STORE_KEYS = ['retained', 'idBlockSize', 'compression', 'leadership'] as const;

/**
 * Checks that `value` is an integer in `[min, max]`; names `option` otherwise.
 * @param option - the option's name.
 * @param value - its value.
 * @param min - smallest allowed.
 * @param max - largest allowed.
 */
export function integerOption(option: string, value: unknown, min: number, max = Number.MAX_SAFE_INTEGER): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new ConfigError(option, `must be an integer from ${min} to ${max}, got ${String(value)}`);
  }
  return value;
}

/**
 * Throws a {@link ConfigError} for the first key of `options` not in `known`.
 * @param options - the options object.
 * @param known - the keys it may have.
 * @param prefix - prefix of the option names (e.g. `compression.`).
 */
export function rejectUnknownOptions(options: object, known: readonly string[], prefix = ''): void {
  for (const key of Object.keys(options)) if (!known.includes(key)) throw new ConfigError(`${prefix}${key}`, 'unknown option');
}

/**
 * Resolves and validates the shared store options.
 * @param options - the caller's options (other keys allowed: `extraKeys`).
 * @param extraKeys - keys the particular store adds.
 */
export function resolveStoreOptions(options: DurableStoreOptions, extraKeys: readonly string[] = []): ResolvedStoreOptions {
  if (typeof options !== 'object' || options === null) throw new ConfigError('options', 'must be an object');
  rejectUnknownOptions(options, [...STORE_KEYS, ...extraKeys]);
  return {
    retained: integerOption('retained', options.retained ?? 1, 1),
    idBlockSize: integerOption('idBlockSize', options.idBlockSize ?? 1, 1, 1_000_000),
    compression: resolveCompression(options.compression),
    leadership: resolveLeadership(options.leadership),
  };
}

function resolveLeadership(l: unknown): 'acquire' | 'none' {
  if (l === undefined || l === 'acquire' || l === 'none') return l ?? 'acquire';
  throw new ConfigError('leadership', `must be 'acquire' or 'none', got ${String(l)}`);
}

/**
 * Checks that `value` is a non-empty string; names `option` otherwise.
 * @param option - the option's name.
 * @param value - its value.
 */
export function stringOption(option: string, value: unknown): string {
  if (typeof value !== 'string' || value.length === 0) throw new ConfigError(option, `must be a non-empty string, got ${String(value)}`);
  return value;
}

/**
 * The compression settings of an option value (`true`, `false` or an object; absent: on, 1 KiB
 * threshold, level 6).
 * @param c - the option value.
 * @throws ConfigError naming `compression` or one of its fields.
 */
export function resolveCompression(c: DurableStoreOptions['compression']): ResolvedCompression {
  if (c === undefined || c === true) return COMPRESSION_DEFAULTS;
  if (c === false) return { ...COMPRESSION_DEFAULTS, enabled: false };
  if (typeof c !== 'object' || c === null) throw new ConfigError('compression', `must be a boolean or an object, got ${String(c)}`);
  rejectUnknownOptions(c, ['enabled', 'thresholdBytes', 'level'], 'compression.');
  if (c.enabled !== undefined && typeof c.enabled !== 'boolean') throw new ConfigError('compression.enabled', `must be a boolean, got ${String(c.enabled)}`);
  return {
    enabled: c.enabled ?? true,
    thresholdBytes: integerOption('compression.thresholdBytes', c.thresholdBytes ?? COMPRESSION_DEFAULTS.thresholdBytes, 0),
    level: integerOption('compression.level', c.level ?? COMPRESSION_DEFAULTS.level, 1, 9),
  };
}
