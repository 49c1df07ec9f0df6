/**
 * `snapwright replay <trace.json>`: replays a trace saved by `snapwright check` against the real
 * runtime actors (`createCoordinator`, `createTask`), step by step, comparing the actors' states
 * with the ones the checker recorded, and shows the same violation (or witness, or loop).
 * @packageDocumentation
 */
import { readFileSync } from 'node:fs';
import type { InspectionEvent } from 'xstate';
import { formatTrace } from '../../checker/protocol/format.js';
import { replayTrace } from '../../checker/protocol/replay.js';
import type { Trace } from '../../checker/protocol/run.js';
import type { ParsedArgs } from '../args.js';
import { UsageError } from '../args.js';
import { closeInspectorOption, inspectorOption } from './demo.js';

/** Usage line of the command. */
export const REPLAY_USAGE = 'snapwright replay <trace.json> [--json] [--quiet] [--inspect[=browser|browser:PORT|ws://HOST:PORT]]';

/**
 * Reads and checks a trace file.
 * @param file - the path.
 */
export function readTrace(file: string): Trace {
  let data: unknown;
  try {
    data = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    throw new UsageError(`cannot read ${file}: ${(e as Error).message}`);
  }
  const t = data as Partial<Trace> | null;
  if (!t || t.snapwright !== 'trace' || t.version !== 1 || !Array.isArray(t.steps) || typeof t.configuration !== 'object' || !t.initial) {
    throw new UsageError(`${file} is not a snapwright trace (version 1)`);
  }
  return t as Trace;
}

/**
 * Replays a trace.
 * @param args - the trace file, `--json` for one JSON object, `--quiet` for the summary only,
 * `--inspect` to stream the real actors to the Stately inspector.
 * @returns 0 when the real actors show what the trace shows (the same violation at the same step,
 * the witness, the loop); 1 when they diverge from it.
 */
export async function replayCommand(args: ParsedArgs): Promise<number> {
  for (const key of Object.keys(args.options)) if (key !== 'json' && key !== 'quiet' && key !== 'inspect') throw new UsageError(`unknown option --${key}`);
  const [file, extra] = args.positionals;
  if (!file || extra !== undefined) throw new UsageError('give one trace file (write --inspect=VALUE before it, or put --inspect after it)');
  const trace = readTrace(file);
  const inspection = await inspectorOption(args);
  try {
    return await replay(file, trace, args, inspection?.inspector.inspect);
  } finally {
    await closeInspectorOption(inspection);
  }
}

async function replay(file: string, trace: Trace, args: ParsedArgs, inspect: ((event: InspectionEvent) => void) | undefined): Promise<number> {
  const json = args.options.json === true;
  const quiet = args.options.quiet === true;
  if (!json && !quiet) {
    console.log(`replaying ${file} against the real actors (createCoordinator, createTask): ${trace.kind} ${trace.property}, ${trace.steps.length} steps`);
  }
  const result = await replayTrace(trace, (step) => {
    if (json || quiet) return;
    if (trace.loopStart === step.step - 1) console.log('  --- the loop starts here ---');
    console.log(`${String(step.step).padStart(4)}. ${step.action}`);
    for (const line of step.changes) console.log(`        ${line}`);
    for (const v of step.violations) console.log(`        !! ${v.property} VIOLATED: ${v.message}`);
    for (const r of step.reached) console.log(`        reached: ${r}`);
  }, inspect ? { inspect } : {});
  if (json) {
    console.log(JSON.stringify({ property: trace.property, kind: trace.kind, steps: result.steps.length, reproduced: result.reproduced, diverged: result.diverged, violations: result.violations }));
  } else {
    if (result.diverged) {
      console.log(`\nDIVERGED at step ${result.diverged.step}: ${result.diverged.message}`);
      if (!quiet) console.log(`\nthe trace as the checker recorded it:\n${formatTrace(trace)}`);
    } else if (trace.kind === 'always') {
      const v = result.violations.find((x) => x.property === trace.property);
      console.log(result.reproduced && v ? `\nthe real actors show the same violation at step ${v.step}: ${trace.property}: ${v.message}` : `\nNOT REPRODUCED: ${trace.property} did not break at the last step`);
    } else if (trace.kind === 'sometimes') {
      console.log(result.reproduced ? `\nthe real actors reach ${trace.property} at step ${result.steps.length}` : `\nNOT REPRODUCED: ${trace.property} was not reached at the last step`);
    } else {
      console.log(result.reproduced ? `\nthe real actors return to the state after step ${trace.loopStart}: the run can loop forever (${trace.property})` : '\nNOT REPRODUCED: the loop does not close');
    }
  }
  return result.reproduced ? 0 : 1;
}
