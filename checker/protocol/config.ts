/**
 * What the protocol world is made of: the task graph, the coordinator's configuration, the
 * network's faults and the bounds of the model. {@link STANDARD} is what `snapwright check`
 * checks with no options.
 * @packageDocumentation
 */
import type { CheckpointingConfig, JobTopology } from '../../spec/index.js';
import { resolveConfig, taskIdsOf, upstreamTasksOf } from '../../spec/index.js';

/** The configuration of one check. Every field is part of the model (not a search bound). */
export interface WorldConfig {
  /** Parallelism of the source vertex (tasks without inputs, triggered by the coordinator). */
  readonly sources: number;
  /** Whether a task with two inputs follows: it joins the sources (one channel per source). */
  readonly twoInputTask: boolean;
  /** Parallelism of a sink vertex after the join (or after the sources without a join). */
  readonly sinks: number;
  /** At most this many pending checkpoints for periodic requests. */
  readonly maxConcurrent: number;
  /** The id counter hands out ids 1..maxIds; after that it never answers. */
  readonly maxIds: number;
  /** Crashes (of a task or of the coordinator) in a run. */
  readonly crashes: number;
  /** Savepoint requests in a run. */
  readonly savepoints: number;
  /** Tolerable consecutive checkpoint failures (the job fails when exceeded; a failed job stops). */
  readonly tolerableFailures: number;
  /** Control messages may be lost. */
  readonly loss: boolean;
  /** Control messages may be delivered more than once. */
  readonly duplication: boolean;
  /** Control messages may overtake one another (otherwise FIFO per sender and receiver). */
  readonly reorder: boolean;
  /**
   * Whether the state reports of a redeployment (deploying, initializing, running) travel the
   * control network like other messages. When false, they reach the coordinator with the
   * deployment, as those of the first deployment do: the coordinator's view of the new attempts is
   * exact at once (stale reports of old attempts still travel the network).
   */
  readonly asyncReports: boolean;
}

/**
 * The standard configuration: two sources and one two-input task (a two-phase-commit sink, being
 * a leaf), at most two concurrent checkpoints, control messages lossy, duplicating and reordering,
 * one crash (of any task or of the coordinator), ids 1 to 3, one savepoint request, and the
 * default tolerance of checkpoint failures (none: a counted failure fails the job, which stops).
 */
export const STANDARD: WorldConfig = Object.freeze({
  sources: 2,
  twoInputTask: true,
  sinks: 0,
  maxConcurrent: 2,
  maxIds: 3,
  crashes: 1,
  savepoints: 1,
  tolerableFailures: 0,
  loss: true,
  duplication: true,
  reorder: true,
  asyncReports: false,
});

/**
 * The faults of the control network a transport's declared delivery allows, as the checker
 * explores them: `ordered-exactly-once` none; `at-least-once` duplicates and reordering (no
 * loss: the transport retries until the receiver has the message); `at-most-once` loss and
 * reordering (duplicates are dropped by their idempotency key before they reach a machine).
 * @param delivery - the declared delivery guarantee (see `adapters/declared-delivery.ts`).
 */
export function controlNetworkOf(delivery: 'at-most-once' | 'at-least-once' | 'ordered-exactly-once'): Pick<WorldConfig, 'loss' | 'duplication' | 'reorder'> {
  switch (delivery) {
    case 'ordered-exactly-once':
      return { loss: false, duplication: false, reorder: false };
    case 'at-least-once':
      return { loss: false, duplication: true, reorder: true };
    case 'at-most-once':
      return { loss: true, duplication: false, reorder: true };
  }
}

/** The job id every message of the world carries. */
export const JOB_ID = 'checked-job';

/** The clock of every actor (time is abstract: timers fire nondeterministically). */
export const NOW = 0;

/**
 * Checks a configuration.
 * @param c - the configuration.
 * @returns an error message, or null when it is usable.
 */
export function configProblem(c: WorldConfig): string | null {
  const int = (v: number, min: number, max: number) => Number.isInteger(v) && v >= min && v <= max;
  if (!int(c.sources, 1, 4)) return 'sources must be an integer from 1 to 4';
  if (!int(c.sinks, 0, 4)) return 'sinks must be an integer from 0 to 4';
  if (!int(c.maxConcurrent, 1, 8)) return 'max-concurrent must be an integer from 1 to 8';
  if (!int(c.maxIds, 1, 30)) return 'max-ids must be an integer from 1 to 30';
  if (!int(c.crashes, 0, 8)) return 'crashes must be an integer from 0 to 8';
  if (!int(c.savepoints, 0, 4)) return 'savepoints must be an integer from 0 to 4';
  if (!(c.tolerableFailures === Infinity || int(c.tolerableFailures, 0, 8))) return 'tolerable failures must be an integer from 0 to 8, or Infinity';
  return null;
}

/**
 * The job of a configuration: `source` (parallelism `sources`), then `join` with one input
 * channel per source when `twoInputTask`, then `sink` when `sinks > 0`; all edges all-to-all.
 * @param c - the configuration.
 */
export function topologyOf(c: WorldConfig): JobTopology {
  const vertices: Array<JobTopology['vertices'][number]> = [{ id: 'source', parallelism: c.sources, inputs: [] }];
  let last = 'source';
  if (c.twoInputTask) {
    vertices.push({ id: 'join', parallelism: 1, inputs: [{ from: last, pattern: 'all-to-all' }] });
    last = 'join';
  }
  if (c.sinks > 0) vertices.push({ id: 'sink', parallelism: c.sinks, inputs: [{ from: last, pattern: 'all-to-all' }] });
  return { jobId: JOB_ID, vertices };
}

/**
 * The coordinator's configuration in the world. Time is abstract, so the minimum pause is 0 (the
 * only value for which a constant clock is sound), the interval and the timeout are nominal (the
 * timers fire nondeterministically), and the request queue holds one request.
 * @param c - the configuration.
 */
export function coordinatorConfigOf(c: WorldConfig): CheckpointingConfig {
  return resolveConfig({
    interval: 1000,
    minPause: 0,
    timeout: 10_000,
    maxConcurrent: c.maxConcurrent,
    tolerableFailures: c.tolerableFailures,
    retained: 1,
    maxQueuedRequests: 1,
  });
}

/** A data channel: `from` feeds input `channel` of `to`. */
export interface DataChannel {
  /** Upstream task slot. */
  readonly from: number;
  /** Downstream task slot. */
  readonly to: number;
  /** Input channel index at `to`. */
  readonly channel: number;
}

/** The job laid out for the world: task slots, channels, sinks and the symmetry group. */
export interface Layout {
  /** The job. */
  readonly topology: JobTopology;
  /** Task ids by slot. */
  readonly taskIds: readonly string[];
  /** Slot by task id. */
  readonly slotOf: ReadonlyMap<string, number>;
  /** Number of input channels per slot. */
  readonly inputs: readonly number[];
  /** Whether each slot is a two-phase-commit sink (a leaf). */
  readonly isSink: readonly boolean[];
  /** Every data channel, ordered by (to, channel). */
  readonly channels: readonly DataChannel[];
  /** Channel index by (to slot, input channel). */
  readonly channelAt: readonly (readonly number[])[];
  /** Output channel indices per slot (in broadcast order). */
  readonly outputs: readonly (readonly number[])[];
  /**
   * The symmetry group (slot permutations that map the job onto itself), identity first. Each
   * entry maps an old slot to its new slot.
   */
  readonly permutations: readonly (readonly number[])[];
}

function permutationsOf(items: readonly number[]): number[][] {
  if (items.length <= 1) return [items.slice()];
  const result: number[][] = [];
  items.forEach((x, i) => {
    for (const rest of permutationsOf([...items.slice(0, i), ...items.slice(i + 1)])) result.push([x, ...rest]);
  });
  return result;
}

/**
 * Lays out a job.
 * @param topology - the job (all edges all-to-all for symmetry).
 */
export function layoutOf(topology: JobTopology): Layout {
  const taskIds = taskIdsOf(topology);
  const slotOf = new Map(taskIds.map((id, i) => [id, i] as const));
  const consumed = new Set(topology.vertices.flatMap((v) => v.inputs.map((i) => i.from)));
  const inputs: number[] = [];
  const isSink: boolean[] = [];
  const channels: DataChannel[] = [];
  const channelAt: number[][] = [];
  const outputs: number[][] = taskIds.map(() => []);
  for (const vertex of topology.vertices) {
    for (let s = 0; s < vertex.parallelism; s++) {
      const to = slotOf.get(`${vertex.id}#${s}`) as number;
      const upstream = upstreamTasksOf(topology, vertex.id, s);
      inputs[to] = upstream.length;
      isSink[to] = !consumed.has(vertex.id);
      channelAt[to] = [];
      upstream.forEach((up, channel) => {
        const index = channels.length;
        const from = slotOf.get(up) as number;
        channels.push({ from, to, channel });
        (channelAt[to] as number[]).push(index);
        (outputs[from] as number[]).push(index);
      });
    }
  }
  // Tasks of one vertex are interchangeable when every edge touching the vertex is all-to-all.
  let perms: number[][] = [taskIds.map((_, i) => i)];
  let first = 0;
  for (const vertex of topology.vertices) {
    const slots = Array.from({ length: vertex.parallelism }, (_, i) => first + i);
    first += vertex.parallelism;
    const allToAll = vertex.inputs.every((i) => i.pattern === 'all-to-all') && topology.vertices.every((v) => v.inputs.every((i) => i.from !== vertex.id || i.pattern === 'all-to-all'));
    if (slots.length < 2 || !allToAll) continue;
    const local = permutationsOf(slots);
    const next: number[][] = [];
    for (const p of perms) {
      for (const q of local) {
        const r = p.slice();
        slots.forEach((slot, i) => void (r[slot] = p[q[i] as number] as number));
        next.push(r);
      }
    }
    perms = next;
  }
  const identity = perms.findIndex((p) => p.every((v, i) => v === i));
  const ordered = [perms[identity] as number[], ...perms.filter((_, i) => i !== identity)];
  return { topology, taskIds, slotOf, inputs, isSink, channels, channelAt, outputs, permutations: ordered };
}
