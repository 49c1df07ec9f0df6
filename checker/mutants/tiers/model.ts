/**
 * The model-based tier: the paths `xstate/graph` generates over the shipped machines (the model
 * tests' configurations, `test/model/support`) are the expectations. Along every path, the
 * patched machine must take the same steps as the shipped one (state value, canonical context and
 * effects, through XState's pure `transition()`), and the runtime built on the patched machine
 * (`createCoordinator`, `createTask`, driven by the model tests' drivers) must stay in lockstep
 * with the shipped machine's snapshots. The first disagreement catches the mutant.
 * @packageDocumentation
 */
import { initialTransition, transition } from 'xstate';
import type { AnyMachineSnapshot, AnyStateMachine, EventObject } from 'xstate';
import type { Sandbox } from '../sandbox.js';
import type { TierVerdict } from '../types.js';

/** The modules of a sandbox the model tier loads. */
export const MODEL_ENTRIES: readonly string[] = [
  'machines/index.ts',
  'test/support/canonical.ts',
  'test/model/support/explore.ts',
  'test/model/support/lockstep.ts',
  'test/model/support/coordinator-model.ts',
  'test/model/support/coordinator-driver.ts',
  'test/model/support/task-model.ts',
  'test/model/support/task-driver.ts',
];

/** A model path (the fields of `test/model/support/explore.ts` the tier reads). */
interface Path {
  readonly description: string;
  readonly events: EventObject[];
  readonly replay: { readonly snapshots: AnyMachineSnapshot[] };
}

/** A driver of a runtime (`test/model/support/lockstep.ts`'s `RuntimeDriver`), as far as the tier uses it. */
interface Driver {
  stop(): void;
}

/** One model configuration, explored on the shipped machine. */
interface ExploredModel {
  readonly name: string;
  readonly machine: 'coordinator' | 'task';
  readonly config: unknown;
  readonly input: unknown;
  readonly paths: readonly Path[];
}

type Lockstep = (description: string, events: readonly EventObject[], model: readonly AnyMachineSnapshot[], driver: Driver) => Promise<unknown>;

interface SupportModules {
  readonly canonical: (value: unknown) => string;
  readonly lockstep: Lockstep;
  readonly startCoordinator: (config: unknown) => Promise<Driver>;
  readonly startTask: (config: unknown) => Driver;
  readonly coordinatorMachine: AnyStateMachine;
  readonly taskMachine: AnyStateMachine;
}

/** Loads the model tests' support code (and the machines it runs) from a sandbox. */
async function supportOf(sandbox: Sandbox): Promise<SupportModules> {
  const machines = await sandbox.load<{ coordinatorMachine: AnyStateMachine; taskMachine: AnyStateMachine }>('machines/index.ts');
  const { canonical } = await sandbox.load<{ canonical: (value: unknown) => string }>('test/support/canonical.ts');
  const { lockstep } = await sandbox.load<{ lockstep: Lockstep }>('test/model/support/lockstep.ts');
  const { CoordinatorDriver } = await sandbox.load<{ CoordinatorDriver: { start(config: unknown): Promise<Driver> } }>('test/model/support/coordinator-driver.ts');
  const { TaskDriver } = await sandbox.load<{ TaskDriver: new (config: unknown) => Driver }>('test/model/support/task-driver.ts');
  return {
    canonical,
    lockstep,
    startCoordinator: (config) => CoordinatorDriver.start(config),
    startTask: (config) => new TaskDriver(config),
    coordinatorMachine: machines.coordinatorMachine,
    taskMachine: machines.taskMachine,
  };
}

const explorations = new WeakMap<Sandbox, Promise<readonly ExploredModel[]>>();

/**
 * The paths of every model configuration, explored on the reference sandbox's (shipped) machines;
 * computed once per reference.
 * @param reference - an unpatched sandbox holding {@link MODEL_ENTRIES}.
 */
export function exploredModels(reference: Sandbox): Promise<readonly ExploredModel[]> {
  let e = explorations.get(reference);
  if (!e) {
    e = (async () => {
      type Explore = (o: Record<string, unknown>) => { paths: Path[] };
      const { explore } = await reference.load<{ explore: Explore }>('test/model/support/explore.ts');
      const c = await reference.load<{ COORDINATOR_MODELS: ReadonlyArray<{ name: string }>; eventsOf: (m: unknown, s: unknown) => EventObject[]; inputOf: (m: unknown) => unknown; keyOf: (s: unknown) => string }>(
        'test/model/support/coordinator-model.ts',
      );
      const t = await reference.load<{ TASK_MODELS: ReadonlyArray<{ name: string; input: unknown }>; taskEventsFor: (m: unknown) => (s: unknown) => EventObject[]; taskImmediate?: unknown; taskKeyOf: (s: unknown) => string }>(
        'test/model/support/task-model.ts',
      );
      const { coordinatorMachine, taskMachine } = await supportOf(reference);
      const models: ExploredModel[] = [];
      for (const m of c.COORDINATOR_MODELS) {
        const input = c.inputOf(m);
        const { paths } = explore({ machine: coordinatorMachine, input, events: (s: unknown) => c.eventsOf(m, s), key: c.keyOf });
        models.push({ name: m.name, machine: 'coordinator', config: m, input, paths });
      }
      for (const m of t.TASK_MODELS) {
        const { paths } = explore({ machine: taskMachine, input: m.input, events: t.taskEventsFor(m), key: t.taskKeyOf, ...(t.taskImmediate ? { immediate: t.taskImmediate } : {}) });
        models.push({ name: m.name, machine: 'task', config: m, input: m.input, paths });
      }
      return models;
    })();
    explorations.set(reference, e);
  }
  return e;
}

/**
 * The effects of a step: every action `transition()` returned with params (the machines' effect
 * action carries the commands), as type and params, in order.
 */
const effectsOf = (actions: ReadonlyArray<{ type: string; params?: unknown }>): unknown[] => actions.filter((a) => a.params !== undefined).map((a) => ({ type: a.type, params: a.params }));

/**
 * The first step at which two machines disagree along a path, or null: state value, canonical
 * context and effects (the commands) after every event.
 */
function divergence(reference: AnyStateMachine, patched: AnyStateMachine, input: unknown, path: Path, canonical: (v: unknown) => string): string | null {
  const view = (s: AnyMachineSnapshot, actions: ReadonlyArray<{ type: string; params?: unknown }>) => canonical({ value: s.value, context: s.context, effects: effectsOf(actions) });
  let [r, ra] = initialTransition(reference, input);
  let p: AnyMachineSnapshot;
  let pa: ReadonlyArray<{ type: string; params?: unknown }>;
  try {
    [p, pa] = initialTransition(patched, input);
  } catch (e) {
    return `the patched machine throws on start: ${(e as Error).message}`;
  }
  if (view(r, ra) !== view(p, pa)) return `the initial snapshot or its commands differ`;
  for (let i = 0; i < path.events.length; i++) {
    const event = path.events[i] as EventObject;
    [r, ra] = transition(reference, r, event);
    try {
      [p, pa] = transition(patched, p, event);
    } catch (e) {
      return `step ${i + 1} (${event.type}): the patched machine throws: ${(e as Error).message}`;
    }
    const expected = view(r, ra);
    const actual = view(p, pa);
    if (expected !== actual) return `step ${i + 1} (${event.type}): ${clip(expected, actual)}`;
  }
  return null;
}

/** The gist of a lockstep failure (its message names the whole path and snapshot: too long). */
function lockstepProblem(e: unknown): string {
  const first = (e instanceof Error ? e.message : String(e)).split('\n')[0] as string;
  const step = /disagree at step (\d+)/.exec(first)?.[1];
  const what = first.slice(first.lastIndexOf('): ') + 3);
  return `disagrees at step ${step ?? '?'}: ${what.slice(0, 240)}`;
}

/** A value in at most 60 characters of JSON. */
const short = (v: unknown): string => {
  const text = v === undefined ? 'nothing' : JSON.stringify(v);
  return text.length > 60 ? `${text.slice(0, 59)}…` : text;
};

/**
 * Where two canonical JSON texts first differ: the path of the first differing value, with both
 * values (e.g. `$.effects[0].params[2].kind: expected "blockChannel", got "startTimer"`).
 */
function clip(expected: string, actual: string): string {
  const walk = (a: unknown, b: unknown, path: string): string | null => {
    if (JSON.stringify(a) === JSON.stringify(b)) return null;
    if (a !== null && b !== null && typeof a === 'object' && typeof b === 'object' && Array.isArray(a) === Array.isArray(b)) {
      const keys = Array.isArray(a) ? Array.from({ length: Math.max(a.length, (b as unknown[]).length) }, (_, i) => i) : [...new Set([...Object.keys(a), ...Object.keys(b)])];
      for (const k of keys) {
        const d = walk((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k], typeof k === 'number' ? `${path}[${k}]` : `${path}.${k}`);
        if (d) return d;
      }
    }
    return `${path}: expected ${short(a)}, got ${short(b)}`;
  };
  return walk(JSON.parse(expected), JSON.parse(actual), '$') ?? 'the same text';
}

/** Options of {@link modelTier}. */
export interface ModelTierOptions {
  /**
   * Also drive the sandbox's runtimes in lockstep with the shipped snapshots (slower; a patch of
   * the machines alone shows in the machine comparison already, the runtime running the same
   * machine). Default true.
   */
  readonly lockstep?: boolean;
}

/**
 * Runs the model tier: the patched machines along the shipped machines' paths, then (unless
 * disabled) the patched runtimes in lockstep with the shipped snapshots.
 * @param reference - an unpatched sandbox holding {@link MODEL_ENTRIES}.
 * @param patched - the (patched) sandbox, holding the same.
 * @param options - what to run.
 */
export async function modelTier(reference: Sandbox, patched: Sandbox, options: ModelTierOptions = {}): Promise<TierVerdict> {
  const started = performance.now();
  const done = (caught: boolean, detail: string): TierVerdict => ({ tier: 'model', caught, detail, traceLength: null, seconds: (performance.now() - started) / 1000 });
  const models = await exploredModels(reference);
  const ref = await supportOf(reference);
  const sut = await supportOf(patched);
  let paths = 0;
  let steps = 0;
  for (const m of models) {
    const machines = m.machine === 'coordinator' ? [ref.coordinatorMachine, sut.coordinatorMachine] : [ref.taskMachine, sut.taskMachine];
    for (const path of m.paths) {
      const d = divergence(machines[0] as AnyStateMachine, machines[1] as AnyStateMachine, m.input, path, ref.canonical);
      if (d) return done(true, `${m.machine} model "${m.name}", a path of ${path.events.length} events: ${d}`);
      paths++;
      steps += path.events.length;
    }
  }
  if (options.lockstep === false) return done(false, `${models.length} models, ${paths} paths, ${steps} steps: the patched machines agree with the shipped machines`);
  for (const m of models) {
    for (const path of m.paths) {
      const driver = m.machine === 'coordinator' ? await sut.startCoordinator(m.config) : sut.startTask(m.config);
      try {
        await ref.lockstep(path.description, path.events, path.replay.snapshots, driver);
      } catch (e) {
        return done(true, `${m.machine} model "${m.name}", a path of ${path.events.length} events: the patched runtime ${lockstepProblem(e)}`);
      } finally {
        driver.stop();
      }
    }
  }
  return done(false, `${models.length} models, ${paths} paths, ${steps} steps: the patched machines and runtimes agree with the shipped machines`);
}
