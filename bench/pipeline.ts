/**
 * Benchmark: the main job's pipeline (`runJob`: 8 tasks, durable file store, fsync), with a
 * checkpoint every 100 ms against checkpointing off, in the same run, alternating, medians over
 * the repetitions. Throughput is input records over the time until the sinks took the last record:
 * the processing with its alignments, snapshots, pre-commits and store writes, without the final
 * commit, which both variants need (and which costs more without checkpoints: one transaction
 * holds the whole output). The end-to-end figures (until every sink committed) come beside it. Every repetition must end
 * exactly once, or the benchmark fails. Prints one line:
 * `{"bench":"pipeline","tasks","recordsPerSecond","checkpointP99Ms","overheadVsNoCheckpoints"}`.
 * @packageDocumentation
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runJob } from '../job/run-job.js';
import type { JobResult } from '../job/run-job.js';
import { gc, median } from './stats.js';

/** Options of {@link benchPipeline}. */
export interface PipelineBenchOptions {
  /** Records per input partition (default 300,000: 1,200,000 records per run). */
  readonly records?: number;
  /** Measured repetitions of each variant (default 21: a run lasts about half a second, so the median needs many), after two warm-ups of each. */
  readonly repetitions?: number;
}

async function once(interval: number | null, records: number): Promise<JobResult> {
  const dir = mkdtempSync(join(tmpdir(), 'snapwright-bench-pipeline-'));
  try {
    gc();
    const r = await runJob({ dir, interval, records, seed: 1 });
    if (!r.exactlyOnce) throw new Error(`pipeline bench: a run was not exactly once (${JSON.stringify(r)})`);
    return r;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * Runs the benchmark.
 * @param options - sizes.
 */
export async function benchPipeline(options: PipelineBenchOptions = {}): Promise<Array<Record<string, unknown>>> {
  const records = options.records ?? 300_000;
  const repetitions = options.repetitions ?? 21;
  for (let i = 0; i < 2; i++) {
    await once(100, records);
    await once(null, records);
  }
  const on: JobResult[] = [];
  const off: JobResult[] = [];
  for (let i = 0; i < repetitions; i++) {
    on.push(await once(100, records));
    off.push(await once(null, records));
  }
  const rpsOn = median(on.map((r) => r.processingRecordsPerSecond));
  const rpsOff = median(off.map((r) => r.processingRecordsPerSecond));
  // End to end: until every sink committed (without checkpoints, one transaction holds everything).
  const e2eOn = median(on.map((r) => r.recordsPerSecond));
  const e2eOff = median(off.map((r) => r.recordsPerSecond));
  return [
    {
      bench: 'pipeline',
      tasks: 8,
      recordsPerSecond: Math.round(rpsOn),
      checkpointP99Ms: median(on.map((r) => r.checkpointP99Ms)),
      overheadVsNoCheckpoints: Number((rpsOff / rpsOn - 1).toFixed(3)),
      recordsPerSecondWithoutCheckpoints: Math.round(rpsOff),
      checkpointsPerRun: median(on.map((r) => r.checkpointsCompleted)),
      checkpointP50Ms: median(on.map((r) => r.checkpointP50Ms)),
      endToEndRecordsPerSecond: Math.round(e2eOn),
      endToEndOverheadVsNoCheckpoints: Number((e2eOff / e2eOn - 1).toFixed(3)),
      repetitions,
      inputRecords: on[0]?.inputRecords ?? 0,
    },
  ];
}
