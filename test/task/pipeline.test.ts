/**
 * One coordinator, two sources, a two-input task and a two-phase-commit sink, over in-memory
 * channels: the wiring another harness would use, checked end to end with the protocol monitor.
 */
import { describe, expect, it } from 'vitest';
import type { CoordinatorToTaskMessage, JobTopology, Observation, StreamEvent, TaskToCoordinatorMessage } from '../../spec/index.js';
import { ProtocolMonitor } from '../../spec/index.js';
import { createCoordinator } from '../../runtime/coordinator/create-coordinator.js';
import type { Coordinator } from '../../runtime/coordinator/create-coordinator.js';
import { createTask, InMemorySink, InMemorySnapshots } from '../../runtime/task/index.js';
import type { Task } from '../../runtime/task/index.js';
import { ManualTime } from '../../runtime/time.js';

const TOPOLOGY: JobTopology = {
  jobId: 'job',
  vertices: [
    { id: 'src', parallelism: 2, inputs: [] },
    { id: 'map', parallelism: 1, inputs: [{ from: 'src', pattern: 'all-to-all' }] },
    { id: 'sink', parallelism: 1, inputs: [{ from: 'map', pattern: 'all-to-all' }] },
  ],
};

interface Channel {
  readonly queue: StreamEvent[];
  blocked: boolean;
}

/** Queues for control messages and FIFO data channels; `run()` delivers until nothing moves. */
class World {
  readonly time = new ManualTime(1000);
  readonly monitor = new ProtocolMonitor();
  readonly tasks = new Map<string, Task>();
  readonly channels = new Map<string, Channel[]>();
  readonly sink = new InMemorySink();
  readonly snapshots = new Map<string, InMemorySnapshots>();
  private readonly control: Array<() => void> = [];
  coordinator!: Coordinator;

  observe = (o: Observation) => void this.monitor.observe(o);

  async init(): Promise<void> {
    this.coordinator = await createCoordinator({
      topology: TOPOLOGY,
      config: { timeout: 60_000 },
      clock: this.time,
      timers: this.time,
      transport: { send: (m: CoordinatorToTaskMessage) => void this.control.push(() => this.tasks.get(m.taskId)?.receive(m)) },
    });
    this.coordinator.onObservation(this.observe);
    // [task, input channels, downstream (task, channel)]
    const wiring: Array<[string, number, Array<[string, number]>]> = [
      ['src#0', 0, [['map#0', 0]]],
      ['src#1', 0, [['map#0', 1]]],
      ['map#0', 2, [['sink#0', 0]]],
      ['sink#0', 1, []],
    ];
    for (const [taskId, inputChannels, outputs] of wiring) {
      this.channels.set(taskId, Array.from({ length: inputChannels }, () => ({ queue: [], blocked: false })));
      const snapshots = new InMemorySnapshots(taskId);
      this.snapshots.set(taskId, snapshots);
      const isSink = taskId.startsWith('sink');
      const task = createTask({
        task: { jobId: 'job', taskId, attempt: 0, inputChannels, twoPhaseCommitSink: isSink },
        toCoordinator: { send: (m: TaskToCoordinatorMessage) => void this.control.push(() => this.deliverToCoordinator(m)) },
        downstream: { broadcast: (e) => outputs.forEach(([to, ch]) => this.channels.get(to)![ch]!.queue.push(e)) },
        inputs: { block: (ch) => (this.channels.get(taskId)![ch]!.blocked = true), unblock: (ch) => (this.channels.get(taskId)![ch]!.blocked = false) },
        snapshots,
        ...(isSink ? { sink: this.sink } : {}),
        clock: this.time,
        timers: this.time,
      });
      task.onObservation(this.observe);
      this.tasks.set(taskId, task);
    }
  }

  private deliverToCoordinator(m: TaskToCoordinatorMessage): void {
    const r = this.coordinator.receive(m);
    if (!r.ok) throw new Error(`coordinator rejected ${m.type}: ${r.rejection.message}`);
  }

  /** Delivers control messages first, then one event of the first unblocked channel with data. */
  run(): void {
    for (let steps = 0; steps < 10_000; steps++) {
      const next = this.control.shift();
      if (next) {
        next();
        continue;
      }
      const ready = [...this.channels].flatMap(([taskId, chans]) => chans.map((c, i) => [taskId, i, c] as const)).find(([, , c]) => !c.blocked && c.queue.length > 0);
      if (!ready) return;
      const [taskId, ch, channel] = ready;
      const r = this.tasks.get(taskId)!.receiveStream(ch, channel.queue.shift());
      if (!r.ok) throw new Error(`${taskId} rejected input on channel ${ch}: ${r.rejection.message}`);
    }
    throw new Error('the world did not settle');
  }
}

describe('a coordinator with sources, a two-input task and a two-phase-commit sink', () => {
  it('completes checkpoints end to end, commits the sink exactly once per checkpoint, and stops with a savepoint', async () => {
    const w = new World();
    await w.init();
    for (const task of w.tasks.values()) task.start();
    w.run();
    expect([...w.tasks.values()].map((t) => t.state().lifecycle)).toEqual(['running', 'running', 'running', 'running']);

    for (const expected of [1, 2]) {
      const outcome = w.coordinator.triggerCheckpoint();
      w.run();
      expect(await outcome).toEqual({ status: 'completed', checkpointId: expected, snapshot: 'checkpoint' });
    }
    expect(w.sink.committed.map((c) => c.checkpointId)).toEqual([1, 2]);
    expect(w.tasks.get('map#0')!.state().lastStartedCheckpointId).toBe(2);

    const stop = w.coordinator.triggerSavepoint('terminate');
    w.run();
    expect(await stop).toMatchObject({ status: 'completed', checkpointId: 3, snapshot: 'sync-savepoint' });
    w.run();
    expect([...w.tasks.values()].map((t) => t.state().lifecycle)).toEqual(['finished', 'finished', 'finished', 'finished']);
    expect(w.sink.committed.map((c) => c.checkpointId)).toEqual([1, 2, 3]);
    expect(w.sink.calls.filter((c) => c.op === 'begin')).toHaveLength(3); // no transaction after the draining savepoint
    expect(w.monitor.violations).toEqual([]);
    expect(w.monitor.reached('checkpoint-completes')).toBe(true);
    expect(w.monitor.reached('savepoint-completes')).toBe(true);
  });

  it('a cancel marker reaching the two-input task aborts the checkpoint everywhere downstream; the next one completes', async () => {
    const w = new World();
    await w.init();
    for (const task of w.tasks.values()) task.start();
    w.run();
    const first = w.coordinator.triggerCheckpoint();
    w.run();
    expect((await first).status).toBe('completed');
    const map = w.tasks.get('map#0')!;
    const second = w.coordinator.triggerCheckpoint();
    // the map task sees a cancel marker on channel 1 before src#1's barrier (as if src#1 had declined)
    w.channels.get('map#0')![1]!.queue.unshift({ type: 'cancelMarker', checkpointId: 2 });
    w.run();
    expect(await second).toMatchObject({ status: 'aborted', checkpointId: 2, reason: 'CHECKPOINT_DECLINED_ON_CANCELLATION_BARRIER' });
    expect(map.state().blockedChannels).toEqual([]);
    const third = w.coordinator.triggerCheckpoint();
    w.run();
    expect((await third).status).toBe('completed');
    // the sink got the forwarded marker instead of barrier 2: nothing was pre-committed for 2
    expect(w.sink.calls.filter((c) => c.op === 'preCommit').map((c) => c.checkpointId)).toEqual([1, 3]);
    expect(w.sink.committed.map((c) => c.checkpointId)).toEqual([1, 3]);
    expect(w.monitor.violations).toEqual([]);
  });
});
