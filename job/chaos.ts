/**
 * The fault campaign: many short runs of the job in virtual time, each with its own seed and its
 * own faults (drops, duplicates, delays, task kills, coordinator kills), each judged. Prints one
 * JSON line: `{"runs","faultsInjected","invariantViolations","lostRecords","duplicateRecords"}`.
 * A failing run prints its seed; `--replay SEED` runs exactly that run again.
 *
 * `npm run chaos -- --runs 1000 --seed S` (or `--replay SEED`).
 * @packageDocumentation
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import { ConfigError } from '../spec/index.js';
import type { JobOptionsInput } from './options.js';
import { hash32, Random } from './random.js';
import type { JobResult } from './run-job.js';
import { runJob } from './run-job.js';

/** The campaign's totals. */
export interface ChaosSummary {
  /** Runs made. */
  readonly runs: number;
  /** Faults injected over all runs. */
  readonly faultsInjected: number;
  /** Protocol property violations, inconsistent accounts, foreign output lines, rejected stream events and runs that did not finish. */
  readonly invariantViolations: number;
  /** Input records missing from committed output, over all runs. */
  readonly lostRecords: number;
  /** Extra copies in committed output, over all runs. */
  readonly duplicateRecords: number;
}

/** A run that did not hold. */
export interface ChaosFailure {
  /** Its seed: `--replay <seed>` runs it again. */
  readonly seed: number;
  /** What it found. */
  readonly result: JobResult;
}

/**
 * The seed of run `index` of a campaign with seed `seed`.
 * @param seed - the campaign's seed.
 * @param index - the run, from 0.
 */
export function runSeed(seed: number, index: number): number {
  return hash32(seed, index);
}

/**
 * The options of the run with seed `seed`: a small job in virtual time and faults drawn from the
 * seed (a pure function of it, so the run replays).
 * @param seed - the run's seed.
 * @param dir - where it writes.
 */
export function chaosRunOptions(seed: number, dir: string): JobOptionsInput {
  const r = new Random(seed);
  const pick = <T>(xs: readonly T[]): T => xs[r.int(xs.length)] as T;
  const delay = pick([0, 0, 2, 10, 30]);
  return {
    dir,
    seed,
    virtual: true,
    parallelism: pick([1, 2, 2, 3]),
    records: 40 + r.int(120),
    keys: pick([1, 3, 10, 50]),
    interval: pick([3, 5, 10, 20]),
    // Most checkpoints can make it through the delays; a drop still expires one.
    timeout: 40 + 3 * delay,
    tolerableFailures: pick([0, 3, 10]),
    sourceBatch: pick([1, 2, 4]),
    capacity: pick([4, 64, 4096]),
    deadline: 120_000,
    faults: {
      drop: pick([0, 0, 0.01, 0.03, 0.08]),
      dup: pick([0, 0, 0.05, 0.2]),
      delay,
      killTask: pick([0, 0, 1, 2, 3]),
      killCoordinator: pick([0, 0, 1, 2]),
    },
  };
}

/**
 * The invariant violations of one run (everything but loss and duplicates).
 * @param r - its result.
 */
export function violationsOf(r: JobResult): number {
  return r.protocolViolations.length + r.inconsistentKeys + r.foreignRecords + r.streamRejections + (r.timedOut ? 1 : 0);
}

/**
 * Runs the run with seed `seed` in a fresh directory (removed when the run held).
 * @param seed - the run's seed.
 */
export async function chaosRun(seed: number): Promise<JobResult> {
  const dir = mkdtempSync(join(tmpdir(), 'snapwright-chaos-'));
  const result = await runJob(chaosRunOptions(seed, dir));
  if (result.exactlyOnce) rmSync(dir, { recursive: true, force: true });
  return result;
}

/**
 * Runs a campaign.
 * @param runs - how many runs.
 * @param seed - the campaign's seed.
 * @param onFailure - called per failing run.
 */
export async function runChaos(runs: number, seed: number, onFailure: (f: ChaosFailure) => void = () => {}): Promise<ChaosSummary> {
  let faults = 0;
  let violations = 0;
  let lost = 0;
  let duplicates = 0;
  for (let i = 0; i < runs; i++) {
    const s = runSeed(seed, i);
    const r = await chaosRun(s);
    faults += r.faultsInjected;
    violations += violationsOf(r);
    lost += r.lostRecords;
    duplicates += r.duplicateRecords;
    if (!r.exactlyOnce) onFailure({ seed: s, result: r });
  }
  return { runs, faultsInjected: faults, invariantViolations: violations, lostRecords: lost, duplicateRecords: duplicates };
}

/**
 * An integer flag of the campaign's command line.
 * @param argv - the arguments.
 * @param name - the flag, without dashes.
 * @param fallback - its default.
 * @throws {@link ConfigError} naming the flag when it is not a non-negative integer.
 */
export function flag(argv: readonly string[], name: string, fallback: number): number {
  const i = argv.indexOf(`--${name}`);
  if (i < 0) return fallback;
  const v = Number(argv[i + 1]);
  if (!Number.isSafeInteger(v) || v < 0) throw new ConfigError(`--${name}`, `must be a non-negative integer, got ${String(argv[i + 1])}`);
  return v;
}

/**
 * The campaign's command line: `--runs R --seed S`, or `--replay SEED`.
 * @param argv - the arguments.
 * @returns the exit status: 0 when every run held.
 */
export async function chaosMain(argv: readonly string[]): Promise<number> {
  for (const a of argv) if (a.startsWith('--') && !['--runs', '--seed', '--replay'].includes(a)) throw new ConfigError(a, 'unknown option (use --runs, --seed or --replay)');
  if (argv.includes('--replay')) {
    const seed = flag(argv, 'replay', 0);
    const r = await chaosRun(seed);
    console.log(JSON.stringify({ replay: seed, options: chaosRunOptions(seed, r.dir), result: r }));
    return r.exactlyOnce ? 0 : 1;
  }
  const runs = flag(argv, 'runs', 100);
  const seed = flag(argv, 'seed', Date.now() % 0x100000000);
  const started = performance.now();
  const summary = await runChaos(runs, seed, (f) => console.error(JSON.stringify({ failedSeed: f.seed, replay: `npm run chaos -- --replay ${f.seed}`, dir: f.result.dir, lostRecords: f.result.lostRecords, duplicateRecords: f.result.duplicateRecords, violations: f.result.protocolViolations, timedOut: f.result.timedOut })));
  console.error(`campaign seed ${seed}: ${runs} runs in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  console.log(JSON.stringify(summary));
  return summary.invariantViolations + summary.lostRecords + summary.duplicateRecords === 0 ? 0 : 1;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  try {
    process.exitCode = await chaosMain(process.argv.slice(2));
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    console.error(`chaos: ${e.message}`);
    process.exitCode = 2;
  }
}
