/**
 * The vocabulary of seeded protocol bugs ("mutants"): a mutant as data, the tiers that judge it,
 * and the report of a run.
 * @packageDocumentation
 */
import type { WorldConfig } from '../protocol/config.js';

/**
 * A seeded protocol bug: one exact-text source patch against a file of `machines/`, applied to a
 * copy of the source tree at test time (never in shipped code).
 */
export interface Mutant {
  /** Stable id, kebab-case (reports, `--json`, test names). */
  readonly id: string;
  /** The realistic mistake it stands for, in a sentence. */
  readonly description: string;
  /** The patched file, relative to the repository root (always under `machines/`). */
  readonly file: string;
  /** The exact text replaced; it must occur exactly once in `file`. */
  readonly find: string;
  /** Its replacement. */
  readonly replace: string;
  /**
   * The smallest checker world known to show the bug (missing fields from the standard world);
   * absent: the checker tier uses {@link DEFAULT_MUTANT_WORLD}.
   */
  readonly world?: Partial<WorldConfig>;
  /** Check the `eventually` properties in that world too (the bug breaks progress, not safety). */
  readonly liveness?: boolean;
}

/** The small world the checker tier searches when a mutant names none. */
export const DEFAULT_MUTANT_WORLD: Partial<WorldConfig> = Object.freeze({ maxIds: 3, crashes: 0, savepoints: 0, loss: false });

/** The test tiers, in the order a run tries them. */
export type TierName = 'checker' | 'model' | 'property';

/** Every tier, in run order. */
export const TIERS: readonly TierName[] = ['checker', 'model', 'property'];

/** What one tier said about one tree (patched or not). */
export interface TierVerdict {
  /** The tier. */
  readonly tier: TierName;
  /** Whether it found a problem (for a mutant: the mutant is killed). */
  readonly caught: boolean;
  /** What it found (the first problem), or a summary of what passed. */
  readonly detail: string;
  /** The checker tier: the length of the shortest counterexample found; otherwise null. */
  readonly traceLength: number | null;
  /** Wall-clock seconds. */
  readonly seconds: number;
}

/** The outcome of one mutant. */
export interface MutantResult {
  /** The mutant's id. */
  readonly id: string;
  /** Its description. */
  readonly description: string;
  /** The tiers run, in order (a run may stop at the first that catches it). */
  readonly verdicts: readonly TierVerdict[];
  /** The first tier that caught it, or null when it survived every tier run. */
  readonly caughtBy: TierName | null;
  /** The checker's shortest counterexample length, when the checker caught it. */
  readonly traceLength: number | null;
}

/** The report of {@link runMutants} (`--json` prints exactly this). */
export interface MutantReport {
  /** The unpatched tree, through the same tiers: every verdict must be "not caught". */
  readonly baseline: readonly TierVerdict[];
  /** One entry per mutant, in catalogue order. */
  readonly mutants: readonly MutantResult[];
  /** Mutants caught by some tier. */
  readonly caught: number;
  /** Mutants run. */
  readonly total: number;
  /** The property tier's fast-check seed. */
  readonly seed: number;
  /** Wall-clock seconds of the whole run. */
  readonly seconds: number;
}
