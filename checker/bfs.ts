/**
 * Breadth-first search over a {@link Model}: every reachable state once (one per canonical tuple),
 * in order of distance, so the first violation of a property found is one of the shortest.
 * Bounds (states, seconds, depth) stop the search early; the result then says it is incomplete.
 * @packageDocumentation
 */
import { getHeapStatistics } from 'node:v8';
import type { Model, StepInfo } from './model.js';
import { EdgeStore, StateStore } from './state-store.js';

/** Where a property was first seen: the step `action` of state `from` (-1: the initial state). */
export interface Hit {
  /** The state the step starts from. */
  readonly from: number;
  /** The index of the step among the actions of `from`. */
  readonly action: number;
  /** The state it leads to. */
  readonly to: number;
  /** For violations: what went wrong. */
  readonly message: string;
}

/** How far the search got, reported while it runs. */
export interface Progress {
  /** Distinct states found. */
  readonly states: number;
  /** States expanded. */
  readonly expanded: number;
  /** Depth of the state expanded last. */
  readonly depth: number;
  /** Seconds since the start. */
  readonly seconds: number;
  /** Distinct states per second so far. */
  readonly statesPerSecond: number;
}

/** Options of {@link search}. */
export interface SearchOptions {
  /** Stop (incomplete) once this many states were found. */
  readonly maxStates?: number;
  /** Stop (incomplete) after this many seconds. */
  readonly maxSeconds?: number;
  /** Do not expand states at this depth (incomplete when any would have successors). */
  readonly maxDepth?: number;
  /** Keep the edges (for liveness). */
  readonly keepEdges?: boolean;
  /** Whether canonical tuples may differ from states (symmetry reduction). */
  readonly symmetry?: boolean;
  /** Called about every `progressEveryMs`. */
  readonly onProgress?: (p: Progress) => void;
  /** Period of `onProgress` (default 1000 ms). */
  readonly progressEveryMs?: number;
}

/** What a search found. */
export interface SearchResult {
  /** Whether every reachable state was expanded. */
  readonly complete: boolean;
  /** Why it stopped early, or null. */
  readonly stoppedBy: 'max-states' | 'max-seconds' | 'max-depth' | 'max-memory' | null;
  /** Distinct states. */
  readonly states: number;
  /** Steps taken (edges, including those to known states). */
  readonly transitions: number;
  /** Greatest depth of a state. */
  readonly maxDepth: number;
  /** Wall-clock seconds. */
  readonly seconds: number;
  /** First violation per `always` property (shortest, by breadth-first order). */
  readonly violations: ReadonlyMap<string, Hit>;
  /** First witness per `sometimes` property. */
  readonly reached: ReadonlyMap<string, Hit>;
  /** The states and parents. */
  readonly store: StateStore;
  /** The edges, when kept. */
  readonly edges: EdgeStore | null;
}

/**
 * Searches `model` breadth-first.
 * @param model - the system.
 * @param options - bounds and reporting.
 */
export function search(model: Model, options: SearchOptions = {}): SearchResult {
  const width = model.width;
  const store = new StateStore(width, options.symmetry === true);
  const edges = options.keepEdges ? new EdgeStore() : null;
  const violations = new Map<string, Hit>();
  const reached = new Map<string, Hit>();
  const maxStates = options.maxStates ?? Infinity;
  const maxSeconds = options.maxSeconds ?? Infinity;
  const maxDepth = options.maxDepth ?? Infinity;
  const every = options.progressEveryMs ?? 1000;
  const start = performance.now();
  let lastReport = start;

  const init = new Int32Array(width);
  const initCanon = new Int32Array(width);
  model.initial(init, initCanon);
  store.add(init, initCanon, -1, -1, 0);

  const current = new Int32Array(width);
  let from = 0;
  let fromDepth = 0;
  let transitions = 0;
  let deepest = 0;
  let stoppedBy: SearchResult['stoppedBy'] = null;

  const sink = (index: number, state: Int32Array, canonical: Int32Array, step: StepInfo): void => {
    transitions++;
    const added = store.add(state, canonical, from, index, fromDepth + 1);
    const to = added >= 0 ? added : -added - 1;
    if (added >= 0 && fromDepth + 1 > deepest) deepest = fromDepth + 1;
    if (step.violations.length > 0) {
      store.flags[to] = (store.flags[to] as number) | 1;
      for (const v of step.violations) if (!violations.has(v.property)) violations.set(v.property, { from, action: index, to, message: v.message });
    }
    for (const name of step.reached) if (!reached.has(name)) reached.set(name, { from, action: index, to, message: '' });
    edges?.add(to, step.fairClass, step.fault, step.discharges);
  };

  for (; from < store.size; from++) {
    if (store.size >= maxStates) {
      stoppedBy = 'max-states';
      break;
    }
    if ((from & 255) === 0) {
      const now = performance.now();
      if ((now - start) / 1000 > maxSeconds) {
        stoppedBy = 'max-seconds';
        break;
      }
      if ((from & 65535) === 0) {
        // Stop cleanly (incomplete) rather than crash when the JavaScript heap nears its limit.
        const heap = getHeapStatistics();
        if (heap.used_heap_size > heap.heap_size_limit * 0.85) {
          stoppedBy = 'max-memory';
          break;
        }
      }
      if (options.onProgress && now - lastReport >= every) {
        lastReport = now;
        const seconds = (now - start) / 1000;
        options.onProgress({ states: store.size, expanded: from, depth: store.depth[from] as number, seconds, statesPerSecond: Math.round(store.size / seconds) });
      }
    }
    edges?.open(from);
    if ((store.flags[from] as number) & 1) continue;
    fromDepth = store.depth[from] as number;
    if (fromDepth >= maxDepth) {
      // The state is kept but not expanded: the run is incomplete only if it has successors.
      let any = false;
      model.successors(store.read(from, current), () => void (any = true));
      if (any) stoppedBy = 'max-depth';
      continue;
    }
    model.successors(store.read(from, current), sink);
  }
  const seconds = (performance.now() - start) / 1000;
  return {
    complete: stoppedBy === null,
    stoppedBy,
    states: store.size,
    transitions,
    maxDepth: deepest,
    seconds,
    violations,
    reached,
    store,
    edges,
  };
}
