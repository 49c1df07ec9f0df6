/**
 * `snapwright run`: the main job. A checkpointed exactly-once streaming job in one process on the
 * embedding API: sources read a seeded, partitioned input log; a keyed operator with two inputs
 * aligns barriers; transactional sinks write files with two-phase commit; periodic checkpoints
 * go to a durable store in `--dir`. Faults on request; recovery from the latest completed
 * checkpoint; at the end a verdict that the committed output is the input processed exactly once.
 * @packageDocumentation
 */
import { closeInspectorOption, inspectorOption } from './demo.js';
import { ConfigError } from '../../spec/index.js';
import { createDisplay } from '../../job/display.js';
import type { JobOptions, JobOptionsInput } from '../../job/options.js';
import { resolveJobOptions } from '../../job/options.js';
import { runJob } from '../../job/run-job.js';
import type { RunHooks } from '../../job/run-job.js';
import { runCoordinatorProcess } from '../../job/remote/coordinator-process.js';
import type { CoordinatorProcessResult, RemoteResult } from '../../job/remote/coordinator-process.js';
import type { RemoteJob, RemoteOptions } from '../../job/remote/roles.js';
import { resolveRemoteJob } from '../../job/remote/roles.js';
import { runTaskProcess } from '../../job/remote/task-process.js';
import type { ParsedArgs } from '../args.js';
import { numberOption, UsageError } from '../args.js';

/** The usage line. */
export const RUN_USAGE =
  'snapwright run [--interval MS] [--records N] [--parallelism N] [--keys N] [--seed S] [--kill-task [N]] [--kill-coordinator [N]] [--drop P] [--dup P] [--delay MS] [--dir DIR] [--rest-port PORT] [--virtual] [--json] [--inspect[=browser|browser:PORT|ws://HOST:PORT]]\n' +
  '       snapwright run --role coordinator|task [--task ID] --transport http|amqp|nats --job-id ID --dir SHARED_DIR [--broker URL] [--coordinator-url http://HOST:PORT] [--port P] [--host H] [--advertise HOST] [--heartbeat-interval MS] [--heartbeat-timeout MS] [--lease-timeout MS] [--lease-renew MS] [--rate RECORDS_PER_S] [job options] [--json]\n' +
  '         (one process per role; HTTP links read the shared secret from SNAPWRIGHT_TOKEN; with --transport nats the data channels between tasks go over HTTP;\n' +
  '          a second --role coordinator stands by and takes over once the leader\'s lease is not renewed for --lease-timeout MS)';

/** Flags of a run in one process. */
const FLAGS = new Set(['interval', 'records', 'parallelism', 'keys', 'seed', 'kill-task', 'kill-coordinator', 'drop', 'dup', 'delay', 'dir', 'rest-port', 'virtual', 'json', 'job-id', 'timeout', 'deadline']);
/** Flags of a process of a run across processes (`--role`). */
const REMOTE_FLAGS = new Set(['role', 'transport', 'task', 'broker', 'coordinator-url', 'port', 'host', 'advertise', 'heartbeat-interval', 'heartbeat-timeout', 'rate', 'lease-timeout', 'lease-renew']);
/** Flags that make no sense across processes (faults are real there: kill a process). */
const LOCAL_ONLY = new Set(['kill-task', 'kill-coordinator', 'drop', 'dup', 'delay', 'virtual']);
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
  const remote = args.options.role !== undefined;
  for (const [name, value] of Object.entries(args.options)) {
    // --inspect takes an optional value (browser, browser:PORT, ws://...), checked when it starts.
    if (name === 'inspect' && !remote) continue;
    if (!FLAGS.has(name) && !(remote && REMOTE_FLAGS.has(name))) throw new UsageError(REMOTE_FLAGS.has(name) ? `--${name} needs --role` : `unknown option --${name}`);
    if (remote && LOCAL_ONLY.has(name)) throw new UsageError(`--${name} does not apply with --role (kill a process instead)`);
    if (BOOLEAN.has(name) && value !== true) throw new UsageError(`--${name} takes no value, got ${value}`);
    if (!BOOLEAN.has(name) && value === true && name !== 'kill-task' && name !== 'kill-coordinator') throw new UsageError(`--${name} needs a value`);
  }
  const has = (name: string) => args.options[name] !== undefined;
  const interval = numberOption(args, 'interval', 100);
  const dir = args.options.dir;
  const jobId = args.options['job-id'];
  return {
    ...(typeof jobId === 'string' ? { jobId } : {}),
    ...(has('timeout') ? { timeout: numberOption(args, 'timeout', 0) } : {}),
    ...(has('deadline') ? { deadline: numberOption(args, 'deadline', 0) } : {}),
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
 * The options of a process of a run across processes, from `--role` and its flags.
 * @param args - parsed arguments (validated by {@link runOptionsOf}).
 */
export function remoteOptionsOf(args: ParsedArgs): Partial<RemoteOptions> {
  const text = (name: string): string | undefined => (typeof args.options[name] === 'string' ? (args.options[name] as string) : undefined);
  const has = (name: string) => args.options[name] !== undefined;
  const token = process.env.SNAPWRIGHT_TOKEN;
  return {
    role: text('role') as RemoteOptions['role'],
    transport: (text('transport') ?? 'http') as RemoteOptions['transport'],
    ...(has('task') ? { taskId: text('task') ?? '' } : {}),
    ...(has('broker') ? { broker: text('broker') ?? '' } : {}),
    ...(has('coordinator-url') ? { coordinatorUrl: text('coordinator-url') ?? '' } : {}),
    ...(has('port') ? { port: numberOption(args, 'port', 0) } : {}),
    ...(has('host') ? { host: text('host') ?? '' } : {}),
    ...(has('advertise') ? { advertise: text('advertise') ?? '' } : {}),
    ...(has('heartbeat-interval') ? { heartbeatInterval: numberOption(args, 'heartbeat-interval', 0) } : {}),
    ...(has('heartbeat-timeout') ? { heartbeatTimeout: numberOption(args, 'heartbeat-timeout', 0) } : {}),
    ...(has('rate') ? { rate: numberOption(args, 'rate', 0) } : {}),
    ...(has('lease-timeout') ? { leaseTimeout: numberOption(args, 'lease-timeout', 0) } : {}),
    ...(has('lease-renew') ? { leaseRenew: numberOption(args, 'lease-renew', 0) } : {}),
    ...(token !== undefined && token !== '' ? { token } : {}),
  };
}

/** `taskId` → `--task`, `coordinatorUrl` → `--coordinator-url`, `token` → `SNAPWRIGHT_TOKEN`. */
const remoteFlagOf = (option: string): string => (option === 'taskId' ? '--task' : option === 'token' ? 'SNAPWRIGHT_TOKEN' : flagOf(option));

/** Checks a remote run's options; a bad one is a usage error naming its flag. */
function validatedRemote(args: ParsedArgs, job: JobOptions): RemoteJob {
  try {
    return resolveRemoteJob(job, remoteOptionsOf(args));
  } catch (e) {
    if (e instanceof ConfigError) throw new UsageError(`${remoteFlagOf(e.option)}: ${e.message.replace(/^invalid configuration: [^:]+: /, '')}`);
    throw e;
  }
}

/** The coordinator's summary lines. */
function remoteSummary(r: RemoteResult): string[] {
  return [
    `verdict: ${r.exactlyOnce ? 'exactly once' : 'NOT exactly once'}: ${r.committedRecords} of ${r.inputRecords} records committed, ${r.lostRecords} lost, ${r.duplicateRecords} duplicated, ${r.inconsistentKeys} inconsistent accounts`,
    `checkpoints: ${r.checkpointsCompleted} completed (p50 ${r.checkpointP50Ms} ms), ${r.checkpointsAborted} aborted; recoveries ${r.recoveries}; tasks lost ${r.tasksLost.length}; leader epoch ${r.leaderEpoch}; ${r.elapsedMs} ms`,
  ];
}

/** The exit status of a coordinator that was deposed (it did not judge). */
export const EXIT_DEPOSED = 3;

/** A coordinator's exit status: 0 exactly once (or the job was done by another), 1 not, {@link EXIT_DEPOSED} deposed. */
function exitStatusOf(result: CoordinatorProcessResult): number {
  if (result.outcome === 'deposed') return EXIT_DEPOSED;
  if (result.outcome === 'job-done') return 0;
  return result.exactlyOnce ? 0 : 1;
}

/** Runs one process of a run across processes. */
async function runRemote(r: RemoteJob, json: boolean): Promise<number> {
  const out = json ? process.stderr : process.stdout;
  const say = (line: string) => void out.write(`${line}\n`);
  if (r.remote.role === 'task') return runTaskProcess(r, say);
  const result = await runCoordinatorProcess(r, say, (server) => say(`checkpoint statistics: ${server.url}/jobs/${r.job.jobId}/checkpoints`));
  if (json) console.log(JSON.stringify(result));
  else if (result.outcome === 'judged') for (const line of remoteSummary(result)) say(line);
  else if (result.outcome === 'deposed') say(`deposed by leader epoch ${result.deposedBy.epoch}: ${result.checkpointsCompleted} checkpoints completed under epoch ${result.leaderEpoch}, ${result.sendsRefused} sends refused; ${result.elapsedMs} ms`);
  return exitStatusOf(result);
}

/**
 * Runs the job.
 * @param args - see {@link RUN_USAGE}; `--interval 0` turns periodic checkpoints off.
 * @returns 0 when the committed output is exactly the input processed once, else 1.
 */
export async function runCommand(args: ParsedArgs): Promise<number> {
  const input = validated(runOptionsOf(args));
  const json = args.options.json === true;
  if (args.options.role !== undefined) return runRemote(validatedRemote(args, input), json);
  const inspection = await inspectorOption(args);
  const display = json ? null : createDisplay(process.stdout, `snapwright run: job ${input.jobId}, seed ${input.seed}, checkpoints ${input.interval === null ? 'off' : `every ${input.interval} ms`}`);
  const hooks: RunHooks = {
    ...display,
    onRestListening: (server) => (json ? process.stderr : process.stdout).write(`checkpoint statistics: ${server.url}/jobs/${input.jobId}/checkpoints\n`),
    ...(inspection ? { inspect: inspection.inspector.inspect } : {}),
  };
  let result;
  try {
    result = await runJob(input, hooks);
  } finally {
    await closeInspectorOption(inspection);
  }
  if (json) console.log(JSON.stringify(result));
  else display?.finish(result);
  return result.exactlyOnce ? 0 : 1;
}
