/**
 * `snapwright demo`: checkpoint rounds of a coordinator and a small task graph (two sources, a
 * task joining both, two transactional sinks) in one process, printed step by step: triggers,
 * barriers aligning at the join, acknowledgements, the store, notifications and sink commits.
 * @packageDocumentation
 */
import type { JobTopology } from '../../spec/index.js';
import { LocalJob } from '../../runtime/harness/index.js';
import type { TraceEntry } from '../../runtime/harness/index.js';
import type { ParsedArgs } from '../args.js';
import { numberOption, UsageError } from '../args.js';

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
 * @param args - `--checkpoints N` (default 1), `--json` for one JSON object per line.
 */
export async function demoCommand(args: ParsedArgs): Promise<number> {
  const checkpoints = numberOption(args, 'checkpoints', 1);
  if (!Number.isInteger(checkpoints) || checkpoints < 1 || checkpoints > 100) throw new UsageError('--checkpoints must be an integer from 1 to 100');
  const json = args.options.json === true;
  const print = (e: TraceEntry) => console.log(json ? JSON.stringify(e) : `  ${e.from.padEnd(12)} ${ARROW[e.kind]} ${(e.to || '').padEnd(12)} ${e.text}`);
  let show = false;
  const job = await LocalJob.create({ topology: TOPOLOGY, onTrace: (e) => show && print(e) });
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
