/**
 * `snapwright codegen`: rebuilds `generated/` from scratch; `--check` generates in memory and
 * exits 1, listing every missing, stale or extra file, when `generated/` differs. The repository
 * is found from this module's location, so it works from any working directory.
 * @packageDocumentation
 */
import path from 'node:path';
import { REPO_ROOT, repositoryOptions } from '../../codegen/config.js';
import type { DriftReport } from '../../codegen/files.js';
import { compareGenerated, isClean, writeGenerated } from '../../codegen/files.js';
import { generate } from '../../codegen/generate.js';
import { isGeneratorError } from '../../codegen/model.js';
import type { ParsedArgs } from '../args.js';
import { UsageError } from '../args.js';

/**
 * The drift report as lines: one per file, `missing`, `stale` or `extra`, then what to do.
 * @param shown - the directory as shown to people.
 * @param report - the report.
 */
export function formatDrift(shown: string, report: DriftReport): string[] {
  const rows = [
    ...report.missing.map((f) => `  missing  ${shown}/${f}`),
    ...report.stale.map((f) => `  stale    ${shown}/${f}`),
    ...report.extra.map((f) => `  extra    ${shown}/${f}`),
  ];
  return [`${shown}/ is out of date (${rows.length} file${rows.length === 1 ? '' : 's'}):`, ...rows, 'run `npm run codegen` (or `snapwright codegen`) and commit the result'];
}

/**
 * Runs the command.
 * @param args - `--check` to compare instead of write; `--out DIR` for another output directory
 * (resolved against the working directory; default: the repository's `generated/`).
 * @returns 0 when written or up to date, 1 when `--check` found differences or generation failed.
 */
export async function codegenCommand(args: ParsedArgs): Promise<number> {
  const unknown = Object.keys(args.options).filter((o) => o !== 'check' && o !== 'out');
  if (unknown.length > 0 || args.positionals.length > 0) throw new UsageError(`unexpected ${[...unknown.map((o) => `--${o}`), ...args.positionals].join(', ')}`);
  const out = args.options.out;
  if (out === true) throw new UsageError('--out takes a directory');
  if (args.options.check !== undefined && args.options.check !== true) throw new UsageError('--check takes no value');
  const options = repositoryOptions();
  const dir = out === undefined ? path.join(REPO_ROOT, options.outDir) : path.resolve(out);
  const shown = out === undefined ? options.outDir : out.replace(/[\\/]+$/, '');
  let files;
  try {
    files = await generate(options);
  } catch (e) {
    if (!isGeneratorError(e)) throw e;
    console.error(`snapwright codegen: ${e.message}`);
    return 1;
  }
  if (args.options.check === true) {
    const report = compareGenerated(dir, files);
    if (isClean(report)) {
      console.log(`${shown}/ is up to date (${files.length} files)`);
      return 0;
    }
    console.error(formatDrift(shown, report).join('\n'));
    return 1;
  }
  writeGenerated(dir, files);
  console.log(`wrote ${files.length} files to ${shown}/`);
  return 0;
}
