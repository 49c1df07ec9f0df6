/**
 * Statechart coverage of model-based test paths: the state nodes and transitions a machine
 * *defines* (from its definition, every guarded candidate of an event and every eventless
 * candidate counted separately), and the ones a set of paths *takes* (replayed on an inspected
 * actor, which reports the exact transition definitions of every microstep).
 * @packageDocumentation
 */
import { createActor } from 'xstate';
import type { AnyStateMachine, AnyStateNode, AnyTransitionDefinition, EventObject, InspectionEvent, Snapshot } from 'xstate';
import { getStateNodes } from 'xstate/graph';

/** One transition definition of a machine: a candidate of `eventType` (or eventless) on `source`. */
export interface TransitionInfo {
  /** Stable key: `<source id> <event type or "always">#<index among the candidates>`. */
  readonly key: string;
  /** The source state node's id. */
  readonly source: string;
  /** The event type (`always` for eventless transitions). */
  readonly eventType: string;
  /** Index among the candidates for that event on that node, in document order. */
  readonly index: number;
  /** The guard's name or a description of it, or null when unguarded. */
  readonly guard: string | null;
  /** The targets' ids (empty for a targetless transition). */
  readonly targets: readonly string[];
}

function guardText(guard: unknown): string | null {
  if (guard === undefined || guard === null) return null;
  if (typeof guard === 'string') return guard;
  if (typeof guard === 'object' && 'type' in guard && typeof (guard as { type: unknown }).type === 'string') return (guard as { type: string }).type;
  if (typeof guard === 'function') {
    const fn = guard as { name?: string; guards?: unknown[]; check?: (...a: unknown[]) => unknown };
    if (Array.isArray(fn.guards)) return `and(${fn.guards.map(guardText).join(', ')})`;
    return fn.name && fn.name !== 'guard' ? fn.name : 'inline';
  }
  return 'inline';
}

/**
 * The stable key of a transition definition.
 * @param t - a transition definition (from inspection or from the machine).
 */
export function transitionKey(t: AnyTransitionDefinition): string {
  const source = t.source as AnyStateNode;
  if (t.eventType === '') return `${source.id} always#${source.always?.indexOf(t) ?? -1}`;
  return `${source.id} ${t.eventType}#${source.transitions.get(t.eventType)?.indexOf(t) ?? -1}`;
}

/**
 * Every state node id of the machine except its root.
 * @param machine - the machine.
 */
export function stateNodeIds(machine: AnyStateMachine): string[] {
  return getStateNodes(machine.root).map((n) => n.id);
}

/**
 * Every transition definition of the machine, in document order.
 * @param machine - the machine.
 */
export function transitionsOf(machine: AnyStateMachine): TransitionInfo[] {
  const out: TransitionInfo[] = [];
  for (const node of [machine.root, ...getStateNodes(machine.root)]) {
    const add = (t: AnyTransitionDefinition) =>
      out.push({
        key: transitionKey(t),
        source: node.id,
        eventType: t.eventType === '' ? 'always' : t.eventType,
        index: t.eventType === '' ? (node.always ?? []).indexOf(t) : (node.transitions.get(t.eventType) ?? []).indexOf(t),
        guard: guardText(t.guard),
        targets: (t.target ?? []).map((n: AnyStateNode) => n.id),
      });
    for (const [, candidates] of node.transitions) candidates.forEach(add);
    (node.always ?? []).forEach(add);
  }
  return out;
}

/** What a replay saw. */
export interface Replay<TSnapshot> {
  /** The snapshot after each event (index 0: the initial snapshot). */
  readonly snapshots: TSnapshot[];
  /** Keys of the transitions taken, per event (index 0: the initial microsteps). */
  readonly transitions: string[][];
  /** State node ids active at some point. */
  readonly states: Set<string>;
}

/**
 * Replays `events` on a fresh actor of `machine` (its `command` action does nothing) and records
 * every transition taken and every state node entered.
 * @param machine - the machine.
 * @param input - its input.
 * @param events - the events, in order.
 */
export function replay<TSnapshot extends Snapshot<unknown>>(machine: AnyStateMachine, input: unknown, events: readonly EventObject[]): Replay<TSnapshot> {
  const transitions: string[][] = [[]];
  const states = new Set<string>();
  const actor = createActor(machine, {
    input,
    inspect: (e: InspectionEvent) => {
      if (e.type !== '@xstate.microstep') return;
      (transitions[transitions.length - 1] as string[]).push(...e._transitions.map(transitionKey));
      // Transient states (left by an eventless transition in the same step) show only here.
      for (const n of (e.snapshot as unknown as { _nodes: AnyStateNode[] })._nodes) if (n.parent) states.add(n.id);
    },
  });
  const snapshots: TSnapshot[] = [];
  const record = () => {
    const s = actor.getSnapshot() as unknown as TSnapshot & { _nodes: AnyStateNode[] };
    snapshots.push(s);
    for (const n of s._nodes) if (n.parent) states.add(n.id);
  };
  actor.start();
  record();
  for (const event of events) {
    transitions.push([]);
    actor.send(event);
    record();
  }
  actor.stop();
  return { snapshots, transitions, states };
}

/** Coverage of a machine by a set of replays. */
export interface Coverage {
  /** State nodes defined / reached. */
  readonly states: { readonly total: number; readonly covered: number; readonly missing: string[] };
  /** Transitions defined / taken. */
  readonly transitions: { readonly total: number; readonly covered: number; readonly missing: TransitionInfo[] };
}

/**
 * Coverage of `machine` by the union of what the replays reached.
 * @param machine - the machine.
 * @param reachedStates - state node ids reached.
 * @param takenTransitions - transition keys taken.
 */
export function coverageOf(machine: AnyStateMachine, reachedStates: ReadonlySet<string>, takenTransitions: ReadonlySet<string>): Coverage {
  const nodes = stateNodeIds(machine);
  const all = transitionsOf(machine);
  const missingStates = nodes.filter((n) => !reachedStates.has(n));
  const missing = all.filter((t) => !takenTransitions.has(t.key));
  return {
    states: { total: nodes.length, covered: nodes.length - missingStates.length, missing: missingStates },
    transitions: { total: all.length, covered: all.length - missing.length, missing },
  };
}

const pct = (a: number, b: number): string => `${((100 * a) / b).toFixed(1)}%`;

/**
 * A human-readable coverage report.
 * @param title - what was covered.
 * @param c - the coverage.
 * @param explained - why each transition left uncovered cannot be taken, by key.
 */
export function formatCoverage(title: string, c: Coverage, explained: Readonly<Record<string, string>> = {}): string {
  const lines = [
    `${title}: state nodes ${c.states.covered}/${c.states.total} (${pct(c.states.covered, c.states.total)}), transitions ${c.transitions.covered}/${c.transitions.total} (${pct(c.transitions.covered, c.transitions.total)})`,
  ];
  for (const s of c.states.missing) lines.push(`  state not reached: ${s}`);
  for (const t of c.transitions.missing) lines.push(`  transition not taken: ${t.key} [${t.guard ?? 'no guard'}] — ${explained[t.key] ?? 'UNEXPLAINED'}`);
  return lines.join('\n');
}
