/**
 * Liveness under weak fairness, over the explored graph: an `eventually` property is violated by a
 * lasso, a path to a cycle on which its obligation stays open, that takes no fault step (faults
 * have stopped) and is weakly fair (every action continuously enabled along the cycle is taken on
 * it). A state with no fault-free action at all is a cycle of its own (the run stutters there).
 *
 * Per obligation bit: the strongly connected components of the sub-graph of states with the bit
 * set, restricted to fault-free steps that do not discharge it (Tarjan, iterative). A component
 * hosts a fair cycle iff every weak-fairness class enabled in all of its states is taken by one
 * of its inner steps; the cycle through all its states and those steps is then fair, and the
 * lasso shown goes through the steps each class needs. Symmetry reduction must be off: it is
 * unsound for liveness.
 * @packageDocumentation
 */
import type { Model } from './model.js';
import type { EdgeStore, StateStore } from './state-store.js';

/** A step of a lasso: action `action` of state `from`. */
export interface LassoStep {
  /** The state the step starts from. */
  readonly from: number;
  /** The action's index among the state's actions. */
  readonly action: number;
}

/** A violation of a liveness property. */
export interface Lasso {
  /** The property. */
  readonly property: string;
  /** The obligation bit that stays open. */
  readonly bit: number;
  /** Steps from the initial state to the first state of the cycle. */
  readonly prefix: readonly LassoStep[];
  /** Steps of the cycle (back to its first state); empty when the run stutters in a state. */
  readonly cycle: readonly LassoStep[];
}

/**
 * Finds a lasso violating the obligation `bit`, or null.
 * @param store - the explored states (complete search).
 * @param edges - their edges.
 * @param obligations - obligation bits per state.
 * @param bit - the obligation.
 */
function findLasso(store: StateStore, edges: EdgeStore, obligations: Int32Array, bit: number): { states: number[]; entry: number } | null {
  const n = store.size;
  const mask = 1 << bit;
  const { start, target, fault, discharges } = edges;
  const inScope = (i: number) => ((obligations[i] as number) & mask) !== 0;
  const allowed = (e: number) => fault[e] === 0 && ((discharges[e] as number) & mask) === 0 && inScope(target[e] as number);

  // A state with no fault-free step at all: the run may stop there forever.
  let best: { states: number[]; entry: number } | null = null;
  for (let i = 0; i < n; i++) {
    if (!inScope(i)) continue;
    let any = false;
    for (let e = start[i] as number; e < (start[i + 1] as number); e++) if (fault[e] === 0) any = true;
    if (!any && (best === null || (store.depth[i] as number) < (store.depth[best.entry] as number))) best = { states: [i], entry: i };
  }

  // Tarjan's algorithm, iterative.
  const index = new Int32Array(n).fill(-1);
  const low = new Int32Array(n);
  const onStack = new Uint8Array(n);
  const stack: number[] = [];
  const callStack: number[] = [];
  const edgeAt = new Int32Array(n);
  let counter = 0;
  const comp = new Int32Array(n).fill(-1);
  let comps = 0;
  for (let root = 0; root < n; root++) {
    if (!inScope(root) || index[root] !== -1) continue;
    callStack.push(root);
    index[root] = low[root] = counter++;
    edgeAt[root] = start[root] as number;
    stack.push(root);
    onStack[root] = 1;
    while (callStack.length > 0) {
      const v = callStack[callStack.length - 1] as number;
      let descended = false;
      while ((edgeAt[v] as number) < (start[v + 1] as number)) {
        const e = edgeAt[v] as number;
        edgeAt[v] = e + 1;
        if (!allowed(e)) continue;
        const w = target[e] as number;
        if (index[w] === -1) {
          index[w] = low[w] = counter++;
          edgeAt[w] = start[w] as number;
          stack.push(w);
          onStack[w] = 1;
          callStack.push(w);
          descended = true;
          break;
        } else if (onStack[w]) {
          low[v] = Math.min(low[v] as number, index[w] as number);
        }
      }
      if (descended) continue;
      callStack.pop();
      const parent = callStack[callStack.length - 1];
      if (parent !== undefined) low[parent] = Math.min(low[parent] as number, low[v] as number);
      if (low[v] === index[v]) {
        const members: number[] = [];
        let w: number;
        do {
          w = stack.pop() as number;
          onStack[w] = 0;
          comp[w] = comps;
          members.push(w);
        } while (w !== v);
        const id = comps++;
        const candidate = fairComponent(edges, members, comp, id, allowed);
        if (candidate) {
          const entry = members.reduce((a, b) => ((store.depth[b] as number) < (store.depth[a] as number) ? b : a));
          if (best === null || (store.depth[entry] as number) < (store.depth[best.entry] as number)) best = { states: members, entry };
        }
      }
    }
  }
  return best;
}

/** Whether a component hosts a weakly fair cycle. */
function fairComponent(edges: EdgeStore, members: readonly number[], comp: Int32Array, id: number, allowed: (e: number) => boolean): boolean {
  const { start, target, fairClass } = edges;
  let inner = false;
  const taken = new Set<number>();
  const enabledCount = new Map<number, number>();
  for (const v of members) {
    const seen = new Set<number>();
    for (let e = start[v] as number; e < (start[v + 1] as number); e++) {
      const c = fairClass[e] as number;
      if (c >= 0 && !seen.has(c)) {
        seen.add(c);
        enabledCount.set(c, (enabledCount.get(c) ?? 0) + 1);
      }
      if (allowed(e) && comp[target[e] as number] === id) {
        inner = true;
        if (c >= 0) taken.add(c);
      }
    }
  }
  if (!inner) return false;
  for (const [c, count] of enabledCount) if (count === members.length && !taken.has(c)) return false;
  return true;
}

/** Shortest path (as steps) inside `members` from `from` to a state satisfying `goal`. */
function pathWithin(edges: EdgeStore, inSet: Uint8Array, allowed: (e: number) => boolean, from: number, goal: (v: number, viaEdge: number) => boolean): LassoStep[] | null {
  const { start, target } = edges;
  const prev = new Map<number, { from: number; edge: number }>();
  const queue = [from];
  const seen = new Set([from]);
  for (let q = 0; q < queue.length; q++) {
    const v = queue[q] as number;
    for (let e = start[v] as number; e < (start[v + 1] as number); e++) {
      if (!allowed(e)) continue;
      const w = target[e] as number;
      if (!inSet[w]) continue;
      if (goal(w, e)) {
        const steps: LassoStep[] = [{ from: v, action: e - (start[v] as number) }];
        for (let x = v; x !== from; ) {
          const p = prev.get(x) as { from: number; edge: number };
          steps.push({ from: p.from, action: p.edge - (start[p.from] as number) });
          x = p.from;
        }
        return steps.reverse();
      }
      if (!seen.has(w)) {
        seen.add(w);
        prev.set(w, { from: v, edge: e });
        queue.push(w);
      }
    }
  }
  return null;
}

/**
 * Checks the liveness properties of a model on a complete search.
 * @param model - the model (for obligations).
 * @param store - the states.
 * @param edges - the edges.
 * @returns the first lasso per violated property.
 */
export function checkLiveness(model: Model, store: StateStore, edges: EdgeStore): Lasso[] {
  const n = store.size;
  const obligations = new Int32Array(n);
  const buf = new Int32Array(model.width);
  for (let i = 0; i < n; i++) obligations[i] = model.obligations(store.read(i, buf));
  const found: Lasso[] = [];
  for (const property of model.liveness) {
    let best: { lasso: Lasso; depth: number } | null = null;
    for (const bit of property.bits) {
      const r = findLasso(store, edges, obligations, bit);
      if (!r) continue;
      const depth = store.depth[r.entry] as number;
      if (best && best.depth <= depth) continue;
      best = { lasso: buildLasso(property.name, bit, store, edges, obligations, r.states, r.entry), depth };
    }
    if (best) found.push(best.lasso);
  }
  return found;
}

function buildLasso(property: string, bit: number, store: StateStore, edges: EdgeStore, obligations: Int32Array, members: readonly number[], entry: number): Lasso {
  const path = store.pathTo(entry);
  const prefix: LassoStep[] = [];
  for (let i = 1; i < path.length; i++) prefix.push({ from: path[i - 1] as number, action: store.action[path[i] as number] as number });
  if (members.length === 1) {
    const { start, fault } = edges;
    let hasInner = false;
    for (let e = start[entry] as number; e < (start[entry + 1] as number); e++) if (fault[e] === 0 && edges.target[e] === entry) hasInner = true;
    if (!hasInner) return { property, bit, prefix, cycle: [] };
  }
  const mask = 1 << bit;
  const inSet = new Uint8Array(store.size);
  for (const m of members) inSet[m] = 1;
  const { start, target, fault, discharges, fairClass } = edges;
  const allowed = (e: number) => fault[e] === 0 && ((discharges[e] as number) & mask) === 0 && ((obligations[target[e] as number] as number) & mask) !== 0;
  // Waypoints: per class enabled somewhere in the component, a step of it inside, or a state where it is disabled.
  const enabledAt = new Map<number, Set<number>>();
  const innerEdge = new Map<number, { from: number; edge: number }>();
  for (const v of members) {
    for (let e = start[v] as number; e < (start[v + 1] as number); e++) {
      const c = fairClass[e] as number;
      if (c < 0) continue;
      let set = enabledAt.get(c);
      if (!set) enabledAt.set(c, (set = new Set()));
      set.add(v);
      if (allowed(e) && inSet[target[e] as number] && !innerEdge.has(c)) innerEdge.set(c, { from: v, edge: e });
    }
  }
  const cycle: LassoStep[] = [];
  let at = entry;
  const go = (goal: (v: number, e: number) => boolean) => {
    const steps = pathWithin(edges, inSet, allowed, at, goal);
    if (!steps) return;
    cycle.push(...steps);
    const last = steps[steps.length - 1] as LassoStep;
    at = target[(start[last.from] as number) + last.action] as number;
  };
  for (const [c, states] of enabledAt) {
    const inner = innerEdge.get(c);
    if (inner !== undefined) {
      // Walk to the step's source, then take it.
      if (at !== inner.from) go((v) => v === inner.from);
      cycle.push({ from: inner.from, action: inner.edge - (start[inner.from] as number) });
      at = target[inner.edge] as number;
    } else if (states.has(at)) {
      go((v) => !states.has(v));
    }
  }
  if (at !== entry || cycle.length === 0) go((v) => v === entry);
  return { property, bit, prefix, cycle };
}
