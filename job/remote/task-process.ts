/**
 * `snapwright run --role task`: one task of the main job in its own process. It opens its links,
 * says `hello` to the coordinator every half second, and runs the attempts the coordinator
 * deploys (ignoring, and saying so, the job management of a deposed coordinator's older epoch): each attempt is a {@link TaskRunner} whose control link is the task's generated
 * binding (served by `serveTask`, heartbeats on) and whose data channels are addresses of that
 * attempt on an ordered-exactly-once transport. A newer deploy ends the current attempt first. The
 * process exits when the coordinator says `stop`.
 * @packageDocumentation
 */
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { DedupWindow } from '../../adapters/shared/dedup.js';
import { serveTask } from '../../adapters/shared/connect.js';
import { decodeCheckpoint } from '../../runtime/store/checkpoint-codec.js';
import { wiringOf } from '../../runtime/harness/local-job.js';
import { DataChannel } from '../data-channel.js';
import { FileSink } from '../file-sink.js';
import { InputLog } from '../input-log.js';
import { realTime } from '../job-time.js';
import { pipelineTopology, roleOf } from '../pipeline.js';
import type { JobRecord } from '../task-runner.js';
import { TaskRunner } from '../task-runner.js';
import { TaskStateStore } from '../task-state-store.js';
import { BindingControlTransport } from './control-link.js';
import { openLinks, taskBinding } from './links.js';
import type { Deploy, ManagementMessage, Start } from './management.js';
import { decodeManagement, HELLO_MS, taskDecision, TO_TASK } from './management.js';
import type { InputFeed } from './remote-channel.js';
import { feedInput, RemoteOutput } from './remote-channel.js';
import type { RemoteJob } from './roles.js';
import { Throttle } from './throttle.js';

/** One attempt running in this process. */
interface Attempt {
  readonly attempt: number;
  readonly runner: TaskRunner;
  readonly outputs: readonly RemoteOutput[];
  readonly feeds: readonly InputFeed[];
  readonly stopServing: () => void;
  readonly throttle: Throttle;
  started: boolean;
}

/**
 * Runs one task process until the coordinator stops the job.
 * @param r - the run's options (role `task`).
 * @param say - where progress lines go.
 * @returns the exit status (0).
 */
export async function runTaskProcess(r: RemoteJob, say: (line: string) => void): Promise<number> {
  const { job, remote } = r;
  const taskId = remote.taskId as string;
  const instance = randomUUID();
  const links = await openLinks(r);
  const control = taskBinding(links, job.jobId, taskId);
  const dedup = new DedupWindow();
  const time = realTime();
  const log = new InputLog({ seed: job.seed, partitions: job.parallelism, recordsPerPartition: job.records, keys: job.keys });
  const role = roleOf(taskId, job.parallelism);
  const wiring = wiringOf(pipelineTopology(job.jobId, job.parallelism));
  const sink = role.kind === 'sink' ? new FileSink(join(job.dir, 'sink', taskId.replace('#', '-')), true) : null;
  const states = new TaskStateStore(join(job.dir, 'state'), true);
  const warn = (what: string) => (e: unknown) => void (stopped || say(`${taskId}: ${what}: ${e instanceof Error ? e.message : String(e)}`));
  const manage = (m: ManagementMessage) => void links.manage('coordinator', m).catch(warn(`${m.kind} not sent`));
  let current = null as Attempt | null;
  let epoch = 0;
  let startAsked = -1;
  let stopped = false;

  const end = (a: Attempt) => {
    a.stopServing();
    for (const f of a.feeds) f.unsubscribe();
    for (const o of a.outputs) o.close();
    a.runner.stop();
  };

  const deploy = (m: Deploy) => {
    if (current) end(current);
    for (const [id, origin] of Object.entries(m.peers)) links.peers.set(id, origin);
    const inputs = (wiring.upstream.get(taskId) ?? []).map((from) => new DataChannel<JobRecord>(from));
    const feeds = inputs.map((channel) => feedInput(links.data, links.channelAddresses(m.attempt, channel.from, taskId), channel, job.capacity, warn('malformed data')));
    const outputs = (wiring.outputs.get(taskId) ?? []).map(([to]) => new RemoteOutput(taskId, links.data, links.channelAddresses(m.attempt, taskId, to), warn(`data to ${to}`)));
    const runner = new TaskRunner({
      jobId: job.jobId,
      taskId,
      attempt: m.attempt,
      role,
      inputs,
      outputs,
      capacity: job.capacity,
      transport: new BindingControlTransport(control, warn('control message not sent')),
      states,
      log,
      sink,
      restore: m.restore === null ? null : decodeCheckpoint(m.restore),
      time,
      asyncSnapshots: true,
      heartbeatInterval: remote.heartbeatInterval,
      onSourceSnapshot: (checkpointId, exhausted) => exhausted && manage({ kind: 'atEnd', jobId: job.jobId, taskId, checkpointId }),
      onObservation: (o) => o.kind === 'committed' && manage({ kind: 'committed', jobId: job.jobId, taskId, checkpointId: o.checkpointId }),
    });
    const stopServing = serveTask(runner.task, control, null, {
      dedup,
      // A deposed coordinator's control message: fenced here, and said so.
      onRejected: (rejection) => rejection.code === 'stale-epoch' && say(`${taskId}: rejected a control message as stale-epoch: ${rejection.message}`),
    });
    current = { attempt: m.attempt, runner, outputs, feeds, stopServing, throttle: new Throttle(remote.rate, () => time.now()), started: false };
    say(`${taskId}: deployed attempt ${m.attempt}${m.restore === null ? '' : ` from checkpoint ${decodeCheckpoint(m.restore)?.checkpointId}`}`);
    manage({ kind: 'deployed', jobId: job.jobId, taskId, attempt: m.attempt });
    if (startAsked === m.attempt) start(current);
  };

  const start = (a: Attempt) => {
    if (a.started) return;
    a.started = true;
    a.runner.start();
  };

  const stopManagement = links.onManagement((bytes) => {
    const d = decodeManagement(bytes, TO_TASK);
    if (!d.ok) return warn('malformed management message')(new Error(d.rejection.message));
    const m = d.value;
    const decision = taskDecision(m, { jobId: job.jobId, taskId, instance, epoch, attempt: current?.attempt ?? -1 });
    if (decision === 'ignore') {
      if (m.epoch < epoch) say(`${taskId}: ignored ${m.kind} of deposed leader epoch ${m.epoch} (this process follows epoch ${epoch})`);
      return;
    }
    epoch = m.epoch;
    if (decision === 'stop') stopped = true;
    else if (decision === 'deploy') deploy(m as Deploy);
    else if (decision === 'start') start(current as Attempt);
    else startAsked = (m as Start).attempt;
  });

  const hello = () =>
    manage({ kind: 'hello', jobId: job.jobId, taskId, instance, origin: links.origin, attempt: current?.attempt ?? -1, exhausted: current?.started === true && current.runner.exhausted });
  hello();
  const helloTimer = setInterval(hello, HELLO_MS);
  say(`${taskId}: process ${instance} ${links.origin ? `at ${links.origin} ` : ''}waiting for the coordinator`);
  try {
    while (!stopped) {
      const a: Attempt | null = current;
      let work = 0;
      if (a?.started) {
        if (role.kind === 'source') {
          const read = a.runner.produce(a.throttle.allowance(job.sourceBatch));
          a.throttle.took(read);
          work += read;
        } else work += a.runner.consume(2048);
        for (const o of a.outputs) o.flush();
        for (const f of a.feeds) f.release();
      }
      await time.pass(work === 0 ? 2 : 0);
    }
    say(`${taskId}: stopped by the coordinator`);
  } finally {
    clearInterval(helloTimer);
    stopManagement();
    if (current) end(current);
    await links.close();
  }
  return 0;
}
