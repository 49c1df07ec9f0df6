/**
 * A real job over a transport under test: `createCoordinator` and one `createTask` per task,
 * wired through the generated bindings of the transport's kind (`adapters/shared/connect.ts`).
 * Sources feed two-phase-commit sinks over the data channel when the transport is ordered;
 * otherwise every task is a source (the data binding needs ordered-exactly-once delivery).
 * @packageDocumentation
 */
import type { Transport, TransportEvent } from '../../../adapters/runtime/contract.js';
import { satisfiesDelivery } from '../../../adapters/runtime/contract.js';
import { broadcastOver, InputGates, serveCoordinator, serveTask } from '../../../adapters/shared/connect.js';
import type { Coordinator } from '../../../runtime/coordinator/create-coordinator.js';
import { createCoordinator } from '../../../runtime/coordinator/create-coordinator.js';
import type { Task } from '../../../runtime/task/create-task.js';
import { createTask } from '../../../runtime/task/create-task.js';
import { InMemorySink, InMemorySnapshots } from '../../../runtime/task/in-memory.js';
import type { JobTopology, Rejection } from '../../../spec/index.js';
import { ProtocolMonitor, taskIdsOf, upstreamTasksOf } from '../../../spec/index.js';
import { watchMonitor } from '../../support/coordinator-fixture.js';
import { BINDINGS } from './bindings.js';
import type { Participant, TransportHarness } from './harness.js';

/** How a job is built. */
export interface JobOptions {
  /** How many tasks (at least 2). */
  readonly tasks: number;
  /** Wraps a participant's transport (fault injection); identity by default. */
  readonly wrap?: (participant: Participant, transport: Transport) => Transport;
}

/** A rejected arrival, with who rejected it. */
export interface SeenRejection {
  /** `coordinator` or the task id. */
  readonly at: string;
  /** The typed rejection. */
  readonly rejection: Rejection;
}

/** A running job over the transport under test. */
export interface ConformanceJob {
  /** The job id (unique per case). */
  readonly jobId: string;
  /** The coordinator. */
  readonly coordinator: Coordinator;
  /** The tasks, by id. */
  readonly tasks: ReadonlyMap<string, Task>;
  /** The sinks' external systems, by task id. */
  readonly sinks: ReadonlyMap<string, InMemorySink>;
  /** Every participant, by id (`coordinator` too). */
  readonly participants: ReadonlyMap<string, Participant>;
  /** The real (unwrapped) transport of every participant, by id. */
  readonly transports: ReadonlyMap<string, Transport>;
  /** Fed with the observations of the coordinator and every task. */
  readonly monitor: ProtocolMonitor;
  /** Every rejected arrival. */
  readonly rejections: SeenRejection[];
  /** Every transport event, with the participant that reported it. */
  readonly events: Array<{ readonly at: string; readonly event: TransportEvent }>;
  /** How many arrivals were dropped as redeliveries. */
  readonly redelivered: { count: number };
  /** Triggers one checkpoint and waits until every task learnt its outcome. */
  round(): Promise<Awaited<ReturnType<Coordinator['triggerCheckpoint']>>>;
  /** A comparable picture of the coordinator's state (to show that bad input changed nothing). */
  picture(): string;
  /** Stops the runtimes (the harness's teardown closes the transports). */
  stop(): void;
}

/**
 * Waits until `condition` holds, checking after every macrotask; fails with `what` after 30 s.
 * @param condition - the condition.
 * @param what - what is awaited, for the error.
 */
export async function until(condition: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
}

/**
 * The topology of `n` tasks: sources feeding sinks pointwise, or only sources.
 * @param jobId - the job.
 * @param n - tasks.
 * @param ordered - whether the data channel is available.
 */
export function topologyOf(jobId: string, n: number, ordered: boolean): JobTopology {
  if (!ordered) return { jobId, vertices: [{ id: 'src', parallelism: n, inputs: [] }] };
  const sinks = Math.floor(n / 2);
  return {
    jobId,
    vertices: [
      { id: 'src', parallelism: n - sinks, inputs: [] },
      { id: 'sink', parallelism: sinks, inputs: [{ from: 'src', pattern: 'pointwise' }] },
    ],
  };
}

let jobs = 0;

/**
 * Builds and starts a job over the harness's transport, and waits until every task runs.
 * @param harness - the transport under test (set up).
 * @param caseName - names the job id.
 * @param options - size and fault injection.
 */
export async function startJob(harness: TransportHarness, caseName: string, options: JobOptions): Promise<ConformanceJob> {
  const jobId = `conf-${caseName.replace(/[^A-Za-z0-9]+/g, '-')}-${process.pid}-${++jobs}`;
  const generated = BINDINGS[harness.kind];
  const wrap = options.wrap ?? ((_, t) => t);
  const monitor = watchMonitor(new ProtocolMonitor());
  const rejections: SeenRejection[] = [];
  const events: ConformanceJob['events'] = [];
  const redelivered = { count: 0 };
  const participants = new Map<string, Participant>();
  const transports = new Map<string, Transport>();
  const connect = async (p: Participant): Promise<Transport> => {
    const t = await harness.createTransport(p);
    participants.set(p.id, p);
    transports.set(p.id, t);
    t.onEvent?.((event) => events.push({ at: p.id, event }));
    return wrap(p, t);
  };
  const serveOptions = (at: string) => ({ onRejected: (rejection: Rejection) => rejections.push({ at, rejection }), onRedelivered: () => void redelivered.count++ });

  const coordinatorTransport = await connect({ jobId, role: 'coordinator', id: 'coordinator' });
  const ordered = satisfiesDelivery(coordinatorTransport.delivery, 'ordered-exactly-once');
  const topology = topologyOf(jobId, options.tasks, ordered);
  const controlBinding = generated.coordinator(coordinatorTransport, { jobId });
  const coordinator = await createCoordinator({
    topology,
    config: { interval: 3_600_000, timeout: 60_000, maxConcurrent: 1, tolerableFailures: 1_000 },
    transport: controlBinding,
  });
  coordinator.onObservation((o) => monitor.observe(o));
  const running = new Set<string>();
  const stops = [
    serveCoordinator(coordinator, { ...controlBinding, subscribe: (h) => controlBinding.subscribe({ ...h, taskStateChanged: (m) => { h.taskStateChanged(m); if (m.state === 'running') running.add(m.taskId); } }) }, serveOptions('coordinator')),
  ];

  const taskIds = taskIdsOf(topology);
  const tasks = new Map<string, Task>();
  const sinks = new Map<string, InMemorySink>();
  const downstream = new Map<string, string[]>(taskIds.map((id) => [id, []]));
  const upstream = new Map<string, string[]>();
  for (const id of taskIds) {
    const [vertex, index] = id.split('#') as [string, string];
    const ups = upstreamTasksOf(topology, vertex, Number(index));
    upstream.set(id, ups);
    for (const up of ups) downstream.get(up)!.push(id);
  }
  for (const id of taskIds) {
    const transport = await connect({ jobId, role: 'task', id });
    const control = generated.task(transport, { jobId, taskId: id });
    const ups = upstream.get(id)!;
    const data = ordered ? generated.data(transport, { jobId, taskId: id }) : null;
    const gates = new InputGates(ups.length);
    const sink = ordered && id.startsWith('sink#') ? new InMemorySink() : undefined;
    if (sink) sinks.set(id, sink);
    const task = createTask({
      task: { jobId, taskId: id, attempt: 0, inputChannels: ups.length, twoPhaseCommitSink: sink !== undefined },
      toCoordinator: control,
      ...(data ? { downstream: broadcastOver(data, downstream.get(id)!) } : {}),
      inputs: gates.inputs,
      snapshots: new InMemorySnapshots(id),
      ...(sink ? { sink } : {}),
    });
    task.onObservation((o) => monitor.observe(o));
    stops.push(serveTask(task, control, data ? { binding: data, upstream: ups, gates } : null, serveOptions(id)));
    tasks.set(id, task);
  }
  for (const task of tasks.values()) task.start();
  await until(() => running.size === taskIds.length, `all ${taskIds.length} tasks running at the coordinator`);

  return {
    jobId,
    coordinator,
    tasks,
    sinks,
    participants,
    transports,
    monitor,
    rejections,
    events,
    redelivered,
    async round() {
      const outcome = await coordinator.triggerCheckpoint();
      if (outcome.status === 'completed') {
        await until(() => [...tasks.values()].every((t) => t.state().latestCompletedCheckpointId >= outcome.checkpointId), `every task notified of checkpoint ${outcome.checkpointId}`);
      }
      return outcome;
    },
    picture: () => JSON.stringify({ state: coordinator.state(), stats: coordinator.stats() }),
    stop() {
      for (const stop of stops) stop();
      for (const t of tasks.values()) t.stop();
      coordinator.shutdown();
    },
  };
}
