/**
 * Benchmark: barriers through one aligned task with 2, 16 and 256 input channels. Each
 * checkpoint delivers one barrier per channel; the task checks each barrier, blocks its channel,
 * at the last one takes the snapshot (a synchronous, stateless snapshot port), sends the barrier
 * downstream, unblocks every channel and acknowledges to the coordinator.
 *
 * The real actor (`createTask`) gets each checkpoint's barriers as one `receiveStreamBatch`, as a
 * runtime delivers the heads of its channel queues. Beside it, in the same run, a minimal
 * hand-written barrier counter does the same bookkeeping per checkpoint with plain mutable arrays
 * and no statechart (see {@link FloorBarrierCounter}). Inputs are built before timing; each
 * figure is the median over the measured repetitions, after warm-up ones. Prints one JSON line
 * per channel count.
 * @packageDocumentation
 */
import type { AcknowledgeCheckpoint, CheckpointBarrier, CheckpointOptions, StreamEvent, TaskToCoordinatorMessage } from '../spec/index.js';
import { checkStreamEvent } from '../spec/index.js';
import { createTask } from '../runtime/task/create-task.js';
import type { TaskInputs, TaskOutputs, TaskSnapshots, TaskTransport } from '../runtime/task/ports.js';
import { ManualTime } from '../runtime/time.js';
import { gc, median, seconds } from './stats.js';

const OPTIONS: CheckpointOptions = { snapshot: 'checkpoint', alignment: 'aligned', alignedCheckpointTimeoutMs: 0 };
const JOB = 'bench';
const TASK = 'map#0';

/**
 * The floor: a hand-written aligned barrier counter doing, per checkpoint, what the task does for
 * it: validate each incoming event (the same compiled validator), check its channel, count the
 * barriers per checkpoint id, block the channel; at the last barrier take the snapshot through the
 * same snapshot port, emit the barrier downstream, unblock every blocked channel and send the
 * acknowledgement message to the coordinator port. Plain mutable arrays, no statechart.
 */
export class FloorBarrierCounter {
  private readonly counts = new Map<number, number>();
  private readonly blocked: Uint8Array;
  private firstAt = 0;
  /** Events rejected (malformed, or from a blocked or unknown channel). */
  rejected = 0;

  /**
   * @param channels - input channels, all open.
   * @param inputs - the input-channel port.
   * @param downstream - the output port.
   * @param snapshots - the snapshot port.
   * @param toCoordinator - the coordinator port.
   */
  constructor(
    private readonly channels: number,
    private readonly inputs: TaskInputs,
    private readonly downstream: TaskOutputs,
    private readonly snapshots: TaskSnapshots,
    private readonly toCoordinator: TaskTransport,
  ) {
    this.blocked = new Uint8Array(channels);
  }

  /**
   * An in-band event arrived on `channel` at `now` (only barriers matter here).
   * @param channel - the input channel.
   * @param event - untrusted input.
   * @param now - the time.
   */
  receive(channel: number, event: unknown, now: number): void {
    if (checkStreamEvent(event) !== null || !(channel >= 0 && channel < this.channels) || this.blocked[channel] === 1) {
      this.rejected++;
      return;
    }
    const b = event as StreamEvent;
    if (b.type !== 'barrier') return;
    const id = b.checkpointId;
    const count = (this.counts.get(id) ?? 0) + 1;
    if (count === 1) this.firstAt = now;
    if (count < this.channels) {
      this.counts.set(id, count);
      this.blocked[channel] = 1;
      this.inputs.block(channel);
      return;
    }
    this.counts.delete(id);
    const part = this.snapshots.sync({ checkpointId: id, timestamp: b.timestamp, options: b.options, unaligned: false, sinkState: null });
    this.downstream.broadcast({ type: 'barrier', checkpointId: id, timestamp: b.timestamp, options: b.options });
    for (let ch = 0; ch < this.channels; ch++) {
      if (this.blocked[ch] === 1) {
        this.blocked[ch] = 0;
        this.inputs.unblock(ch);
      }
    }
    const state = typeof part === 'function' ? part() : part;
    if (state instanceof Promise) throw new Error('the floor takes synchronous snapshots only');
    const ack: AcknowledgeCheckpoint = {
      type: 'acknowledgeCheckpoint',
      jobId: JOB,
      taskId: TASK,
      attempt: 0,
      checkpointId: id,
      metrics: {
        bytesProcessedDuringAlignment: 0,
        alignmentDurationMs: now - this.firstAt,
        syncDurationMs: 0,
        asyncDurationMs: 0,
        checkpointStartDelayMs: Math.max(0, now - b.timestamp),
        bytesPersisted: state ? state.sizeBytes : 0,
        unaligned: false,
      },
      state,
    };
    void this.toCoordinator.send(ack);
  }
}

/** Per checkpoint, one batch: `{ channel, event }` for every channel. */
function batchesFor(first: number, checkpoints: number, channels: number): Array<Array<{ channel: number; event: CheckpointBarrier }>> {
  return Array.from({ length: checkpoints }, (_, k) => {
    const event: CheckpointBarrier = { type: 'barrier', checkpointId: first + k, timestamp: 1, options: OPTIONS };
    return Array.from({ length: channels }, (_, channel) => ({ channel, event }));
  });
}

/**
 * Measures one channel count.
 * @param channels - input channels of the task.
 * @param checkpoints - checkpoints per repetition.
 * @param repetitions - measured repetitions.
 * @param warmup - unmeasured repetitions first, to let the JIT settle.
 */
export async function benchTaskBarriersFor(channels: number, checkpoints: number, repetitions: number, warmup = 3): Promise<Record<string, unknown>> {
  let blocks = 0;
  let emitted = 0;
  let acks = 0;
  let snapshotsTaken = 0;
  const inputs: TaskInputs = { block: () => void blocks++, unblock: () => void blocks-- };
  const downstream: TaskOutputs = { broadcast: (e: StreamEvent) => void (e.type === 'barrier' && emitted++) };
  const snapshots: TaskSnapshots = {
    sync: () => {
      snapshotsTaken++;
      return null;
    },
  };
  const toCoordinator: TaskTransport = { send: (m: TaskToCoordinatorMessage) => void (m.type === 'acknowledgeCheckpoint' && acks++) };
  const time = new ManualTime(1);
  const task = createTask({
    task: { jobId: JOB, taskId: TASK, attempt: 0, inputChannels: channels },
    toCoordinator,
    downstream,
    inputs,
    snapshots,
    clock: time,
    timers: time,
  });
  if (!task.start().ok) throw new Error('task did not start');
  let nextId = 1;
  const actorTimes: number[] = [];
  const floorTimes: number[] = [];
  for (let r = 0; r < warmup + repetitions; r++) {
    const actorBatches = batchesFor(nextId, checkpoints, channels);
    const floorBatches = batchesFor(nextId, checkpoints, channels);
    nextId += checkpoints;
    const floor = new FloorBarrierCounter(channels, inputs, downstream, snapshots, toCoordinator);
    gc();
    const t = await seconds(() => {
      for (const batch of actorBatches) {
        const rejected = task.receiveStreamBatch(batch);
        if (rejected.length > 0) throw new Error(`unexpected rejection: ${rejected[0]!.message}`);
      }
    });
    gc();
    const f = await seconds(() => {
      const now = time.now();
      for (const batch of floorBatches) for (const item of batch) floor.receive(item.channel, item.event, now);
    });
    if (floor.rejected > 0) throw new Error('the floor rejected a barrier');
    if (r >= warmup) {
      actorTimes.push(t);
      floorTimes.push(f);
    }
  }
  task.stop();
  const expected = (warmup + repetitions) * checkpoints;
  if (acks !== 2 * expected || emitted !== 2 * expected || snapshotsTaken !== 2 * expected || blocks !== 0) {
    throw new Error(`bookkeeping mismatch: ${acks} acks, ${emitted} barriers, ${snapshotsTaken} snapshots, ${blocks} blocked`);
  }
  const barriersPerSecond = Math.round((checkpoints * channels) / median(actorTimes));
  const floorBarriersPerSecond = Math.round((checkpoints * channels) / median(floorTimes));
  return {
    bench: 'task-barriers',
    channels,
    barriersPerSecond,
    floorBarriersPerSecond,
    ratioToFloor: Number((floorBarriersPerSecond / barriersPerSecond).toFixed(2)),
  };
}

/** Every channel count of the task-barriers benchmark. */
export async function benchTaskBarriers(): Promise<Array<Record<string, unknown>>> {
  const results = [];
  for (const channels of [2, 16, 256]) {
    results.push(await benchTaskBarriersFor(channels, Math.max(200, Math.round(60_000 / channels)), 7));
  }
  return results;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  for (const line of await benchTaskBarriers()) console.log(JSON.stringify(line));
}
