/**
 * `runJob`: one checkpointed exactly-once run of the pipeline, start to verdict. Sources read the
 * seeded input log; periodic checkpoints run; faults are injected; failures recover from the
 * latest completed checkpoint; once the input is read a final checkpoint commits the sinks'
 * last transactions; then the committed files are judged against the input.
 * @packageDocumentation
 */
import type { InspectionEvent } from 'xstate';
import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { ProtocolMonitor } from '../spec/index.js';
import type { CheckpointFailureReason } from '../spec/index.js';
import { InProcessTransport } from './control-transport.js';
import type { ControlTransport } from './control-transport.js';
import { openCoordinatorStorage } from './coordinator-storage.js';
import { JobEngine } from './engine.js';
import type { FaultCounts, PlannedKill } from './faults.js';
import { faultsInjected, FaultyTransport, KillPlan } from './faults.js';
import type { JobEvent } from './figures.js';
import { JobFigures, quantile } from './figures.js';
import { committedLines } from './file-sink.js';
import { InputLog } from './input-log.js';
import type { JobTime } from './job-time.js';
import { realTime, VirtualTime } from './job-time.js';
import type { JobOptions, JobOptionsInput } from './options.js';
import { checkpointTimeout, resolveJobOptions } from './options.js';
import { pipelineTopology } from './pipeline.js';
import { Random } from './random.js';
import { serveRest } from './rest.js';
import type { RestServer } from './rest.js';
import { TaskStateStore } from './task-state-store.js';
import type { Verdict } from './verdict.js';
import { judge } from './verdict.js';

/** The outcome of a run: the verdict and the figures. */
export interface JobResult extends Verdict {
  /** The job id. */
  readonly jobId: string;
  /** The seed. */
  readonly seed: number;
  /** Where the run wrote. */
  readonly dir: string;
  /** Checkpoints completed. */
  readonly checkpointsCompleted: number;
  /** Checkpoints aborted. */
  readonly checkpointsAborted: number;
  /** Aborted checkpoints by reason. */
  readonly abortedByReason: Partial<Record<CheckpointFailureReason, number>>;
  /** Recoveries (restores after task kills, job failures and coordinator kills). */
  readonly recoveries: number;
  /** Median end-to-end checkpoint duration, ms. */
  readonly checkpointP50Ms: number;
  /** 99th percentile end-to-end checkpoint duration, ms. */
  readonly checkpointP99Ms: number;
  /** Input records over the run's wall time (the final commit included). */
  readonly recordsPerSecond: number;
  /** Input records over the time until the sinks had taken the last record (the final commit excluded). */
  readonly processingRecordsPerSecond: number;
  /** State size of the latest completed checkpoint, bytes. */
  readonly snapshotBytes: number;
  /** Bytes of snapshots written in the run, before compression. */
  readonly snapshotBytesWritten: number;
  /** Bytes stored for them, after compression (node:zlib; states under 1 KiB are stored as they are). */
  readonly snapshotBytesStored: number;
  /** Faults injected, by kind. */
  readonly faults: Readonly<FaultCounts>;
  /** Faults injected in all. */
  readonly faultsInjected: number;
  /** Stream events the tasks rejected (none on a correct run). */
  readonly streamRejections: number;
  /** Whether the run hit its deadline before finishing. */
  readonly timedOut: boolean;
  /** Wall time, ms. */
  readonly elapsedMs: number;
}

/** A live view of a run, for displays. */
export interface RunStatus {
  /** Fraction of the input read (replays included), in [0, 1]. */
  readonly progress: number;
  /** The figures so far. */
  readonly figures: JobFigures;
  /** Recoveries so far. */
  readonly recoveries: number;
  /** Faults so far. */
  readonly faults: Readonly<FaultCounts>;
  /** Wall time so far, ms. */
  readonly elapsedMs: number;
}

/** Callbacks of a run. */
export interface RunHooks {
  /** A checkpoint ended or a restore happened. */
  readonly onEvent?: (e: JobEvent) => void;
  /**
   * A kill was injected.
   * @param kill - what died.
   * @param interrupted - the checkpoint it hit in the middle of its acknowledgements, or null.
   */
  readonly onKill?: (kill: PlannedKill, interrupted: number | null) => void;
  /** Called about every 50 ms of wall time. */
  readonly onTick?: (status: RunStatus) => void;
  /** The REST server listens. */
  readonly onRestListening?: (server: RestServer) => void;
  /** Awaited after the job stopped and before the REST server closes (e.g. to finish queries). */
  readonly beforeRestClose?: () => Promise<unknown>;
  /** A transport instead of the in-process one (faults are injected around it). */
  readonly transport?: ControlTransport;
  /** An XState inspection observer for the coordinator and every task attempt (`run --inspect`). */
  readonly inspect?: (event: InspectionEvent) => void;
}

/** Control messages delivered per round, so kills can land between acknowledgements. */
const CONTROL_BATCH = 8;
/** Real time: the longest stretch of work between two turns of the event loop, ms. */
const YIELD_MS = 1;
/** Items consumed per round at most. */
const CONSUME_BUDGET = 2048;

/**
 * Runs the job to its verdict.
 * @param input - options (see {@link JobOptions}); validated before anything runs.
 * @param hooks - callbacks.
 * @throws `ConfigError` naming a bad option.
 */
export async function runJob(input: JobOptionsInput = {}, hooks: RunHooks = {}): Promise<JobResult> {
  const o = resolveJobOptions(input);
  const dir = o.dir ?? mkdtempSync(join(tmpdir(), 'snapwright-run-'));
  mkdirSync(dir, { recursive: true });
  const random = new Random(o.seed);
  const time: JobTime = o.virtual ? new VirtualTime(0) : realTime();
  const counts: FaultCounts = { dropped: 0, duplicated: 0, delayed: 0, tasksKilled: 0, coordinatorsKilled: 0 };
  const transport = new FaultyTransport(hooks.transport ?? new InProcessTransport(), o.faults, random.fork(1), time, counts);
  const log = new InputLog({ seed: o.seed, partitions: o.parallelism, recordsPerPartition: o.records, keys: o.keys });
  const figures = new JobFigures(time);
  if (hooks.onEvent) figures.onEvent(hooks.onEvent);
  const monitor = new ProtocolMonitor();
  const interval = o.interval;
  const engine = await JobEngine.start({
    topology: pipelineTopology(o.jobId, o.parallelism),
    parallelism: o.parallelism,
    config: { interval, timeout: checkpointTimeout(o), tolerableFailures: o.tolerableFailures, maxConcurrent: 1, retained: 1 },
    log,
    dir,
    time,
    transport,
    storage: await openCoordinatorStorage(o.virtual ? null : join(dir, 'store'), 1),
    states: new TaskStateStore(join(dir, 'state'), !o.virtual),
    fsync: !o.virtual,
    capacity: o.capacity,
    monitor,
    ...(hooks.inspect ? { inspect: hooks.inspect } : {}),
    random: (() => {
      const r = random.fork(3);
      return () => r.next();
    })(),
    onCoordinator: (c) => figures.attach(c),
  });
  const kills = new KillPlan(o.faults, random.fork(2), engine.taskIds, 3 * (interval ?? 100));
  const rest = o.restPort === null ? null : await serveRest(o.restPort, () => ({ jobId: o.jobId, figures }));
  if (rest) hooks.onRestListening?.(rest);

  const started = performance.now();
  const status = (): RunStatus => ({ progress: engine.progress(), figures, recoveries: engine.recoveries, faults: counts, elapsedMs: performance.now() - started });
  let lastYield = started;
  let lastTick = started;
  let timedOut = false;
  let drainedAt: number | null = null;
  const deadline = () => (o.virtual ? time.now() : performance.now() - started) >= o.deadline;
  const fireKills = async () => {
    for (;;) {
      const kill = kills.due({ progress: engine.progress(), now: time.now(), midCheckpoint: engine.interruptedCheckpoint() !== null, storing: engine.storing() });
      if (kill === null) return;
      hooks.onKill?.(kill, engine.interruptedCheckpoint());
      if (kill.kind === 'task' && kill.taskId !== null) {
        counts.tasksKilled++;
        engine.killTask(kill.taskId);
      } else {
        counts.coordinatorsKilled++;
        await engine.killCoordinator();
      }
    }
  };
  try {
    while (!engine.finished) {
      if (deadline()) {
        timedOut = true;
        break;
      }
      let work = engine.deliverControl(CONTROL_BATCH);
      if (kills.remaining > 0) await fireKills();
      work += engine.flow(o.sourceBatch, CONSUME_BUDGET);
      engine.requestFinalCheckpoint(interval ?? 10);
      if (drainedAt === null && engine.drained) drainedAt = performance.now();
      const now = performance.now();
      if (hooks.onTick && now - lastTick >= 50) {
        lastTick = now;
        hooks.onTick(status());
      }
      if (o.virtual) await time.pass(1);
      else if (work === 0 && transport.inFlight === 0) await time.pass(1);
      // Asynchronous snapshot parts and store writes are chains of I/O steps, one per turn of the
      // event loop: yield often so a checkpoint is not held up by the records.
      else if (now - lastYield >= YIELD_MS) {
        lastYield = now;
        await time.pass(0);
      }
    }
  } finally {
    figures.freeze();
    await engine.stop();
    if (rest) {
      await hooks.beforeRestClose?.();
      await rest.close();
    }
  }
  const elapsedMs = performance.now() - started;
  const verdict = judge(
    log,
    committedLines(join(dir, 'sink')),
    monitor.violations.map((v) => `${v.property}: ${v.message}`),
  );
  const latest = figures.latestCompleted();
  const durations = figures.durations();
  const streamRejections = engine.rejections();
  return {
    ...verdict,
    exactlyOnce: verdict.exactlyOnce && streamRejections === 0 && !timedOut,
    jobId: o.jobId,
    seed: o.seed,
    dir,
    checkpointsCompleted: figures.completed,
    checkpointsAborted: figures.aborted,
    abortedByReason: figures.abortedByReason,
    recoveries: engine.recoveries,
    checkpointP50Ms: quantile(durations, 0.5),
    checkpointP99Ms: quantile(durations, 0.99),
    recordsPerSecond: Math.round(log.size / (elapsedMs / 1000)),
    processingRecordsPerSecond: Math.round(log.size / (((drainedAt ?? performance.now()) - started) / 1000)),
    snapshotBytes: latest?.stateBytes ?? 0,
    snapshotBytesWritten: engine.stateBytesWritten(),
    snapshotBytesStored: engine.stateBytesStored(),
    faults: { ...counts },
    faultsInjected: faultsInjected(counts),
    streamRejections,
    timedOut,
    elapsedMs: Math.round(elapsedMs),
  };
}

/** A result without what depends on the machine (where it wrote, wall-clock figures). */
export type ReplayableResult = Omit<JobResult, 'dir' | 'elapsedMs' | 'recordsPerSecond' | 'processingRecordsPerSecond'>;

/**
 * The part of a result that a run in virtual time reproduces exactly from its seed.
 * @param r - the result.
 */
export function replayable(r: JobResult): ReplayableResult {
  const { dir: _dir, elapsedMs: _elapsed, recordsPerSecond: _rps, processingRecordsPerSecond: _prps, ...rest } = r;
  return rest;
}

export type { JobOptions };
