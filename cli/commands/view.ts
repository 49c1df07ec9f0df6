/**
 * `snapwright view <trace.json|run-log>`: writes one self-contained HTML page (no network: inline
 * script, style and SVG) that steps through a checker trace (`check --trace-out`) or a run log
 * (`demo --log`): every actor's statechart with its active states, the sequence diagram of the
 * messages (lost and duplicated ones marked), and the checkpoint timeline.
 * @packageDocumentation
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { runOfTrace } from '../../viewer/from-trace.js';
import { viewerHtml } from '../../viewer/html.js';
import { machineCharts } from '../../viewer/machines.js';
import type { ViewerRun } from '../../viewer/run.js';
import { isRunLog, RunLogError, runOfRunLog } from '../../viewer/run-log.js';
import type { ParsedArgs } from '../args.js';
import { UsageError } from '../args.js';
import { readTrace } from './replay.js';

/** Usage line of the command. */
export const VIEW_USAGE = 'snapwright view <trace.json|run-log> [--out FILE.html]';

/**
 * Reads a trace or a run log as a viewer run.
 * @param file - the path.
 * @throws UsageError when it is neither.
 */
export function readRun(file: string): ViewerRun {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new UsageError(`cannot read ${file}: ${(e as Error).message}`);
  }
  if (!isRunLog(text)) return runOfTrace(readTrace(file));
  try {
    return runOfRunLog(text);
  } catch (e) {
    if (e instanceof RunLogError) throw new UsageError(`${file} is not a valid run log: ${e.message}`);
    throw e;
  }
}

/**
 * Writes the viewer page.
 * @param args - the input file, `--out` for the page (default: the input with `.html`).
 * @returns 0.
 */
export async function viewCommand(args: ParsedArgs): Promise<number> {
  for (const key of Object.keys(args.options)) if (key !== 'out') throw new UsageError(`unknown option --${key}`);
  const [file, extra] = args.positionals;
  if (!file || extra !== undefined) throw new UsageError('give one trace or run log');
  const out = args.options.out;
  if (out === true) throw new UsageError('--out takes a file name');
  const target = out ?? `${file.replace(/\.(json|jsonl|log)$/, '')}.html`;
  const run = readRun(file);
  writeFileSync(target, viewerHtml(run, await machineCharts()));
  console.log(`wrote ${target}: ${run.title}, ${run.steps.length} steps, ${run.actors.length} actors (open it in a browser; it needs no network)`);
  return 0;
}
