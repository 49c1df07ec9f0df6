/**
 * The checker tier: the protocol world searched exhaustively, in a small configuration, with the
 * sandbox's (patched) coordinator and task machines stepped by the shipped checker. The tier
 * catches a mutant when an `always` property (or `machines-never-throw`) is violated, or when a
 * `sometimes` property the unpatched machines reach in the same world is no longer reached.
 * @packageDocumentation
 */
import type { CoordinatorMachine } from '../../../machines/coordinator/index.js';
import type { TaskMachine } from '../../../machines/task/index.js';
import type { WorldConfig } from '../../protocol/config.js';
import type { CheckResult } from '../../protocol/run.js';
import { check } from '../../protocol/run.js';
import type { Sandbox } from '../sandbox.js';
import type { Mutant, TierVerdict } from '../types.js';
import { DEFAULT_MUTANT_WORLD } from '../types.js';

/** The modules of a sandbox the checker tier loads. */
export const CHECKER_ENTRIES: readonly string[] = ['machines/coordinator/index.ts', 'machines/task/index.ts'];

/** The machines a sandbox provides. */
interface Machines {
  readonly coordinatorMachine: CoordinatorMachine;
  readonly taskMachine: TaskMachine;
}

/** The state-count bound of one search (a mutant world that grows past it is cut, and says so). */
const MAX_STATES = 2_000_000;

/**
 * The `sometimes` properties the shipped machines reach in `world` (computed once per world).
 */
const reachedByShipped = new Map<string, ReadonlySet<string>>();
function shippedReach(search: CheckerSearch): ReadonlySet<string> {
  const key = JSON.stringify(search);
  let reached = reachedByShipped.get(key);
  if (!reached) {
    const r = check({ config: search.world, liveness: search.liveness, maxStates: MAX_STATES });
    reached = new Set(r.report.properties.filter((p) => p.kind === 'sometimes' && p.status === 'holds').map((p) => p.name));
    reachedByShipped.set(key, reached);
  }
  return reached;
}

/**
 * Judges a check result: the first problem, or null.
 * @param r - the result.
 * @param expected - the `sometimes` properties that must be reached.
 */
function problemOf(r: CheckResult, expected: ReadonlySet<string>): { detail: string; steps: number | null } | null {
  const shortest = [...r.counterexamples].sort((a, b) => a.steps.length - b.steps.length)[0];
  if (shortest) return { detail: `${shortest.property}: ${shortest.message}`, steps: shortest.steps.length };
  const lost = r.report.properties.filter((p) => p.kind === 'sometimes' && p.status !== 'holds' && expected.has(p.name));
  if (lost.length > 0) return { detail: `no longer reached: ${lost.map((p) => p.name).join(', ')}`, steps: null };
  return null;
}

/** What the checker tier searches: a world, with or without the `eventually` properties. */
export interface CheckerSearch {
  /** The world (missing fields from the standard one). */
  readonly world: Partial<WorldConfig>;
  /** Whether liveness is checked too. */
  readonly liveness: boolean;
}

/** The search of a mutant that names no world. */
export const DEFAULT_SEARCH: CheckerSearch = Object.freeze({ world: DEFAULT_MUTANT_WORLD, liveness: false });

/**
 * The search the checker tier runs for a mutant.
 * @param mutant - the mutant.
 */
export function searchOf(mutant: Mutant): CheckerSearch {
  return mutant.world === undefined && mutant.liveness !== true ? DEFAULT_SEARCH : { world: mutant.world ?? DEFAULT_MUTANT_WORLD, liveness: mutant.liveness === true };
}

/**
 * Runs the checker tier on a sandbox.
 * @param sandbox - the (patched) copy; it must hold {@link CHECKER_ENTRIES}.
 * @param search - what to search (see {@link searchOf}).
 */
export async function checkerTier(sandbox: Sandbox, search: CheckerSearch): Promise<TierVerdict> {
  const started = performance.now();
  const expected = shippedReach(search);
  const { coordinatorMachine } = await sandbox.load<Pick<Machines, 'coordinatorMachine'>>('machines/coordinator/index.ts');
  const { taskMachine } = await sandbox.load<Pick<Machines, 'taskMachine'>>('machines/task/index.ts');
  let r: CheckResult;
  try {
    r = check({ config: search.world, liveness: search.liveness, coordinatorMachine, taskMachine, maxStates: MAX_STATES });
  } catch (e) {
    // The world itself refused a step of these machines (an internal consistency check).
    return { tier: 'checker', caught: true, detail: `the search stopped: ${e instanceof Error ? e.message : String(e)}`, traceLength: null, seconds: (performance.now() - started) / 1000 };
  }
  const problem = problemOf(r, expected);
  const seconds = (performance.now() - started) / 1000;
  if (problem) return { tier: 'checker', caught: true, detail: problem.detail, traceLength: problem.steps, seconds };
  const bound = r.report.complete ? '' : ` (incomplete: stopped by ${r.report.stoppedBy})`;
  return { tier: 'checker', caught: false, detail: `${r.report.states} states, every property as unpatched${bound}`, traceLength: null, seconds };
}
