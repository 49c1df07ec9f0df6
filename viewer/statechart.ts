/**
 * A statechart as a plain graph, read from an XState machine's definition (its state nodes and
 * transitions): what the diagrams, the Mermaid text and the viewer draw. A transition with targets
 * is an edge per target (labelled `event [guard]`, edges between the same two states merged); a
 * transition without a target is listed on its state as an event handled in place; the invalid-
 * input rejections every handler starts with (guard `invalid`) are left out of both.
 * @packageDocumentation
 */
import type { AnyStateMachine } from 'xstate';

/** The kind of a state node. */
export type ChartNodeType = 'atomic' | 'compound' | 'parallel' | 'final' | 'history';

/** One state. */
export interface ChartNode {
  /** Its path from the root, dotted (`active.trigger.idle`); `''` for the machine itself. */
  readonly path: string;
  /** Its own key (the machine's id for the root). */
  readonly key: string;
  /** Its kind. */
  readonly type: ChartNodeType;
  /** The parent's path, or null for the root. */
  readonly parent: string | null;
  /** Child paths, in definition order. */
  readonly children: readonly string[];
  /** The initial child's path (compound states), or null. */
  readonly initial: string | null;
  /** Events handled in place (no target), sorted. */
  readonly internal: readonly string[];
  /** The state's description, if any. */
  readonly description: string | null;
}

/** Transitions from one state to another (all events that take it). */
export interface ChartEdge {
  /** A stable id. */
  readonly id: string;
  /** The source state's path. */
  readonly source: string;
  /** The target state's path. */
  readonly target: string;
  /** One label per transition: `event [guard]` (`always` for eventless ones). */
  readonly labels: readonly string[];
}

/** A machine as a graph. */
export interface Statechart {
  /** The machine's id. */
  readonly id: string;
  /** Every state, parents before children. */
  readonly nodes: readonly ChartNode[];
  /** Every edge. */
  readonly edges: readonly ChartEdge[];
}

/** The guard that marks an invalid-input rejection (see the task machine's `REJECT`). */
const REJECTION_GUARD = 'invalid';

interface GuardLike {
  readonly type?: string;
  readonly name?: string;
  readonly guards?: readonly unknown[];
  readonly stateValue?: unknown;
}

/**
 * A guard in words: a name, `and(a, b)`, `not(a)`, `in(#task.lifecycle.running)`.
 * @param guard - the guard of a transition definition.
 */
export function describeGuard(guard: unknown): string {
  if (typeof guard === 'string') return guard;
  const g = guard as GuardLike | null;
  if (!g) return '';
  if (Array.isArray(g.guards)) return `${g.name ?? g.type ?? 'guard'}(${g.guards.map(describeGuard).join(', ')})`;
  if (g.stateValue !== undefined) return `in(${typeof g.stateValue === 'string' ? g.stateValue : leafPaths(g.stateValue).join(', ')})`;
  return g.type ?? g.name ?? 'guard';
}

interface TransitionLike {
  readonly eventType: string;
  readonly guard?: unknown;
  readonly target?: ReadonlyArray<{ readonly path: readonly string[] }>;
}

interface StateNodeLike {
  readonly key: string;
  readonly type: ChartNodeType;
  readonly path: readonly string[];
  readonly description?: string;
  readonly states: Readonly<Record<string, StateNodeLike>>;
  readonly transitions: ReadonlyMap<string, readonly TransitionLike[]>;
  readonly always?: readonly TransitionLike[];
  readonly initial?: { readonly target: ReadonlyArray<{ readonly path: readonly string[] }> };
}

/**
 * The graph of a machine.
 * @param machine - the machine (e.g. `coordinatorMachine`).
 */
export function statechartOf(machine: AnyStateMachine): Statechart {
  const nodes: ChartNode[] = [];
  const edges = new Map<string, { source: string; target: string; labels: string[] }>();
  const visit = (node: StateNodeLike, parent: string | null) => {
    const path = node.path.join('.');
    const internal = new Set<string>();
    const transitions: TransitionLike[] = [...[...node.transitions.values()].flat(), ...(node.always ?? [])];
    for (const t of transitions) {
      const guard = t.guard === undefined ? '' : describeGuard(t.guard);
      if (guard === REJECTION_GUARD) continue;
      const event = t.eventType === '' || t.eventType === undefined ? 'always' : t.eventType;
      if (!t.target || t.target.length === 0) {
        internal.add(event);
        continue;
      }
      for (const target of t.target) {
        const to = target.path.join('.');
        const key = `${path} -> ${to}`;
        const edge = edges.get(key) ?? { source: path, target: to, labels: [] };
        const label = guard ? `${event} [${guard}]` : event;
        if (!edge.labels.includes(label)) edge.labels.push(label);
        edges.set(key, edge);
      }
    }
    const children = Object.values(node.states);
    const initial = node.type === 'compound' && node.initial?.target[0] ? node.initial.target[0].path.join('.') : null;
    nodes.push({
      path,
      key: parent === null ? machine.id : node.key,
      type: node.type,
      parent,
      children: children.map((c) => c.path.join('.')),
      initial,
      internal: [...internal].sort(),
      description: node.description ?? null,
    });
    for (const child of children) visit(child, path);
  };
  visit(machine.root as unknown as StateNodeLike, null);
  return { id: machine.id, nodes, edges: [...edges.values()].map((e, i) => ({ id: `e${i}`, ...e })) };
}

/** The deepest paths of a state value (`{ active: { scheduler: 'stopped' } }` gives `active.scheduler.stopped`). */
function leafPaths(value: unknown): string[] {
  const all = activePaths(value);
  return all.filter((p) => !all.some((q) => q.startsWith(`${p}.`)));
}

/**
 * Every state node active in a state value, as dotted paths (ancestors included, the root not).
 * `{ active: { trigger: 'idle' } }` gives `active`, `active.trigger`, `active.trigger.idle`.
 * @param value - an XState state value.
 * @param prefix - the path of the node the value is relative to.
 */
export function activePaths(value: unknown, prefix = ''): string[] {
  const join = (key: string) => (prefix ? `${prefix}.${key}` : key);
  if (typeof value === 'string') return [join(value)];
  if (value === null || typeof value !== 'object') return [];
  return Object.entries(value as Record<string, unknown>).flatMap(([key, inner]) => [join(key), ...activePaths(inner, join(key))]);
}
