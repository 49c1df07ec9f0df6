/**
 * The jobs of the property tests.
 * @packageDocumentation
 */
import type { JobTopology } from '../../../spec/index.js';

/** 50 tasks: 10 sources, 10 maps (pointwise), 10 windows (all-to-all: 10 inputs each), 20 sinks. */
export const FIFTY_TASKS: JobTopology = {
  jobId: 'fifty',
  vertices: [
    { id: 'source', parallelism: 10, inputs: [] },
    { id: 'map', parallelism: 10, inputs: [{ from: 'source', pattern: 'pointwise' }] },
    { id: 'window', parallelism: 10, inputs: [{ from: 'map', pattern: 'all-to-all' }] },
    { id: 'sink', parallelism: 20, inputs: [{ from: 'window', pattern: 'pointwise' }] },
  ],
};

/** 6 tasks: two sources, a task with two inputs, a map, two sinks. */
export const SIX_TASKS: JobTopology = {
  jobId: 'six',
  vertices: [
    { id: 'source', parallelism: 2, inputs: [] },
    { id: 'join', parallelism: 1, inputs: [{ from: 'source', pattern: 'all-to-all' }] },
    { id: 'map', parallelism: 1, inputs: [{ from: 'join', pattern: 'pointwise' }] },
    { id: 'sink', parallelism: 2, inputs: [{ from: 'map', pattern: 'all-to-all' }] },
  ],
};
