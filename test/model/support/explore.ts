/**
 * Path generation with `xstate/graph`: `createTestModel` over the machine, the shortest path to
 * every reachable snapshot (`getShortestPaths`, with the model's concrete events and snapshot
 * key), then one step more wherever that takes a transition no path took yet (shortest paths
 * cover snapshots; a transition that leads back to a known snapshot, a rejection for instance, is
 * on no shortest path). Every path is replayed on an inspected actor of the machine: its
 * snapshots are the reference the runtime is compared with, its transitions the coverage.
 * @packageDocumentation
 */
import { createActor } from 'xstate';
import type { AnyMachineSnapshot, AnyStateMachine, EventObject, InspectionEvent } from 'xstate';
import { createTestModel } from 'xstate/graph';
import type { Replay } from './coverage.js';
import { replay, transitionKey, transitionsOf } from './coverage.js';

/** A model path: its events and, once replayed, the machine's snapshots along it. */
export interface ModelPath<TEvent extends EventObject> {
  /** `xstate/graph`'s description ("Reaches state ...: EVENT → EVENT"), or the extension's. */
  readonly description: string;
  /** The events, in order. */
  readonly events: TEvent[];
  /** The replay on the machine. */
  readonly replay: Replay<AnyMachineSnapshot>;
}

/** The result of an exploration. */
export interface Exploration<TEvent extends EventObject> {
  /** Reachable snapshots (distinct keys). */
  readonly snapshots: number;
  /** Edges from them (snapshot, offered event). */
  readonly edges: number;
  /** Shortest paths `xstate/graph` returned (prefixes of other paths removed). */
  readonly shortestPaths: number;
  /** Every path: the shortest ones, then the one-step extensions. */
  readonly paths: ModelPath<TEvent>[];
  /** State node ids reached by the paths. */
  readonly states: Set<string>;
  /** Transition keys taken by the paths. */
  readonly transitions: Set<string>;
}

/** What {@link explore} needs to know about a model. */
export interface ExploreOptions<TSnapshot extends AnyMachineSnapshot, TEvent extends EventObject> {
  /** The machine. */
  readonly machine: AnyStateMachine;
  /** Its input. */
  readonly input: unknown;
  /** The concrete events offered in a snapshot. */
  readonly events: (snapshot: TSnapshot) => TEvent[];
  /** The snapshot's key (equal keys: same events offered, same keys after them). */
  readonly key: (snapshot: TSnapshot) => string;
}

/** The transitions one event takes from a snapshot (on an actor restored from it). */
function transitionsFrom(machine: AnyStateMachine, snapshot: AnyMachineSnapshot, event: EventObject): string[] {
  const taken: string[] = [];
  const actor = createActor(machine, {
    snapshot,
    inspect: (e: InspectionEvent) => {
      if (e.type === '@xstate.microstep') taken.push(...e._transitions.map(transitionKey));
    },
  } as Parameters<typeof createActor>[1]);
  actor.start();
  actor.send(event);
  actor.stop();
  return taken;
}

/**
 * Generates and replays the paths of a model.
 * @param options - the machine, its input, the events and the key.
 * @throws when a replayed path does not reach the snapshots `xstate/graph` computed for it.
 */
export function explore<TSnapshot extends AnyMachineSnapshot, TEvent extends EventObject>(options: ExploreOptions<TSnapshot, TEvent>): Exploration<TEvent> {
  const { machine, input, events, key } = options;
  const model = createTestModel(machine, {
    input,
    // The whole key; no "via event from state" suffix: one path per reachable snapshot.
    serializeState: (s: TSnapshot) => key(s),
  } as never);
  // The events are given here rather than to createTestModel, whose wrapper offers only the event
  // types a state names itself: an event caught by a wildcard ('*') would never be offered.
  const shortest = model.getShortestPaths({ events: events as never });

  const paths: ModelPath<TEvent>[] = [];
  const states = new Set<string>();
  const transitions = new Set<string>();
  const add = (description: string, evs: TEvent[], expected?: readonly AnyMachineSnapshot[]) => {
    const r = replay<AnyMachineSnapshot>(machine, input, evs);
    if (expected) {
      expected.forEach((s, i) => {
        if (key(s as TSnapshot) !== key(r.snapshots[i] as TSnapshot)) throw new Error(`replaying "${description}" left the path at step ${i}`);
      });
    }
    r.states.forEach((s) => states.add(s));
    r.transitions.flat().forEach((t) => transitions.add(t));
    const path = { description, events: evs, replay: r };
    paths.push(path);
    return path;
  };
  // Every snapshot on a shortest path, with the events reaching it.
  const reached = new Map<string, { snapshot: AnyMachineSnapshot; events: TEvent[] }>();
  for (const p of shortest) {
    const path = add(
      p.description,
      p.steps.slice(1).map((s) => s.event as TEvent),
      p.steps.map((s) => s.state as AnyMachineSnapshot),
    );
    path.replay.snapshots.forEach((s, i) => {
      const k = key(s as TSnapshot);
      if (!reached.has(k)) reached.set(k, { snapshot: s, events: path.events.slice(0, i) });
    });
  }
  // One step more for every transition no path took yet. An edge is tried only when a
  // transition it might take (one its event type names on an active state node, or any eventless
  // one) is still missing.
  const definitions = transitionsOf(machine);
  let edges = 0;
  for (const { snapshot, events: prefix } of reached.values()) {
    const active = new Set((snapshot as unknown as { _nodes: Array<{ id: string }> })._nodes.map((n) => n.id));
    const alwaysMissing = definitions.some((t) => t.eventType === 'always' && !transitions.has(t.key));
    for (const event of events(snapshot as TSnapshot)) {
      edges++;
      if (!alwaysMissing && !definitions.some((t) => active.has(t.source) && (t.eventType === event.type || t.eventType === '*') && !transitions.has(t.key))) continue;
      const fresh = transitionsFrom(machine, snapshot, event).filter((t) => !transitions.has(t));
      if (fresh.length === 0) continue;
      add(`extends a path to take ${fresh.join(', ')}: ${[...prefix, event].map((e) => e.type).join(' → ')}`, [...prefix, event]);
    }
  }
  return { snapshots: reached.size, edges, shortestPaths: shortest.length, paths, states, transitions };
}
