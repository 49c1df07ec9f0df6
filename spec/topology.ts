/**
 * The shape of a job as the coordinator needs it: vertices, their parallelism, and which
 * vertices feed which (to compute who is triggered once upstream tasks finished).
 * @packageDocumentation
 */
import { ConfigError } from './errors.js';
import type { TaskId } from './ids.js';

/** How an upstream vertex's tasks feed a downstream vertex's tasks. */
export type EdgePattern = 'all-to-all' | 'pointwise';

/** One input of a vertex. */
export interface VertexInput {
  /** The upstream vertex. */
  readonly from: string;
  /** How upstream tasks connect to this vertex's tasks. */
  readonly pattern: EdgePattern;
}

/** One operator (Flink's job vertex), run as `parallelism` tasks. */
export interface Vertex {
  /** Unique vertex name, e.g. `"source"`. */
  readonly id: string;
  /** How many tasks run it (at least 1). */
  readonly parallelism: number;
  /** Its inputs; none for a source. */
  readonly inputs: readonly VertexInput[];
}

/** A job: an id and its vertices, listed upstream first. */
export interface JobTopology {
  /** The job id. */
  readonly jobId: string;
  /** The vertices. */
  readonly vertices: readonly Vertex[];
}

/**
 * The id of task `index` of vertex `vertexId`: `"<vertex>#<index>"`.
 * @param vertexId - the vertex.
 * @param index - the subtask index, from 0.
 */
export function taskIdOf(vertexId: string, index: number): TaskId {
  return `${vertexId}#${index}`;
}

/**
 * The task ids of a topology, vertex by vertex in declaration order, subtasks in index order.
 * @param topology - the job.
 */
export function taskIdsOf(topology: JobTopology): TaskId[] {
  const ids: TaskId[] = [];
  for (const vertex of topology.vertices) {
    for (let i = 0; i < vertex.parallelism; i++) ids.push(taskIdOf(vertex.id, i));
  }
  return ids;
}

/**
 * The upstream tasks of one task: every task of an all-to-all input; for a pointwise input, the
 * tasks that map onto this one (equal parallelism maps index to index; otherwise ranges).
 * @param topology - the job.
 * @param vertexId - the task's vertex.
 * @param index - the task's subtask index.
 */
export function upstreamTasksOf(topology: JobTopology, vertexId: string, index: number): TaskId[] {
  const vertex = topology.vertices.find((v) => v.id === vertexId);
  if (!vertex) return [];
  const result: TaskId[] = [];
  for (const input of vertex.inputs) {
    const up = topology.vertices.find((v) => v.id === input.from);
    if (!up) continue;
    for (let i = 0; i < up.parallelism; i++) {
      if (input.pattern === 'all-to-all' || pointwiseConnected(up.parallelism, vertex.parallelism, i, index)) {
        result.push(taskIdOf(up.id, i));
      }
    }
  }
  return result;
}

/** Whether upstream subtask `u` of `pu` feeds downstream subtask `d` of `pd` on a pointwise edge. */
function pointwiseConnected(pu: number, pd: number, u: number, d: number): boolean {
  if (pu === pd) return u === d;
  if (pu > pd) return Math.floor((u * pd) / pu) === d;
  return Math.floor((d * pu) / pd) === u;
}

/**
 * Checks a topology: a job id, unique vertex ids, positive integer parallelism, and inputs that
 * name earlier vertices (so the graph is acyclic and listed upstream first).
 * @param topology - the job.
 * @throws {@link ConfigError} naming the offending field.
 */
export function validateTopology(topology: JobTopology): void {
  if (topology === null || typeof topology !== 'object') throw new ConfigError('topology', 'must be an object');
  if (typeof topology.jobId !== 'string' || topology.jobId === '') throw new ConfigError('topology.jobId', 'must be a non-empty string');
  if (!Array.isArray(topology.vertices) || topology.vertices.length === 0) throw new ConfigError('topology.vertices', 'must be a non-empty array');
  const seen = new Set<string>();
  topology.vertices.forEach((v, i) => {
    const at = `topology.vertices[${i}]`;
    if (typeof v.id !== 'string' || v.id === '' || v.id.includes('#')) throw new ConfigError(`${at}.id`, 'must be a non-empty string without "#"');
    if (seen.has(v.id)) throw new ConfigError(`${at}.id`, `duplicate vertex "${v.id}"`);
    if (!Number.isSafeInteger(v.parallelism) || v.parallelism < 1) throw new ConfigError(`${at}.parallelism`, 'must be a positive integer');
    if (!Array.isArray(v.inputs)) throw new ConfigError(`${at}.inputs`, 'must be an array');
    v.inputs.forEach((input: VertexInput, j: number) => {
      if (!seen.has(input.from)) throw new ConfigError(`${at}.inputs[${j}].from`, `must name an earlier vertex, got "${input.from}"`);
      if (input.pattern !== 'all-to-all' && input.pattern !== 'pointwise') throw new ConfigError(`${at}.inputs[${j}].pattern`, "must be 'all-to-all' or 'pointwise'");
    });
    seen.add(v.id);
  });
}
