/**
 * `snapwright check --mutants`: the seeded protocol bugs of `checker/mutants/catalog.ts`, each
 * applied to a temporary copy of the tree (never to the shipped code) and run through the tiers
 * (model checker, model-based paths, property runs) until one catches it. Prints a table of
 * mutant, tier that caught it and shortest trace (or one JSON object with `--json`). Needs a
 * checkout: the model and property tiers load the test support code.
 * @packageDocumentation
 */
import { formatMutantReport } from '../../checker/mutants/format.js';
import { mutantsPassed, runMutants } from '../../checker/mutants/run.js';
import type { ParsedArgs } from '../args.js';
import { numberOption, UsageError } from '../args.js';

/** Usage line of `check --mutants`. */
export const MUTANTS_USAGE = 'snapwright check --mutants [--only ID,ID] [--all-tiers] [--seed N] [--json]';

const KNOWN = new Set(['mutants', 'only', 'all-tiers', 'seed', 'json']);

/**
 * Runs the seeded bugs.
 * @param args - see {@link MUTANTS_USAGE}.
 * @returns 0 when every mutant is caught and the unpatched tree passes every tier; 1 otherwise.
 */
export async function mutantsCommand(args: ParsedArgs): Promise<number> {
  for (const key of Object.keys(args.options)) if (!KNOWN.has(key)) throw new UsageError(`--mutants does not combine with --${key}`);
  if (args.options.mutants !== true) throw new UsageError('--mutants takes no value');
  const only = args.options.only;
  if (only === true) throw new UsageError('--only takes a comma-separated list of mutant ids');
  const seed = args.options.seed === undefined ? undefined : numberOption(args, 'seed', 0);
  if (seed !== undefined && !Number.isSafeInteger(seed)) throw new UsageError('--seed takes an integer');
  const json = args.options.json === true;
  const report = await runMutants({
    ...(typeof only === 'string' ? { only: only.split(',').filter((id) => id.length > 0) } : {}),
    ...(seed !== undefined ? { seed } : {}),
    allTiers: args.options['all-tiers'] === true,
    ...(json ? {} : { onResult: (r) => console.error(`${r.id}: ${r.caughtBy ?? 'SURVIVED'}`) }),
  });
  console.log(json ? JSON.stringify(report, null, 2) : formatMutantReport(report));
  return mutantsPassed(report) ? 0 : 1;
}
