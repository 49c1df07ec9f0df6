/**
 * `snapwright run --role coordinator`: the coordinator of the main job in its own process. It
 * keeps completed checkpoints in the durable file store in `<dir>/store` and campaigns for that
 * store's leader lease before anything else (see `leadership.ts`): it leads with a new leader
 * epoch, or stands by until the leader's lease lapses, and stops at once when deposed. It serves its generated control binding (`serveCoordinator`), supervises
 * the task attempts by heartbeat (`heartbeatTimeout`, `onTaskLost`), and manages the job (see
 * `management.ts`): once every task process said hello it restores from the latest completed
 * checkpoint and deploys a new attempt of every task; a lost task (silent past the timeout, or
 * replaced by a new process) fails the job over, and every task is deployed again as soon as each
 * has a live process. When a checkpoint taken after the whole input completed and every sink
 * committed it, it stops the tasks and judges the sinks' committed files.
 * @packageDocumentation
 */
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { serveCoordinator } from '../../adapters/shared/connect.js';
import type { CompletedCheckpoint } from '../../machines/index.js';
import { createCoordinator } from '../../runtime/coordinator/create-coordinator.js';
import { encodeCheckpoint } from '../../runtime/store/checkpoint-codec.js';
import type { RejectionCode } from '../../spec/index.js';
import type { Transport } from '../../adapters/runtime/contract.js';
import type { Deposition } from '../../runtime/store/leader-lease.js';
import { eventLine } from '../display.js';
import { committedLines } from '../file-sink.js';
import { JobFigures, quantile } from '../figures.js';
import { InputLog } from '../input-log.js';
import { realTime } from '../job-time.js';
import { checkpointTimeout } from '../options.js';
import { pipelineTopology, roleOf } from '../pipeline.js';
import { serveRest } from '../rest.js';
import type { RestServer } from '../rest.js';
import { TaskStateStore } from '../task-state-store.js';
import type { Verdict } from '../verdict.js';
import { judge } from '../verdict.js';
import { wiringOf } from '../../runtime/harness/local-job.js';
import { coordinatorBinding, openLinks } from './links.js';
import type { Hello, ManagementMessage } from './management.js';
import { decodeManagement, HELLO_MS, TO_COORDINATOR } from './management.js';
import type { RemoteJob } from './roles.js';
import { JobMembership } from './membership.js';
import { fencedTransport, leadOrStandBy, whenPortFree } from './leadership.js';

/** What a remote run's coordinator reports when it led the job to the end (or its deadline). */
export interface RemoteResult extends Verdict {
  /** It judged the output. */
  readonly outcome: 'judged';
  /** The job id. */
  readonly jobId: string;
  /** The transport. */
  readonly transport: string;
  /** This coordinator's leader epoch. */
  readonly leaderEpoch: number;
  /** Checkpoints completed by this coordinator. */
  readonly checkpointsCompleted: number;
  /** Checkpoints aborted under this coordinator. */
  readonly checkpointsAborted: number;
  /** Failovers: every task deployed again after the first deployment. */
  readonly recoveries: number;
  /** Task attempts declared lost by heartbeat timeout. */
  readonly tasksLost: ReadonlyArray<{ readonly taskId: string; readonly attempt: number; readonly silentForMs: number }>;
  /** Task processes replaced by a new process before their loss was noticed. */
  readonly tasksReplaced: number;
  /** Control messages rejected, by code (`stale-attempt`: a late message of a dead attempt). */
  readonly rejected: Readonly<Partial<Record<RejectionCode, number>>>;
  /** Median end-to-end checkpoint duration, ms. */
  readonly checkpointP50Ms: number;
  /** Whether the run hit its deadline. */
  readonly timedOut: boolean;
  /** Input records over the time from the first start of every task to the verdict. */
  readonly recordsPerSecond: number;
  /** Wall time, ms (waiting for the task processes included). */
  readonly elapsedMs: number;
}

/** What a coordinator reports when a newer leader deposed it: it stopped at once and did not judge. */
export interface DeposedResult {
  /** It was deposed. */
  readonly outcome: 'deposed';
  /** The job id. */
  readonly jobId: string;
  /** The transport. */
  readonly transport: string;
  /** This coordinator's (old) leader epoch. */
  readonly leaderEpoch: number;
  /** The epoch and lease holder that deposed it. */
  readonly deposedBy: { readonly epoch: number; readonly holder: string | null };
  /** Checkpoints completed under this coordinator (all before it lost its lease). */
  readonly checkpointsCompleted: number;
  /** Sends refused because its lease was not fresh. */
  readonly sendsRefused: number;
  /** Wall time, ms. */
  readonly elapsedMs: number;
}

/** What a standby coordinator reports when the leader finished the job while it stood by. */
export interface JobDoneResult {
  /** The job was done by another coordinator. */
  readonly outcome: 'job-done';
  /** The job id. */
  readonly jobId: string;
  /** The leader epoch that finished it. */
  readonly leaderEpoch: number;
  /** The holder of that epoch. */
  readonly holder: string;
}

/** Any outcome of a coordinator process. */
export type CoordinatorProcessResult = RemoteResult | DeposedResult | JobDoneResult;

/**
 * Runs the coordinator process: campaigns for the lease, then leads to the verdict (or is deposed).
 * @param r - the run's options (role `coordinator`).
 * @param say - where progress lines go.
 * @param onRest - told when the REST server listens.
 */
export async function runCoordinatorProcess(r: RemoteJob, say: (line: string) => void, onRest: (server: RestServer) => void = () => {}): Promise<CoordinatorProcessResult> {
  const { job, remote } = r;
  const started = performance.now();
  const campaigned = await leadOrStandBy(r, say);
  if (campaigned.kind === 'job-done') return { outcome: 'job-done', jobId: job.jobId, leaderEpoch: campaigned.epoch, holder: campaigned.holder };
  const { storage, leadership } = campaigned;
  const ledAt = performance.now();
  let sendsRefused = 0;
  const time = realTime();
  const topology = pipelineTopology(job.jobId, job.parallelism);
  const taskIds = wiringOf(topology).taskIds;
  const sources = taskIds.filter((id) => roleOf(id, job.parallelism).kind === 'source');
  const sinks = taskIds.filter((id) => roleOf(id, job.parallelism).kind === 'sink');
  const states = new TaskStateStore(join(job.dir, 'state'), true);
  const fence = (t: Transport) => fencedTransport(t, leadership, () => void sendsRefused++);
  const links = await whenPortFree(() => openLinks(r, fence), 'coordinator links', leadership, say, ledAt + job.deadline).catch(async (e: unknown) => {
    await leadership.release('released');
    await storage.close();
    throw e;
  });
  const binding = coordinatorBinding(links, job.jobId);
  const figures = new JobFigures(time);
  figures.onEvent((e) => say(eventLine(e)));
  const silenceMs = Math.max(2 * remote.heartbeatTimeout, 4 * HELLO_MS);
  const members = new JobMembership(taskIds, storage.epoch, silenceMs);
  const tasksLost: Array<{ taskId: string; attempt: number; silentForMs: number }> = [];
  const rejected: Partial<Record<RejectionCode, number>> = {};
  const atEnd = new Map<number, Set<string>>();
  const completed = new Set<number>();
  const sinkCommitted = new Map<string, number>();
  let restoreRequest: CompletedCheckpoint | null | undefined = undefined;
  let finalRequested = false;
  let finalRetryAt = 0;
  let tasksReplaced = 0;
  let runningSince: number | null = null;
  const interval = job.interval;
  const manage = (taskId: string, m: ManagementMessage) => void links.manage({ task: taskId }, m).catch((e: unknown) => say(`${m.kind} to ${taskId} not sent: ${e instanceof Error ? e.message : String(e)}`));

  const coordinator = await createCoordinator({
    topology,
    config: { interval, timeout: checkpointTimeout(job), tolerableFailures: job.tolerableFailures, maxConcurrent: 1, retained: 1, heartbeatTimeout: remote.heartbeatTimeout },
    transport: binding,
    store: storage.store,
    counter: storage.counter,
    leaderEpoch: storage.epoch,
    clock: time,
    timers: time,
    discardState: (handles) => states.discard(handles),
    onRestore: (restore) => void (restoreRequest = restore.checkpoint),
    onTaskLost: (lost) => {
      tasksLost.push({ ...lost });
      say(`task ${lost.taskId} attempt ${lost.attempt} lost: no heartbeat for ${lost.silentForMs} ms`);
      failover(lost.taskId);
    },
    onJobFailure: (f) => {
      say(`job failure: ${f.reason}`);
      failover(null);
    },
  });
  figures.attach(coordinator);
  coordinator.onCommand((c) => {
    if (c.kind === 'checkpointCompleted') completed.add(c.checkpointId);
  });
  let deposition: Deposition | null = null;
  leadership.onDeposed((d) => {
    deposition = d;
    coordinator.shutdown();
    say(`deposed: leader epoch ${d.epoch} was taken over by epoch ${d.storeEpoch} (${d.holder ?? 'a coordinator without a lease'}): stopped at once, not judging`);
  });
  const stopServing = serveCoordinator(coordinator, binding, {
    onRejected: (rejection) => void (rejected[rejection.code] = (rejected[rejection.code] ?? 0) + 1),
  });

  /** Stops checkpointing; every task is deployed again once each has a live process. */
  function failover(lostTask: string | null): void {
    if (lostTask !== null) members.forget(lostTask);
    if (!members.deployed) return;
    members.failover();
    if (interval !== null) coordinator.stopScheduler();
    coordinator.abortPending('JOB_FAILOVER_REGION');
  }

  const hello = (m: Hello) => {
    const replaced = members.hello(m, time.now());
    if (replaced) {
      tasksReplaced++;
      say(`task ${m.taskId} has a new process`);
      failover(null);
    }
    if (m.origin !== null) links.peers.set(m.taskId, m.origin);
  };

  const stopManagement = links.onManagement((bytes) => {
    const d = decodeManagement(bytes, TO_COORDINATOR);
    if (!d.ok || d.value.jobId !== job.jobId || !taskIds.includes(d.value.taskId)) return;
    const m = d.value;
    if (m.kind === 'hello') hello(m);
    else if (m.kind === 'deployed') {
      if (members.deployedBy(m.taskId, m.attempt)) {
        say(`every task deployed attempt ${m.attempt}: starting`);
        for (const id of taskIds) manage(id, { kind: 'start', jobId: job.jobId, taskId: id, epoch: storage.epoch, attempt: m.attempt });
        if (interval !== null) coordinator.startScheduler();
        runningSince ??= performance.now();
      }
    } else if (m.kind === 'atEnd') {
      const at = atEnd.get(m.checkpointId) ?? new Set<string>();
      at.add(m.taskId);
      atEnd.set(m.checkpointId, at);
    } else sinkCommitted.set(m.taskId, Math.max(sinkCommitted.get(m.taskId) ?? 0, m.checkpointId));
  });

  const deploy = (checkpoint: CompletedCheckpoint | null) => {
    const attempt = members.nextAttempt();
    const restore = checkpoint === null ? null : encodeCheckpoint(checkpoint);
    const peers = Object.fromEntries(links.peers);
    say(`deploying attempt ${attempt} of every task ${checkpoint === null ? 'from the beginning' : `from checkpoint ${checkpoint.checkpointId}`}`);
    for (const id of taskIds) manage(id, { kind: 'deploy', jobId: job.jobId, taskId: id, instance: members.instanceOf(id) as string, epoch: storage.epoch, attempt, restore, peers });
  };

  /** A checkpoint taken after every source read its partition, completed and committed by every sink. */
  const finished = (): boolean => {
    for (const [id, at] of atEnd) {
      if (at.size === sources.length && completed.has(id) && sinks.every((s) => (sinkCommitted.get(s) ?? 0) >= id)) return true;
    }
    return false;
  };

  let rest: RestServer | null = null;
  let jobDone = false;
  say(`coordinator of ${job.jobId} over ${remote.transport}, leader epoch ${storage.epoch}${links.origin ? ` at ${links.origin}` : ''}: waiting for ${taskIds.length} task processes`);
  let timedOut = false;
  let firstDeploy = true;
  try {
    if (job.restPort !== null) {
      const port = job.restPort;
      rest = await whenPortFree(() => serveRest(port, () => ({ jobId: job.jobId, figures })), 'REST', leadership, say, ledAt + job.deadline);
      onRest(rest);
    }
    while (!finished() && deposition === null) {
      if (performance.now() - ledAt >= job.deadline) {
        timedOut = true;
        break;
      }
      const silent = members.silent(time.now());
      if (silent !== null) {
        say(`task ${silent} sent no hello for ${silenceMs} ms`);
        failover(silent);
      }
      if (members.ready) {
        members.deploying();
        coordinator.restore(firstDeploy ? 'initial' : 'global');
        firstDeploy = false;
      }
      if (restoreRequest !== undefined) {
        const checkpoint = restoreRequest;
        restoreRequest = undefined;
        deploy(checkpoint);
      }
      if (members.running && !finalRequested && time.now() >= finalRetryAt && sources.every((s) => members.exhausted(s))) {
        finalRequested = true;
        void coordinator.triggerCheckpoint().then((outcome) => {
          finalRequested = false;
          if (outcome.status !== 'completed') finalRetryAt = time.now() + (interval ?? 10);
        });
      }
      await time.pass(5);
    }
    if (!timedOut && deposition === null) {
      say('a checkpoint after the whole input is committed: stopping the tasks');
      await Promise.allSettled(taskIds.map((id) => links.manage({ task: id }, { kind: 'stop', jobId: job.jobId, taskId: id, epoch: storage.epoch })));
      jobDone = true;
    }
  } finally {
    figures.freeze();
    stopServing();
    stopManagement();
    coordinator.shutdown();
    // Done: standbys stop campaigning; otherwise one takes over at once. A deposed leader writes nothing.
    await leadership.release(jobDone ? 'done' : 'released').catch((e: unknown) => say(`lease not released: ${e instanceof Error ? e.message : String(e)}`));
    await storage.close();
    await links.close();
    await rest?.close();
  }
  const deposed = deposition as Deposition | null;
  if (deposed !== null) {
    return {
      outcome: 'deposed',
      jobId: job.jobId,
      transport: remote.transport,
      leaderEpoch: storage.epoch,
      deposedBy: { epoch: deposed.storeEpoch, holder: deposed.holder },
      checkpointsCompleted: figures.completed,
      sendsRefused,
      elapsedMs: Math.round(performance.now() - started),
    };
  }
  const log = new InputLog({ seed: job.seed, partitions: job.parallelism, recordsPerPartition: job.records, keys: job.keys });
  const verdict = judge(log, committedLines(join(job.dir, 'sink')), []);
  return {
    outcome: 'judged',
    ...verdict,
    exactlyOnce: verdict.exactlyOnce && !timedOut,
    jobId: job.jobId,
    transport: remote.transport,
    leaderEpoch: storage.epoch,
    checkpointsCompleted: figures.completed,
    checkpointsAborted: figures.aborted,
    recoveries: members.recoveries,
    tasksLost,
    tasksReplaced,
    rejected,
    checkpointP50Ms: quantile(figures.durations(), 0.5),
    timedOut,
    recordsPerSecond: Math.round(verdict.inputRecords / Math.max(0.001, (performance.now() - (runningSince ?? started)) / 1000)),
    elapsedMs: Math.round(performance.now() - started),
  };
}
