/**
 * `snapwright check`: the model checker. Composes the real coordinator and task machines with a
 * faulty control network, FIFO data channels, the durable store and id counter, timers and
 * crashes, searches every reachable state breadth-first and judges the named properties of
 * `spec/`. Prints a report (or one JSON object with `--json`) and, for each violated property,
 * the shortest counterexample, saved as JSON for `snapwright replay`.
 * @packageDocumentation
 */
import { DECLARED_DELIVERY } from '../../adapters/declared-delivery.js';
import type { TransportKind } from '../../adapters/runtime/contract.js';
import { writeFileSync } from 'node:fs';
import type { WorldConfig } from '../../checker/protocol/config.js';
import { controlNetworkOf, STANDARD } from '../../checker/protocol/config.js';
import { formatReport, formatTrace } from '../../checker/protocol/format.js';
import type { Trace } from '../../checker/protocol/run.js';
import { check, passed, resolveWorldConfig } from '../../checker/protocol/run.js';
import { PROPERTIES } from '../../spec/index.js';
import type { ParsedArgs } from '../args.js';
import { numberOption, UsageError } from '../args.js';

/** The options `check` understands (anything else is a usage error). */
const KNOWN = new Set([
  'sources',
  'tasks-with-two-inputs',
  'sinks',
  'max-concurrent',
  'max-ids',
  'crashes',
  'savepoints',
  'tolerable-failures',
  'no-loss',
  'no-dup',
  'no-reorder',
  'transport',
  'async-reports',
  'no-symmetry',
  'liveness',
  'max-states',
  'max-seconds',
  'json',
  'trace-out',
  'witness',
  'quiet',
]);

/** Usage line of the command. */
export const CHECK_USAGE =
  'snapwright check [--sources N] [--tasks-with-two-inputs 0|1] [--sinks N] [--max-concurrent N] [--max-ids N] [--crashes N] [--savepoints N] [--tolerable-failures N] [--no-loss] [--no-dup] [--no-reorder] [--transport in-process|http|amqp|nats] [--async-reports] [--no-symmetry] [--liveness] [--max-states N] [--max-seconds S] [--json] [--trace-out FILE] [--witness PROPERTY] [--quiet]';

const flag = (args: ParsedArgs, name: string): boolean => {
  const v = args.options[name];
  if (v === undefined) return false;
  if (v !== true) throw new UsageError(`--${name} takes no value`);
  return true;
};

function integer(args: ParsedArgs, name: string, fallback: number): number {
  const n = numberOption(args, name, fallback);
  if (!Number.isInteger(n) || n < 0) throw new UsageError(`--${name} takes a non-negative integer`);
  return n;
}

/**
 * `--transport KIND`: the control network's faults are exactly those the transport's declared
 * delivery allows (not combinable with `--no-loss`, `--no-dup`, `--no-reorder`).
 * @param args - parsed arguments.
 */
function transportNetwork(args: ParsedArgs): Partial<WorldConfig> {
  const kind = args.options['transport'];
  if (kind === undefined) return {};
  if (typeof kind !== 'string' || !Object.hasOwn(DECLARED_DELIVERY, kind)) {
    throw new UsageError(`--transport takes one of ${Object.keys(DECLARED_DELIVERY).join(', ')}`);
  }
  if (['no-loss', 'no-dup', 'no-reorder'].some((o) => args.options[o] !== undefined)) throw new UsageError('--transport sets the network faults; leave out --no-loss, --no-dup and --no-reorder');
  return controlNetworkOf(DECLARED_DELIVERY[kind as TransportKind]);
}

/**
 * The world configuration the options describe (the standard one without options).
 * @param args - parsed arguments.
 */
export function configFromArgs(args: ParsedArgs): WorldConfig {
  for (const key of Object.keys(args.options)) if (!KNOWN.has(key)) throw new UsageError(`unknown option --${key}`);
  if (args.positionals.length > 0) throw new UsageError(`unexpected argument ${args.positionals[0]}`);
  const twoInputs = args.options['tasks-with-two-inputs'];
  const config: WorldConfig = {
    ...STANDARD,
    sources: integer(args, 'sources', STANDARD.sources),
    twoInputTask: twoInputs === undefined ? STANDARD.twoInputTask : twoInputs === true ? true : integer(args, 'tasks-with-two-inputs', 1) > 0,
    sinks: integer(args, 'sinks', STANDARD.sinks),
    maxConcurrent: integer(args, 'max-concurrent', STANDARD.maxConcurrent),
    maxIds: integer(args, 'max-ids', STANDARD.maxIds),
    crashes: integer(args, 'crashes', STANDARD.crashes),
    savepoints: integer(args, 'savepoints', STANDARD.savepoints),
    tolerableFailures: integer(args, 'tolerable-failures', STANDARD.tolerableFailures),
    loss: !flag(args, 'no-loss'),
    duplication: !flag(args, 'no-dup'),
    reorder: !flag(args, 'no-reorder'),
    asyncReports: flag(args, 'async-reports'),
    ...transportNetwork(args),
  };
  try {
    return resolveWorldConfig(config);
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
}

/** Where a trace is saved: `file` for the first, `file-<property>.json` for the others. */
function traceFile(base: string, property: string, first: boolean): string {
  if (first) return base;
  return base.endsWith('.json') ? `${base.slice(0, -5)}-${property}.json` : `${base}-${property}`;
}

/**
 * Runs the checker.
 * @param args - see {@link CHECK_USAGE}.
 * @returns 0 when the run is complete, every property holds and every `sometimes` is reached;
 * 1 otherwise.
 */
export function checkCommand(args: ParsedArgs): number {
  const config = configFromArgs(args);
  const json = flag(args, 'json');
  const quiet = flag(args, 'quiet');
  const liveness = flag(args, 'liveness');
  const symmetry = !flag(args, 'no-symmetry');
  const maxStates = args.options['max-states'] === undefined ? undefined : integer(args, 'max-states', 0);
  const maxSeconds = args.options['max-seconds'] === undefined ? undefined : numberOption(args, 'max-seconds', 0);
  if (maxSeconds !== undefined && !(maxSeconds > 0)) throw new UsageError('--max-seconds takes a positive number');
  const traceOut = args.options['trace-out'];
  if (traceOut === true) throw new UsageError('--trace-out takes a file name');
  const witness = args.options.witness;
  if (witness === true) throw new UsageError('--witness takes a property name');
  if (typeof witness === 'string' && !PROPERTIES.some((p) => p.name === witness && p.kind === 'sometimes')) {
    throw new UsageError(`--witness names a sometimes property (${PROPERTIES.filter((p) => p.kind === 'sometimes').map((p) => p.name).join(', ')}), got ${witness}`);
  }

  let progressShown = false;
  const result = check({
    config,
    liveness,
    symmetry,
    ...(maxStates !== undefined ? { maxStates } : {}),
    ...(maxSeconds !== undefined ? { maxSeconds } : {}),
    onProgress: quiet
      ? undefined
      : (p) => {
          if (p.seconds < 2) return;
          progressShown = true;
          process.stderr.write(`checking: ${p.states.toLocaleString('en-US')} states, depth ${p.depth}, ${p.statesPerSecond.toLocaleString('en-US')} states/s, ${p.seconds.toFixed(0)} s\n`);
        },
  });
  if (progressShown && !quiet) process.stderr.write('\n');

  const saved: Array<{ property: string; file: string; trace: Trace }> = [];
  const base = typeof traceOut === 'string' ? traceOut : 'snapwright-counterexample.json';
  result.counterexamples.forEach((trace, i) => {
    const file = traceFile(base, trace.property, i === 0);
    writeFileSync(file, `${JSON.stringify(trace, null, 2)}\n`);
    saved.push({ property: trace.property, file, trace });
  });
  if (typeof witness === 'string') {
    const trace = result.witness(witness);
    if (!trace && !json) console.log(`no witness: ${witness} was not reached`);
    if (trace) {
      const file = typeof traceOut === 'string' && saved.length === 0 ? traceOut : `snapwright-witness-${witness}.json`;
      writeFileSync(file, `${JSON.stringify(trace, null, 2)}\n`);
      saved.push({ property: witness, file, trace });
    }
  }

  if (json) {
    console.log(JSON.stringify({ ...result.report, traces: saved.map((s) => ({ property: s.property, kind: s.trace.kind, steps: s.trace.steps.length, file: s.file })) }));
  } else {
    console.log(formatReport(result.report));
    for (const s of saved) {
      console.log('');
      console.log(formatTrace(s.trace));
      console.log(`saved to ${s.file} (replay it with: snapwright replay ${s.file})`);
    }
    console.log('');
    console.log(passed(result.report) ? 'PASS: complete, every property holds, every sometimes property reached' : 'FAIL');
  }
  return passed(result.report) ? 0 : 1;
}
