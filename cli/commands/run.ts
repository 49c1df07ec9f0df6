/**
 * `snapwright run`: the main job. A checkpointed exactly-once streaming job in one process on the
 * embedding API: sources read a seeded, partitioned input log; a keyed operator with two inputs
 * aligns barriers; transactional sinks write files with two-phase commit; periodic checkpoints
 * go to a durable store in `--dir`. Faults on request; recovery from the latest completed
 * checkpoint; at the end a verdict that the committed output is the input processed exactly once.
 * @packageDocumentation
 */
import { ConfigError } from '../../spec/index.js';
import { createDisplay } from '../../job/display.js';
import type { JobOptions, JobOptionsInput } from '../../job/options.js';
import { resolveJobOptions } from '../../job/options.js';
import { runJob } from '../../job/run-job.js';
import type { RunHooks } from '../../job/run-job.js';
import type { ParsedArgs } from '../args.js';
import { numberOption, UsageError } from '../args.js';

/** The usage line. */
export const RUN_USAGE =
  'snapwright run [--interval MS] [--records N] [--parallelism N] [--keys N] [--seed S] [--kill-task [N]] [--kill-coordinator [N]] [--drop P] [--dup P] [--delay MS] [--dir DIR] [--rest-port PORT] [--virtual] [--json]';

const FLAGS = new Set(['interval', 'records', 'parallelism', 'keys', 'seed', 'kill-task', 'kill-coordinator', 'drop', 'dup', 'delay', 'dir', 'rest-port', 'virtual', 'json']);
const BOOLEAN = new Set(['virtual', 'json']);

/** `killTask` → `--kill-task`. */
const flagOf = (option: string): string => `--${option.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;

/** A count flag: alone it means 1. */
const countOption = (args: ParsedArgs, name: string): number => (args.options[name] === true ? 1 : numberOption(args, name, 0));

/**
 * The run's options from the command line; a bad or unknown flag is a usage error naming it.
 * @param args - parsed arguments.
 */
export function runOptionsOf(args: ParsedArgs): JobOptionsInput {
  if (args.positionals.length > 0) throw new UsageError(`unexpected argument "${args.positionals[0]}"`);
  for (const [name, value] of Object.entries(args.options)) {
    if (!FLAGS.has(name)) throw new UsageError(`unknown option --${name}`);
    if (BOOLEAN.has(name) && value !== true) throw new UsageError(`--${name} takes no value, got ${value}`);
    if (!BOOLEAN.has(name) && value === true && name !== 'kill-task' && name !== 'kill-coordinator') throw new UsageError(`--${name} needs a value`);
  }
  const has = (name: string) => args.options[name] !== undefined;
  const interval = numberOption(args, 'interval', 100);
  const dir = args.options.dir;
  return {
    interval: interval === 0 ? null : interval,
    ...(has('records') ? { records: numberOption(args, 'records', 0) } : {}),
    ...(has('parallelism') ? { parallelism: numberOption(args, 'parallelism', 0) } : {}),
    ...(has('keys') ? { keys: numberOption(args, 'keys', 0) } : {}),
    ...(has('seed') ? { seed: numberOption(args, 'seed', 0) } : {}),
    ...(typeof dir === 'string' ? { dir } : {}),
    ...(has('rest-port') ? { restPort: numberOption(args, 'rest-port', 0) } : {}),
    virtual: args.options.virtual === true,
    faults: {
      killTask: countOption(args, 'kill-task'),
      killCoordinator: countOption(args, 'kill-coordinator'),
      drop: numberOption(args, 'drop', 0),
      dup: numberOption(args, 'dup', 0),
      delay: numberOption(args, 'delay', 0),
    },
  };
}

/** Checks every option before anything runs; a bad one is a usage error naming its flag. */
function validated(input: JobOptionsInput): JobOptions {
  try {
    return resolveJobOptions(input);
  } catch (e) {
    if (e instanceof ConfigError) throw new UsageError(`${flagOf(e.option)}: ${e.message.replace(/^invalid configuration: [^:]+: /, '')}`);
    throw e;
  }
}

/**
 * Runs the job.
 * @param args - see {@link RUN_USAGE}; `--interval 0` turns periodic checkpoints off.
 * @returns 0 when the committed output is exactly the input processed once, else 1.
 */
export async function runCommand(args: ParsedArgs): Promise<number> {
  const input = validated(runOptionsOf(args));
  const json = args.options.json === true;
  const display = json ? null : createDisplay(process.stdout, `snapwright run: job ${input.jobId}, seed ${input.seed}, checkpoints ${input.interval === null ? 'off' : `every ${input.interval} ms`}`);
  const hooks: RunHooks = {
    ...display,
    onRestListening: (server) => (json ? process.stderr : process.stdout).write(`checkpoint statistics: ${server.url}/jobs/${input.jobId}/checkpoints\n`),
  };
  const result = await runJob(input, hooks);
  if (json) console.log(JSON.stringify(result));
  else display?.finish(result);
  return result.exactlyOnce ? 0 : 1;
}
