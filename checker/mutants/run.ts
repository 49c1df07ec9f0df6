/**
 * `runMutants`: every seeded protocol bug of the catalogue, each in its own patched copy of the
 * source tree, through the test tiers (the model checker, the model-based paths, the fast-check
 * property runs) until one catches it; and the unpatched tree through the same tiers, which must
 * catch nothing. What `snapwright check --mutants` runs.
 * @packageDocumentation
 */
import { fileURLToPath } from 'node:url';
import { MUTANTS } from './catalog.js';
import { Sandbox } from './sandbox.js';
import type { CheckerSearch } from './tiers/checker.js';
import { CHECKER_ENTRIES, checkerTier, DEFAULT_SEARCH, searchOf } from './tiers/checker.js';
import { MODEL_ENTRIES, modelTier } from './tiers/model.js';
import { PROPERTY_ENTRIES, propertyTier } from './tiers/property.js';
import type { Mutant, MutantReport, MutantResult, TierName, TierVerdict } from './types.js';
import { TIERS } from './types.js';

/** Options of {@link runMutants}. */
export interface MutantRunOptions {
  /** The repository root (default: this checkout's). */
  readonly root?: string;
  /** The mutants (default: the catalogue, {@link MUTANTS}). */
  readonly mutants?: readonly Mutant[];
  /** Only these mutant ids (an unknown id is an error; none: the baseline alone). */
  readonly only?: readonly string[];
  /** The tiers, in the order tried (default: checker, model, property). */
  readonly tiers?: readonly TierName[];
  /** Run every tier on every mutant, not only until one catches it (default false). */
  readonly allTiers?: boolean;
  /** Also run the unpatched tree through the tiers (default true). */
  readonly baseline?: boolean;
  /** The property tier's fast-check seed (default: from the clock; reported). */
  readonly seed?: number;
  /**
   * Drive the patched runtimes in lockstep in the model tier too (default false: the baseline
   * always does; for a patch of the machines the machine comparison sees the difference).
   */
  readonly modelLockstep?: boolean;
  /** The property tier's runs per tree (default 60). */
  readonly propertyRuns?: number;
  /** Called after each mutant. */
  readonly onResult?: (result: MutantResult) => void;
}

/** This checkout's root. */
export const REPOSITORY_ROOT = fileURLToPath(new URL('../../', import.meta.url));

function entriesOf(tiers: readonly TierName[]): string[] {
  const entries = new Set<string>(MODEL_ENTRIES);
  if (tiers.includes('checker')) CHECKER_ENTRIES.forEach((e) => entries.add(e));
  if (tiers.includes('property')) PROPERTY_ENTRIES.forEach((e) => entries.add(e));
  return [...entries];
}

/**
 * Selects the mutants of a run.
 * @param mutants - the catalogue.
 * @param only - ids, or undefined for all.
 * @throws Error naming an unknown id.
 */
export function selectMutants(mutants: readonly Mutant[], only: readonly string[] | undefined): readonly Mutant[] {
  if (!only) return mutants;
  const known = new Set(mutants.map((m) => m.id));
  const unknown = only.filter((id) => !known.has(id));
  if (unknown.length > 0) throw new Error(`unknown mutant ${unknown.join(', ')} (known: ${[...known].join(', ')})`);
  return mutants.filter((m) => only.includes(m.id));
}

/** What the runs of one {@link runMutants} share: the unpatched copy and the settings. */
interface Session {
  readonly root: string;
  readonly tiers: readonly TierName[];
  readonly entries: readonly string[];
  readonly reference: Sandbox;
  readonly seed: number;
  readonly options: MutantRunOptions;
}

async function runTier(s: Session, tier: TierName, sandbox: Sandbox, search: CheckerSearch): Promise<TierVerdict> {
  switch (tier) {
    case 'checker':
      return checkerTier(sandbox, search);
    case 'model':
      return modelTier(s.reference, sandbox, { lockstep: sandbox === s.reference || s.options.modelLockstep === true });
    case 'property':
      return propertyTier(sandbox, { seed: s.seed, ...(s.options.propertyRuns !== undefined ? { runs: s.options.propertyRuns } : {}) });
  }
}

/** The unpatched copy through every tier (the checker: in every world of `mutants`). */
async function baselineOf(s: Session, mutants: readonly Mutant[]): Promise<TierVerdict[]> {
  const verdicts: TierVerdict[] = [];
  for (const tier of s.tiers) {
    if (tier !== 'checker') {
      verdicts.push(await runTier(s, tier, s.reference, DEFAULT_SEARCH));
      continue;
    }
    const searches = [...new Map(mutants.map((m) => [JSON.stringify(searchOf(m)), searchOf(m)])).values()];
    for (const search of searches) {
      const v = await runTier(s, 'checker', s.reference, search);
      verdicts.push({ ...v, detail: `${search.liveness ? 'with liveness, ' : ''}world ${JSON.stringify(search.world)}: ${v.detail}` });
    }
  }
  return verdicts;
}

/** One mutant in its own patched copy, through the tiers until one catches it (or all, with `allTiers`). */
async function resultOf(s: Session, mutant: Mutant): Promise<MutantResult> {
  // Sandbox.create checks the patch first: a patch that no longer applies throws, naming the mutant.
  const sandbox = Sandbox.create(s.root, s.entries, mutant);
  try {
    const verdicts: TierVerdict[] = [];
    for (const tier of s.tiers) {
      const v = await runTier(s, tier, sandbox, searchOf(mutant));
      verdicts.push(v);
      if (v.caught && !s.options.allTiers) break;
    }
    const first = verdicts.find((v) => v.caught) ?? null;
    const checker = verdicts.find((v) => v.tier === 'checker' && v.caught);
    return { id: mutant.id, description: mutant.description, verdicts, caughtBy: first ? first.tier : null, traceLength: checker?.traceLength ?? null };
  } finally {
    sandbox.dispose();
  }
}

/**
 * Runs the seeded bugs through the tiers.
 * @param options - what to run.
 * @returns the report: the baseline's verdicts and, per mutant, which tier caught it first.
 * @throws PatchError when a mutant's patch no longer applies (naming it).
 */
export async function runMutants(options: MutantRunOptions = {}): Promise<MutantReport> {
  const started = performance.now();
  const root = options.root ?? REPOSITORY_ROOT;
  const tiers = TIERS.filter((t) => (options.tiers ?? TIERS).includes(t));
  const mutants = selectMutants(options.mutants ?? MUTANTS, options.only);
  const entries = entriesOf(tiers);
  // The unpatched copy: the model tier's reference, and the baseline.
  const reference = Sandbox.create(root, entries, null);
  const session: Session = { root, tiers, entries, reference, seed: options.seed ?? Date.now() % 2 ** 31, options };
  try {
    // The checker's baseline covers the world of every mutant of the catalogue, selected or not.
    const baseline = options.baseline === false ? [] : await baselineOf(session, options.mutants ?? MUTANTS);
    const results: MutantResult[] = [];
    for (const mutant of mutants) {
      const result = await resultOf(session, mutant);
      results.push(result);
      options.onResult?.(result);
    }
    return {
      baseline,
      mutants: results,
      caught: results.filter((r) => r.caughtBy !== null).length,
      total: results.length,
      seed: session.seed,
      seconds: Number(((performance.now() - started) / 1000).toFixed(3)),
    };
  } finally {
    reference.dispose();
  }
}

/**
 * Whether a run passed: every mutant caught, and no tier found anything in the unpatched tree.
 * @param report - the report.
 */
export function mutantsPassed(report: MutantReport): boolean {
  return report.caught === report.total && report.baseline.every((v) => !v.caught);
}
