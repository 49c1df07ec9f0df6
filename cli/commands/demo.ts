/**
 * `snapwright demo`: one checkpoint round of a coordinator and a few tasks, in-process, printed
 * step by step.
 * @packageDocumentation
 */
import type { CoordinatorToTaskMessage, JobTopology, TaskToCoordinatorMessage } from '../../spec/index.js';
import { EMPTY_METRICS, taskIdsOf } from '../../spec/index.js';
import { createCoordinator } from '../../runtime/coordinator/create-coordinator.js';
import { ManualTime } from '../../runtime/time.js';
import type { ParsedArgs } from '../args.js';

const TOPOLOGY: JobTopology = {
  jobId: 'demo-job',
  vertices: [
    { id: 'source', parallelism: 2, inputs: [] },
    { id: 'sink', parallelism: 1, inputs: [{ from: 'source', pattern: 'all-to-all' }] },
  ],
};

/**
 * Runs the demo.
 * @param args - parsed arguments (`--json` prints the transcript as JSON lines).
 */
export async function demoCommand(args: ParsedArgs): Promise<number> {
  const json = args.options.json === true;
  const lines: string[] = [];
  const say = (who: string, what: string) => lines.push(json ? JSON.stringify({ who, what }) : `${who.padEnd(12)} ${what}`);
  const time = new ManualTime(0);
  const inbox: CoordinatorToTaskMessage[] = [];
  const coordinator = await createCoordinator({ topology: TOPOLOGY, transport: { send: (m) => void inbox.push(m) }, clock: time, timers: time });
  const deliver = (m: TaskToCoordinatorMessage) => {
    const r = coordinator.receive(m);
    if (!r.ok) throw new Error(`demo message rejected: ${r.rejection.message}`);
  };
  for (const taskId of taskIdsOf(TOPOLOGY)) {
    for (const state of ['deploying', 'initializing', 'running'] as const) deliver({ type: 'taskStateChanged', jobId: TOPOLOGY.jobId, taskId, attempt: 0, state });
    say(taskId, 'running');
  }
  const outcome = coordinator.triggerCheckpoint();
  while (inbox.length > 0) {
    const m = inbox.shift()!;
    say('coordinator', `-> ${m.taskId}: ${m.type}(${m.checkpointId})`);
    if (m.type === 'triggerCheckpoint') {
      for (const taskId of taskIdsOf(TOPOLOGY)) {
        time.advance(1);
        say(taskId, `snapshot ${m.checkpointId}, acknowledge`);
        deliver({ type: 'acknowledgeCheckpoint', jobId: TOPOLOGY.jobId, taskId, attempt: 0, checkpointId: m.checkpointId, metrics: EMPTY_METRICS, state: { key: `${taskId}/${m.checkpointId}`, sizeBytes: 64 } });
      }
      inbox.splice(0, inbox.length, ...inbox.filter((x) => x.type !== 'triggerCheckpoint'));
    }
  }
  const o = await outcome;
  say('coordinator', o.status === 'completed' ? `checkpoint ${o.checkpointId} completed and stored` : `checkpoint failed: ${o.reason}`);
  coordinator.shutdown();
  console.log(lines.join('\n'));
  return o.status === 'completed' ? 0 : 1;
}
