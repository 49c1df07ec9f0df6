/**
 * The property tier: fast-check command runs of whole jobs (`test/property/support`: coordinator,
 * tasks and two-phase-commit sinks over FIFO data channels and a faulty control channel, with
 * failovers and coordinator crashes), built on the sandbox's (patched) runtime and machines. A run
 * fails when, after the faults stop and a final checkpoint completes, the protocol monitor saw a
 * violation or the sinks did not commit exactly the recorded transactions. Few runs, fixed seed,
 * no shrinking (the first failing run is reported).
 * @packageDocumentation
 */
import fc from 'fast-check';
import type { CheckpointingConfig, JobTopology } from '../../../spec/index.js';
import type { Sandbox } from '../sandbox.js';
import type { TierVerdict } from '../types.js';

/** The modules of a sandbox the property tier loads. */
export const PROPERTY_ENTRIES: readonly string[] = [
  'test/property/support/world.ts',
  'test/property/support/commands.ts',
  'test/property/support/invariants.ts',
  'test/property/support/topologies.ts',
];

const TIMEOUT = 1000;

/**
 * The configurations a run draws from: aligned, concurrent with retained checkpoints and a
 * tolerance, unaligned with an alignment timeout, at-least-once, periodic with a minimum pause.
 */
export const PROPERTY_CONFIGS: ReadonlyArray<Partial<CheckpointingConfig>> = [
  { timeout: TIMEOUT },
  { timeout: TIMEOUT, maxConcurrent: 3, tolerableFailures: 2, retained: 3 },
  { timeout: TIMEOUT, unaligned: true, alignedCheckpointTimeout: 100, maxConcurrent: 2 },
  { timeout: TIMEOUT, mode: 'at-least-once', maxConcurrent: 2 },
  { timeout: TIMEOUT, interval: 300, minPause: 100, maxConcurrent: 2 },
];

/** Options of {@link propertyTier}. */
export interface PropertyTierOptions {
  /** The fast-check seed. */
  readonly seed: number;
  /** Runs (default 60). */
  readonly runs?: number;
}

interface WorldLike {
  stop(): void;
}

interface PropertyModules {
  readonly World: { create(o: { topology: JobTopology; config: Partial<CheckpointingConfig>; periodic: boolean }): Promise<WorldLike> };
  readonly worldCommands: (o: { maxCommands: number; maxDeliveries: number; timeout: number }) => fc.Arbitrary<Iterable<fc.AsyncCommand<object, WorldLike>>>;
  readonly heal: (w: WorldLike) => Promise<unknown>;
  readonly problemsOf: (w: WorldLike, final: unknown) => string[];
  readonly SIX_TASKS: JobTopology;
}

/**
 * Runs the property tier on a sandbox.
 * @param sandbox - the (patched) copy, holding {@link PROPERTY_ENTRIES}.
 * @param options - seed and runs.
 */
export async function propertyTier(sandbox: Sandbox, options: PropertyTierOptions): Promise<TierVerdict> {
  const started = performance.now();
  const { World } = await sandbox.load<Pick<PropertyModules, 'World'>>('test/property/support/world.ts');
  const { worldCommands } = await sandbox.load<Pick<PropertyModules, 'worldCommands'>>('test/property/support/commands.ts');
  const { heal, problemsOf } = await sandbox.load<Pick<PropertyModules, 'heal' | 'problemsOf'>>('test/property/support/invariants.ts');
  const { SIX_TASKS } = await sandbox.load<Pick<PropertyModules, 'SIX_TASKS'>>('test/property/support/topologies.ts');
  const runs = options.runs ?? 60;
  let first: string | null = null;
  let done = 0;
  const property = fc.asyncProperty(fc.constantFrom(...PROPERTY_CONFIGS), worldCommands({ maxCommands: 40, maxDeliveries: 12, timeout: TIMEOUT }), async (config, commands) => {
    const w = await World.create({ topology: SIX_TASKS, config, periodic: config.interval !== undefined });
    try {
      await fc.asyncModelRun(() => ({ model: { failovers: 0 }, real: w }), commands);
      const problems = problemsOf(w, await heal(w));
      if (problems.length > 0) {
        first ??= `${problems[0]} (config ${JSON.stringify(config)})`;
        throw new Error(problems.join('; '));
      }
      done++;
    } finally {
      w.stop();
    }
  });
  const r = await fc.check(property, { seed: options.seed, numRuns: runs, endOnFailure: true });
  const seconds = (performance.now() - started) / 1000;
  if (r.failed) {
    const detail = first ?? (r.errorInstance instanceof Error ? r.errorInstance.message.split('\n')[0] : String(r.errorInstance));
    return { tier: 'property', caught: true, detail: `run ${r.numRuns} (seed ${options.seed}, path ${r.counterexamplePath}): ${detail}`, traceLength: null, seconds };
  }
  return { tier: 'property', caught: false, detail: `${done} runs (seed ${options.seed}): no violation, exactly the recorded transactions committed`, traceLength: null, seconds };
}
