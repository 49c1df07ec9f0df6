/**
 * `check`: the protocol world searched exhaustively, every named property judged, counterexamples
 * and witnesses rebuilt as traces. What `snapwright check` and the benchmark run.
 * @packageDocumentation
 */
import type { PropertyKind } from '../../spec/index.js';
import type { CoordinatorMachine } from '../../machines/coordinator/index.js';
import type { TaskMachine } from '../../machines/task/index.js';
import type { Progress, SearchResult } from '../bfs.js';
import { search } from '../bfs.js';
import { checkLiveness } from '../liveness.js';
import type { Lasso } from '../liveness.js';
import { rebuild, stepsTo } from '../trace.js';
import type { TraceStep } from '../trace.js';
import type { WorldConfig } from './config.js';
import { configProblem, STANDARD } from './config.js';
import type { ActionLabel, WorldView } from './world.js';
import { World } from './world.js';

/** How a property came out. `unknown`: the run was incomplete and found nothing either way. */
export type PropertyStatus = 'holds' | 'violated' | 'not-reached' | 'unknown';

/** One line of the report's property list. */
export interface PropertyResult {
  /** The property. */
  readonly name: string;
  /** Its kind. */
  readonly kind: PropertyKind;
  /** The verdict. */
  readonly status: PropertyStatus;
}

/** The configuration as reported. */
export interface ReportedConfiguration extends WorldConfig {
  /** Symmetry reduction was on. */
  readonly symmetry: boolean;
  /** Liveness was checked. */
  readonly liveness: boolean;
  /** Search bounds (null: none). */
  readonly maxStates: number | null;
  /** Search bounds (null: none). */
  readonly maxSeconds: number | null;
}

/** The report (`--json` prints exactly this). */
export interface CheckReport {
  /** What was checked. */
  readonly configuration: ReportedConfiguration;
  /** Every reachable state was expanded. */
  readonly complete: boolean;
  /** The bound that stopped an incomplete run. */
  readonly stoppedBy: SearchResult['stoppedBy'];
  /** Distinct states. */
  readonly states: number;
  /** Steps explored. */
  readonly transitions: number;
  /** Longest shortest path. */
  readonly maxDepth: number;
  /** Wall-clock seconds of the search (and of the liveness analysis). */
  readonly seconds: number;
  /** Distinct states per second. */
  readonly statesPerSecond: number;
  /** Every checked property with its verdict. */
  readonly properties: readonly PropertyResult[];
  /** Properties not checked in this run (`eventually` without `--liveness`). */
  readonly notChecked: readonly string[];
  /** The counterexamples found (their traces are saved separately). */
  readonly counterexamples: ReadonlyArray<{ readonly property: string; readonly kind: PropertyKind; readonly message: string; readonly steps: number }>;
  /** Sizes of the world's parts. */
  readonly statistics: Readonly<Record<string, number>>;
}

/** A trace file: what `--trace-out` saves and `snapwright replay` reads. */
export interface Trace {
  /** Format marker. */
  readonly snapwright: 'trace';
  /** Format version. */
  readonly version: 1;
  /** The property violated (or reached, for a witness). */
  readonly property: string;
  /** Its kind. */
  readonly kind: PropertyKind;
  /** What went wrong (or what was reached). */
  readonly message: string;
  /** The world it happened in. */
  readonly configuration: WorldConfig;
  /** For a lasso: the index of the step where the cycle starts (the cycle runs to the end). */
  readonly loopStart: number | null;
  /** The initial state. */
  readonly initial: WorldView;
  /** The steps. */
  readonly steps: ReadonlyArray<TraceStep<ActionLabel, WorldView>>;
}

/** Options of {@link check}. */
export interface CheckOptions {
  /** The world (missing fields from {@link STANDARD}). */
  readonly config?: Partial<WorldConfig>;
  /** Check the `eventually` properties too (symmetry is then off). */
  readonly liveness?: boolean;
  /** Symmetry reduction over interchangeable tasks (default on; always off with liveness). */
  readonly symmetry?: boolean;
  /** Stop after this many states (the run is then incomplete). */
  readonly maxStates?: number;
  /** Stop after this many seconds (the run is then incomplete). */
  readonly maxSeconds?: number;
  /** Called about once a second. */
  readonly onProgress?: (p: Progress) => void;
  /** A coordinator machine to check instead of the shipped one (tests seed bugs this way). */
  readonly coordinatorMachine?: CoordinatorMachine;
  /** A task machine to check instead of the shipped one. */
  readonly taskMachine?: TaskMachine;
}

/** What {@link check} returns. */
export interface CheckResult {
  /** The report. */
  readonly report: CheckReport;
  /** One trace per violated property, shortest first found. */
  readonly counterexamples: readonly Trace[];
  /**
   * The witness trace of a reached `sometimes` property (shortest), or null.
   * @param property - the property.
   */
  witness(property: string): Trace | null;
  /** The world that was searched. */
  readonly world: World;
}

/**
 * Resolves a configuration against {@link STANDARD}.
 * @param config - overrides.
 * @throws Error naming the problem when the configuration is not usable.
 */
export function resolveWorldConfig(config: Partial<WorldConfig> = {}): WorldConfig {
  const c = { ...STANDARD, ...config };
  const problem = configProblem(c);
  if (problem) throw new Error(problem);
  return c;
}

/**
 * Checks the protocol in one configuration.
 * @param options - the world, the bounds, what to check.
 */
export function check(options: CheckOptions = {}): CheckResult {
  const config = resolveWorldConfig(options.config);
  const liveness = options.liveness === true;
  const symmetry = !liveness && options.symmetry !== false;
  const world = new World({
    config,
    symmetry,
    liveness,
    ...(options.coordinatorMachine ? { coordinatorMachine: options.coordinatorMachine } : {}),
    ...(options.taskMachine ? { taskMachine: options.taskMachine } : {}),
  });
  const started = performance.now();
  const result = search(world, {
    symmetry,
    keepEdges: liveness,
    ...(options.maxStates !== undefined ? { maxStates: options.maxStates } : {}),
    ...(options.maxSeconds !== undefined ? { maxSeconds: options.maxSeconds } : {}),
    ...(options.onProgress ? { onProgress: options.onProgress } : {}),
  });
  const lassos: Lasso[] = liveness && result.complete && result.edges ? checkLiveness(world, result.store, result.edges) : [];
  const seconds = (performance.now() - started) / 1000;

  const counterexamples: Trace[] = [];
  const kindOf = new Map(world.properties.map((p) => [p.name, p.kind] as const));
  const make = (property: string, kind: PropertyKind, message: string, steps: ReturnType<typeof stepsTo>, loopStart: number | null): Trace => {
    const path = rebuild<ActionLabel, WorldView>(world, result.store, steps);
    return { snapwright: 'trace', version: 1, property, kind, message, configuration: config, loopStart, initial: path.initial, steps: path.steps };
  };
  for (const p of world.properties) {
    const hit = result.violations.get(p.name);
    if (hit && p.kind === 'always') counterexamples.push(make(p.name, 'always', hit.message, stepsTo(result.store, hit), null));
  }
  for (const lasso of lassos) {
    const steps = [...lasso.prefix, ...lasso.cycle];
    const message =
      lasso.property === 'progress'
        ? 'once faults stop, the run can go on forever without completing a checkpoint while ids remain'
        : `checkpoint ${lasso.bit + 1} can stay pending forever once faults stop`;
    counterexamples.push(make(lasso.property, 'eventually', message, steps, lasso.cycle.length > 0 ? lasso.prefix.length : null));
  }

  const properties: PropertyResult[] = world.properties.map((p) => {
    let status: PropertyStatus;
    if (p.kind === 'always') status = result.violations.has(p.name) ? 'violated' : result.complete ? 'holds' : 'unknown';
    else if (p.kind === 'sometimes') status = result.reached.has(p.name) ? 'holds' : 'not-reached';
    else status = lassos.some((l) => l.property === p.name) ? 'violated' : result.complete ? 'holds' : 'unknown';
    return { name: p.name, kind: p.kind, status };
  });
  const checked = new Set(properties.map((p) => p.name));
  const report: CheckReport = {
    configuration: { ...config, symmetry, liveness, maxStates: options.maxStates ?? null, maxSeconds: options.maxSeconds ?? null },
    complete: result.complete,
    stoppedBy: result.stoppedBy,
    states: result.states,
    transitions: result.transitions,
    maxDepth: result.maxDepth,
    seconds: Number(seconds.toFixed(3)),
    statesPerSecond: Math.round(result.states / Math.max(result.seconds, 1e-9)),
    properties,
    notChecked: ['pending-resolves', 'progress'].filter((n) => !checked.has(n)),
    counterexamples: counterexamples.map((t) => ({ property: t.property, kind: t.kind, message: t.message, steps: t.steps.length })),
    statistics: world.statistics(),
  };
  return {
    report,
    counterexamples,
    world,
    witness(property) {
      const hit = result.reached.get(property);
      if (!hit || kindOf.get(property) !== 'sometimes') return null;
      return make(property, 'sometimes', `${property} reached`, stepsTo(result.store, hit), null);
    },
  };
}

/**
 * Whether a report is a pass: complete, every property holds, every `sometimes` reached.
 * @param report - the report.
 */
export function passed(report: CheckReport): boolean {
  return report.complete && report.properties.every((p) => p.status === 'holds');
}
