/**
 * Example: Snapwright's machines embedded in a plain Node streams pipeline (`node:stream`).
 *
 * A `Readable` source, a stateful `Transform` (a running sum) and a `Writable` two-phase-commit
 * sink are each driven by a task machine (`createTask`); one coordinator (`createCoordinator`)
 * triggers checkpoints. Barriers travel inside the object streams, in order with the records, so
 * Node's own back-pressure carries them. The sink keeps each checkpoint's records in a transaction
 * and makes them visible only when the checkpoint completed.
 *
 * Run it: `npx tsx examples/node-streams.ts`.
 * @packageDocumentation
 */
import { Readable, Transform, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { pathToFileURL } from 'node:url';
import { createCoordinator, createTask } from '../index.js';
import type { JobTopology, StreamEvent, Task, TaskTransport, TwoPhaseCommitSink } from '../index.js';

/** A record of the example: a number and the running sum after it. */
export interface SumRecord {
  /** The number. */
  readonly n: number;
  /** The running sum (set by the transform). */
  readonly sum?: number;
}

type Item = SumRecord | StreamEvent;
const isEvent = (item: Item): item is StreamEvent => 'type' in item;

const TOPOLOGY: JobTopology = {
  jobId: 'streams-example',
  vertices: [
    { id: 'source', parallelism: 1, inputs: [] },
    { id: 'sum', parallelism: 1, inputs: [{ from: 'source', pattern: 'pointwise' }] },
    { id: 'sink', parallelism: 1, inputs: [{ from: 'sum', pattern: 'pointwise' }] },
  ],
};

/**
 * Streams `records` numbers through source, sum and sink, checkpointing every `every` records.
 * @param records - how many numbers.
 * @param every - a checkpoint is requested after every this many records.
 * @returns what the sink committed, and the checkpoints that completed.
 */
export async function runStreamsExample(records = 1000, every = 100): Promise<{ committed: SumRecord[]; checkpoints: number[] }> {
  const tasks = new Map<string, Task>();
  // Control messages go through the event loop, as they would over a network.
  const coordinator = await createCoordinator({ topology: TOPOLOGY, transport: { send: (m) => queueMicrotask(() => void tasks.get(m.taskId)?.receive(m)) } });
  const toCoordinator: TaskTransport = { send: (m) => queueMicrotask(() => void coordinator.receive(m)) };
  const task = (taskId: string, inputChannels: number, push: (e: StreamEvent) => void, state: () => string, sink?: TwoPhaseCommitSink) => {
    const t = createTask({
      task: { jobId: TOPOLOGY.jobId, taskId, attempt: 0, inputChannels, twoPhaseCommitSink: sink !== undefined },
      toCoordinator,
      downstream: { broadcast: push },
      snapshots: { sync: () => ({ key: `${taskId}/${state()}`, sizeBytes: 8 }) },
      ...(sink ? { sink } : {}),
    });
    tasks.set(taskId, t);
    return t;
  };

  let offset = 0;
  const checkpoints: number[] = [];
  const checkpoint = () => coordinator.triggerCheckpoint().then((o) => void (o.status === 'completed' && checkpoints.push(o.checkpointId)));
  const source = new Readable({
    objectMode: true,
    read() {
      if (offset === records) {
        // The last checkpoint commits the rest; then the stream ends.
        void checkpoint().then(() => this.push(null));
        offset++;
        return;
      }
      if (offset < records) this.push({ n: offset++ });
      if (offset % every === 0 && offset < records) void checkpoint();
    },
  });
  task('source#0', 0, (e) => source.push(e), () => `offset-${offset}`);

  let sum = 0;
  const sumTask = task('sum#0', 1, (e) => transform.push(e), () => `sum-${sum}`);
  const transform = new Transform({
    objectMode: true,
    transform(item: Item, _encoding, done) {
      if (isEvent(item)) sumTask.receiveStream(0, item);
      else this.push({ n: item.n, sum: (sum += item.n) });
      done();
    },
  });

  // The two-phase-commit participant: transactions in memory, committed ones become output.
  const open = new Map<string, SumRecord[]>();
  const ready = new Map<string, SumRecord[]>();
  const committed: SumRecord[] = [];
  let current: SumRecord[] = [];
  const sinkPort: TwoPhaseCommitSink = {
    beginTransaction: (id) => void open.set(id, (current = [])),
    preCommit: (id) => void (ready.set(id, open.get(id) ?? []), open.delete(id)),
    commit: (id) => void (committed.push(...(ready.get(id) ?? [])), ready.delete(id)),
    abort: (id) => void open.delete(id),
    recoverAndCommit: (id) => void (committed.push(...(ready.get(id) ?? [])), ready.delete(id)),
    recoverAndAbort: (id) => void open.delete(id),
  };
  const sinkTask = task('sink#0', 1, () => {}, () => `committed-${committed.length}`, sinkPort);
  let lastCommitted = 0;
  let onCommit = () => {};
  sinkTask.onObservation((o) => {
    if (o.kind !== 'committed') return;
    lastCommitted = o.checkpointId;
    onCommit();
  });
  const sink = new Writable({
    objectMode: true,
    write(item: Item, _encoding, done) {
      if (isEvent(item)) sinkTask.receiveStream(0, item);
      else current.push(item);
      done();
    },
  });

  for (const t of tasks.values()) t.start();
  await pipeline(source, transform, sink);
  // The sink commits when the last checkpoint's completion notification arrives.
  const last = checkpoints.at(-1) ?? 0;
  if (lastCommitted < last) await new Promise<void>((resolve) => (onCommit = () => lastCommitted >= last && resolve()));
  coordinator.shutdown();
  for (const t of tasks.values()) t.stop();
  return { committed, checkpoints };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const { committed, checkpoints } = await runStreamsExample();
  console.log(`${checkpoints.length} checkpoints completed; the sink committed ${committed.length} records, the last sum ${committed.at(-1)?.sum}`);
}
