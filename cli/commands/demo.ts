/**
 * `snapwright demo`: checkpoint rounds of a coordinator and a small task graph (two sources, a
 * task joining both, two transactional sinks) in one process, printed step by step: triggers,
 * barriers aligning at the join, acknowledgements, the store, notifications and sink commits.
 * `--log FILE` writes the run log `snapwright view` reads; `--inspect` streams the run to the
 * Stately inspector.
 * @packageDocumentation
 */
import { createInterface } from 'node:readline';
import type { InspectionEvent } from 'xstate';
import type { JobTopology } from '../../spec/index.js';
import { ConfigError } from '../../spec/index.js';
import { LocalJob } from '../../runtime/harness/index.js';
import type { TraceEntry } from '../../runtime/harness/index.js';
import { parseInspectTarget, startInspector } from '../../runtime/inspect.js';
import type { InspectTarget, RunInspector } from '../../runtime/inspect.js';
import { openRunLogFile, RunLogRecorder } from '../../viewer/run-log.js';
import type { RunLogFile } from '../../viewer/run-log.js';
import type { ParsedArgs } from '../args.js';
import { numberOption, UsageError } from '../args.js';

/** Usage line of the command. */
export const DEMO_USAGE = 'snapwright demo [--checkpoints N] [--json] [--log FILE] [--inspect[=browser|browser:PORT|ws://HOST:PORT]]';

/** An inspector started for a command's `--inspect` option. */
export interface InspectorOption {
  /** The inspector. */
  readonly inspector: RunInspector;
  /** Where it sends. */
  readonly target: InspectTarget;
}

/** Waits for Enter on a terminal (at once otherwise). */
async function pauseOnTerminal(prompt: string): Promise<void> {
  if (!process.stdin.isTTY) return;
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  await new Promise<void>((resolve) => rl.question(prompt, () => resolve()));
  rl.close();
}

/**
 * Starts the inspector an `--inspect` option asks for: none without the option; the browser
 * inspector (the flag alone, `browser` or `browser:PORT`), whose page must connect before the run
 * (on a terminal the command waits for Enter); or a WebSocket inspector (`ws://HOST:PORT`).
 * Messages go to stderr, so `--json` output stays clean.
 * @param args - the command's arguments.
 * @throws UsageError when the value is wrong or the inspector cannot be reached.
 */
export async function inspectorOption(args: ParsedArgs): Promise<InspectorOption | null> {
  const value = args.options.inspect;
  if (value === undefined) return null;
  try {
    const target = parseInspectTarget(value);
    const inspector = await startInspector(target);
    if (target.kind === 'browser') {
      console.error(`the Stately inspector is served at ${inspector.url} (it embeds https://stately.ai/inspect)`);
      await pauseOnTerminal('press Enter once the inspector page is open ');
    } else console.error(`streaming inspection events to ${inspector.url}`);
    return { inspector, target };
  } catch (e) {
    if (e instanceof ConfigError) throw new UsageError(e.message);
    throw e;
  }
}

/**
 * Sends what is left and closes the inspector (the browser inspector's relay stays up until Enter,
 * on a terminal, so the page can still be looked at).
 * @param option - the inspector, or null.
 */
export async function closeInspectorOption(option: InspectorOption | null): Promise<void> {
  if (!option) return;
  await option.inspector.flush();
  if (option.target.kind === 'browser') await pauseOnTerminal('press Enter to stop the inspector relay ');
  await option.inspector.close();
}

/**
 * One inspection observer out of several (or none).
 * @param observers - the observers present.
 */
export function inspectAll(...observers: Array<((event: InspectionEvent) => void) | undefined>): ((event: InspectionEvent) => void) | undefined {
  const present = observers.filter((o): o is (event: InspectionEvent) => void => o !== undefined);
  if (present.length <= 1) return present[0];
  return (event) => present.forEach((o) => o(event));
}

const TOPOLOGY: JobTopology = {
  jobId: 'demo-job',
  vertices: [
    { id: 'source', parallelism: 2, inputs: [] },
    { id: 'join', parallelism: 1, inputs: [{ from: 'source', pattern: 'all-to-all' }] },
    { id: 'sink', parallelism: 2, inputs: [{ from: 'join', pattern: 'all-to-all' }] },
  ],
};

const ARROW: Record<TraceEntry['kind'], string> = { control: '->', data: '=>', commit: '**', job: '!!' };

/**
 * Runs the demo.
 * @param args - `--checkpoints N` (default 1), `--json` for one JSON object per line, `--log FILE`
 * for a run log, `--inspect` for the Stately inspector.
 */
export async function demoCommand(args: ParsedArgs): Promise<number> {
  const checkpoints = numberOption(args, 'checkpoints', 1);
  if (!Number.isInteger(checkpoints) || checkpoints < 1 || checkpoints > 100) throw new UsageError('--checkpoints must be an integer from 1 to 100');
  const json = args.options.json === true;
  const logPath = args.options.log;
  if (logPath === true) throw new UsageError('--log takes a file name');
  const inspection = await inspectorOption(args);
  let log: RunLogFile | null = null;
  try {
    log = logPath === undefined ? null : openRunLogFile(logPath);
  } catch (e) {
    await closeInspectorOption(inspection);
    throw new UsageError(`cannot write ${logPath}: ${(e as Error).message}`);
  }
  try {
    return await runDemo(checkpoints, json, log, inspection);
  } finally {
    log?.close();
    if (log && !json) console.log(`wrote the run log ${logPath} (snapwright view ${logPath})`);
    await closeInspectorOption(inspection);
  }
}

async function runDemo(checkpoints: number, json: boolean, log: RunLogFile | null, inspection: InspectorOption | null): Promise<number> {
  const print = (e: TraceEntry) => console.log(json ? JSON.stringify(e) : `  ${e.from.padEnd(12)} ${ARROW[e.kind]} ${(e.to || '').padEnd(12)} ${e.text}`);
  let show = false;
  const recorder = log ? new RunLogRecorder(log.write, TOPOLOGY.jobId) : null;
  const inspect = inspectAll(recorder?.inspect, inspection?.inspector.inspect);
  const job = await LocalJob.create({
    topology: TOPOLOGY,
    onTrace: (e) => {
      recorder?.onTrace(e);
      if (show) print(e);
    },
    ...(inspect ? { inspect } : {}),
  });
  recorder?.attach(job);
  if (!json) {
    console.log(`job ${TOPOLOGY.jobId}: ${job.taskIdList.join(', ')} (all running)`);
    console.log('  -> control message   => barrier in a data channel   ** sink commit\n');
  }
  show = true;
  let failed = false;
  for (let i = 0; i < checkpoints; i++) {
    job.time.advance(100);
    const outcome = await job.checkpoint();
    const line =
      outcome.status === 'completed'
        ? `checkpoint ${outcome.checkpointId} completed: stored, every task notified, sinks committed`
        : `checkpoint ${'checkpointId' in outcome ? outcome.checkpointId : '?'} ${outcome.status}: ${outcome.reason}`;
    if (outcome.status !== 'completed') failed = true;
    if (json) console.log(JSON.stringify({ kind: 'outcome', ...outcome }));
    else console.log(`\n${line}\n`);
  }
  const violations = job.monitor.violations;
  if (!json) console.log(violations.length === 0 ? 'every named protocol property held on this run' : `VIOLATIONS: ${violations.map((v) => v.message).join('; ')}`);
  job.stop();
  return failed || violations.length > 0 ? 1 : 0;
}
