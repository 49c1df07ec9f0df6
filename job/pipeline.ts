/**
 * The job's dataflow: two source vertices (deposits, withdrawals) read the input log; a keyed
 * operator with two inputs (all-to-all, partitioned by account) keeps a balance per account; a
 * transactional file sink per operator task (pointwise) writes the output. Barriers from four
 * source tasks align at each operator task, so alignment matters.
 * @packageDocumentation
 */
import type { JobTopology, TaskId } from '../spec/index.js';

/** The vertex ids, upstream first. */
export const VERTEX = { deposits: 'deposits', withdrawals: 'withdrawals', balance: 'balance', sink: 'sink' } as const;

/** What a task does. */
export type TaskRole =
  | { readonly kind: 'source'; readonly side: number; readonly partition: number }
  | { readonly kind: 'keyed'; readonly channelsPerInput: number }
  | { readonly kind: 'sink' };

/**
 * The job's topology.
 * @param jobId - the job id.
 * @param parallelism - tasks per vertex.
 */
export function pipelineTopology(jobId: string, parallelism: number): JobTopology {
  return {
    jobId,
    vertices: [
      { id: VERTEX.deposits, parallelism, inputs: [] },
      { id: VERTEX.withdrawals, parallelism, inputs: [] },
      {
        id: VERTEX.balance,
        parallelism,
        inputs: [
          { from: VERTEX.deposits, pattern: 'all-to-all' },
          { from: VERTEX.withdrawals, pattern: 'all-to-all' },
        ],
      },
      { id: VERTEX.sink, parallelism, inputs: [{ from: VERTEX.balance, pattern: 'pointwise' }] },
    ],
  };
}

/**
 * The role of a task of {@link pipelineTopology}.
 * @param taskId - `<vertex>#<index>`.
 * @param parallelism - tasks per vertex.
 */
export function roleOf(taskId: TaskId, parallelism: number): TaskRole {
  const hash = taskId.lastIndexOf('#');
  const vertex = taskId.slice(0, hash);
  const index = Number(taskId.slice(hash + 1));
  if (vertex === VERTEX.deposits || vertex === VERTEX.withdrawals) return { kind: 'source', side: vertex === VERTEX.deposits ? 0 : 1, partition: index };
  if (vertex === VERTEX.balance) return { kind: 'keyed', channelsPerInput: parallelism };
  return { kind: 'sink' };
}
