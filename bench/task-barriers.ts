/**
 * Benchmark: barriers through one aligned task with 2, 16 and 256 input channels. Each
 * checkpoint delivers one barrier per channel; the task blocks each channel, triggers the
 * checkpoint at the last barrier, sends the barrier downstream and unblocks every channel (and
 * acknowledges, through a synchronous stateless snapshot port). The real actor (`createTask`) is
 * measured beside a minimal hand-written barrier counter doing the same bookkeeping, in the same
 * run. Prints one JSON line per channel count; figures are medians over several repetitions.
 * @packageDocumentation
 */
import type { CheckpointBarrier, CheckpointOptions, StreamEvent } from '../spec/index.js';
import { createTask } from '../runtime/task/create-task.js';
import type { TaskInputs, TaskOutputs } from '../runtime/task/ports.js';
import { ManualTime } from '../runtime/time.js';
import { gc, median, seconds } from './stats.js';

const OPTIONS: CheckpointOptions = { snapshot: 'checkpoint', alignment: 'aligned', alignedCheckpointTimeoutMs: 0 };

/**
 * The floor: a hand-written aligned barrier counter (counts barriers per id, blocks the channel,
 * at count == open channels emits the barrier downstream and unblocks every blocked channel).
 */
class FloorBarrierCounter {
  private readonly counts = new Map<number, number>();
  private readonly blocked: boolean[];

  constructor(
    private readonly openChannels: number,
    private readonly inputs: TaskInputs,
    private readonly downstream: TaskOutputs,
  ) {
    this.blocked = new Array<boolean>(openChannels).fill(false);
  }

  barrier(channel: number, barrier: CheckpointBarrier): void {
    const id = barrier.checkpointId;
    const count = (this.counts.get(id) ?? 0) + 1;
    if (count < this.openChannels) {
      this.counts.set(id, count);
      this.blocked[channel] = true;
      this.inputs.block(channel);
      return;
    }
    this.counts.delete(id);
    this.downstream.broadcast(barrier);
    for (let ch = 0; ch < this.openChannels; ch++) {
      if (this.blocked[ch]) {
        this.blocked[ch] = false;
        this.inputs.unblock(ch);
      }
    }
  }
}

/**
 * Measures one channel count.
 * @param channels - input channels of the task.
 * @param checkpoints - checkpoints per repetition.
 * @param repetitions - measured repetitions (after one warm-up).
 */
export async function benchTaskBarriersFor(channels: number, checkpoints: number, repetitions: number): Promise<Record<string, unknown>> {
  let blocks = 0;
  let emitted = 0;
  let acks = 0;
  const inputs: TaskInputs = { block: () => void blocks++, unblock: () => void blocks-- };
  const downstream: TaskOutputs = { broadcast: (e: StreamEvent) => void (e.type === 'barrier' && emitted++) };
  const time = new ManualTime(1);
  const task = createTask({
    task: { jobId: 'bench', taskId: 'map#0', attempt: 0, inputChannels: channels },
    toCoordinator: { send: (m) => void (m.type === 'acknowledgeCheckpoint' && acks++) },
    downstream,
    inputs,
    clock: time,
    timers: time,
  });
  if (!task.start().ok) throw new Error('task did not start');
  let nextId = 1;
  const actorTimes: number[] = [];
  const floorTimes: number[] = [];
  for (let r = 0; r <= repetitions; r++) {
    const first = nextId;
    const barriers = Array.from({ length: checkpoints }, (_, k): CheckpointBarrier => ({ type: 'barrier', checkpointId: first + k, timestamp: 1, options: OPTIONS }));
    nextId += checkpoints;
    gc();
    const t = await seconds(() => {
      for (const b of barriers) for (let ch = 0; ch < channels; ch++) task.receiveStream(ch, b);
    });
    const floor = new FloorBarrierCounter(channels, inputs, downstream);
    gc();
    const f = await seconds(() => {
      for (const b of barriers) for (let ch = 0; ch < channels; ch++) floor.barrier(ch, b);
    });
    if (r > 0) {
      actorTimes.push(t);
      floorTimes.push(f);
    }
  }
  task.stop();
  const expected = (repetitions + 1) * checkpoints;
  if (acks !== expected || emitted !== 2 * expected || blocks !== 0) throw new Error(`bookkeeping mismatch: ${acks} acks, ${emitted} barriers, ${blocks} blocked`);
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
    results.push(await benchTaskBarriersFor(channels, Math.max(40, Math.round(60_000 / channels)), 5));
  }
  return results;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  for (const line of await benchTaskBarriers()) console.log(JSON.stringify(line));
}
