/**
 * What the transport benchmarks share: rounds in which `tasks` tasks each acknowledge one
 * checkpoint through a path, into a receiver that counts them. Ours: the generated bindings over
 * our transport (encode, batch, send, decode and validate, idempotency-key dedup); raw: the same
 * client library moving the same JSON bytes without our layers (one message per send, `JSON.parse`
 * on receipt). A round is timed from the first acknowledgement sent until the receiver counted
 * the last; the figures are medians of rounds interleaved between the two paths.
 * @packageDocumentation
 */
import type { AcknowledgeCheckpoint } from '../../spec/index.js';
import { EMPTY_METRICS } from '../../spec/index.js';
import { gc, median, seconds } from '../stats.js';

/** The job every transport benchmark runs. */
export const BENCH_JOB = 'bench-transport';

/** One way of moving acknowledgements to a receiver. */
export interface AckPath {
  /**
   * Connects the receiving side.
   * @param received - called once per acknowledgement taken.
   */
  attach(received: (ack: AcknowledgeCheckpoint) => void): Promise<void>;
  /**
   * Sends one acknowledgement from its task.
   * @param ack - the acknowledgement.
   */
  send(ack: AcknowledgeCheckpoint): Promise<void>;
  /** Releases servers and connections. */
  close(): Promise<void>;
}

/**
 * The task ids of a benchmark job.
 * @param tasks - how many.
 */
export const benchTaskIds = (tasks: number): string[] => Array.from({ length: tasks }, (_, i) => `src#${i}`);

/** Times one round: every task acknowledges checkpoint `checkpointId`, until all were received. */
async function round(path: AckPath, counter: { count: number; done: () => void }, taskIds: readonly string[], checkpointId: number): Promise<number> {
  const acks = taskIds.map((taskId): AcknowledgeCheckpoint => ({ type: 'acknowledgeCheckpoint', jobId: BENCH_JOB, taskId, attempt: 0, checkpointId, metrics: EMPTY_METRICS, state: { key: `${taskId}/${checkpointId}`, sizeBytes: 1 } }));
  gc();
  return seconds(async () => {
    const all = new Promise<void>((resolve) => {
      counter.count = 0;
      counter.done = resolve;
    });
    await Promise.all(acks.map((a) => path.send(a)));
    await all;
  });
}

/**
 * Runs both paths, round by round interleaved, and reports the medians.
 * @param transport - the transport's name in the result.
 * @param ours - our path.
 * @param raw - the raw path.
 * @param tasks - tasks per round.
 * @param rounds - measured rounds (after three warm-up rounds).
 */
export async function benchAckPaths(transport: string, ours: AckPath, raw: AckPath, tasks = 1000, rounds = 15): Promise<Record<string, unknown>> {
  const taskIds = benchTaskIds(tasks);
  const counters = [ours, raw].map(() => ({ count: 0, done: () => {} }));
  await ours.attach(() => void (++counters[0]!.count === tasks && counters[0]!.done()));
  await raw.attach(() => void (++counters[1]!.count === tasks && counters[1]!.done()));
  const o: number[] = [];
  const r: number[] = [];
  try {
    for (let i = 0; i < rounds + 3; i++) {
      const a = await round(ours, counters[0]!, taskIds, i + 1);
      const b = await round(raw, counters[1]!, taskIds, i + 1);
      if (i >= 3) {
        o.push(tasks / a);
        r.push(tasks / b);
      }
    }
  } finally {
    await ours.close();
    await raw.close();
  }
  const acksPerSecond = Math.round(median(o));
  const rawAcksPerSecond = Math.round(median(r));
  return { bench: 'transport', transport, tasks, acksPerSecond, rawAcksPerSecond, ratioToRaw: Number((acksPerSecond / rawAcksPerSecond).toFixed(3)) };
}

/**
 * JSON bytes of a message, as a raw path sends them.
 * @param m - the message.
 */
export const rawBytes = (m: AcknowledgeCheckpoint): Uint8Array => new TextEncoder().encode(JSON.stringify(m));
