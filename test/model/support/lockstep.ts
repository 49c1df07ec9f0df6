/**
 * Runs one model path on the pure machine and on a real runtime side by side, and checks after
 * every event that both processed the same event and hold the same snapshot (state value and
 * canonical context).
 *
 * The runtime is observed through XState inspection: every event its actor processes (the ones
 * the test delivers through the runtime's API, and the port replies the runtime sends itself)
 * comes with the snapshot after it. One driver action may make the runtime process several
 * model events (a synchronous port reply is processed in the same call), and an event the
 * runtime processes that the model path does not contain is an error, except the ones the driver
 * declares as changing nothing (they must leave the snapshot as it was).
 * @packageDocumentation
 */
import type { AnyMachineSnapshot, EventObject } from 'xstate';
import { canonical } from '../../support/canonical.js';
import type { Exploration } from './explore.js';

/** How a model event reached the runtime. */
export type Route =
  /** Through the runtime's public API (a message, a request, a control call). */
  | 'api'
  /** As a reply of one of the runtime's ports (answered by the test, or synchronously by the runtime). */
  | 'port'
  /**
   * Sent to the runtime's actor: an input the runtime's API and ports cannot produce (a stale
   * or malformed reply, a clock going back): the runtime guarantees it never happens, the machine
   * must still reject it.
   */
  | 'direct';

/** An event the runtime's actor processed, with the snapshot after it. */
export interface Processed {
  /** The event. */
  readonly event: EventObject;
  /** The snapshot after it. */
  readonly snapshot: AnyMachineSnapshot;
}

/** Drives one runtime instance along a path. */
export interface RuntimeDriver<TEvent extends EventObject> {
  /** The runtime's snapshot before the first event. */
  initialSnapshot(): AnyMachineSnapshot;
  /**
   * Makes the runtime process `event` (the model's next event not processed yet).
   * @param event - the event.
   * @param following - the events after it on the path (to prepare synchronous port replies).
   */
  deliver(event: TEvent, following: readonly TEvent[]): Promise<Route>;
  /**
   * Whether `event`, already processed by the runtime in an earlier call, was a synchronous
   * reply of its port (the only reason the runtime may be ahead of the driver).
   * @param event - the event.
   */
  isSynchronousReply(event: TEvent): boolean;
  /** The events processed since the last call, in order. */
  drain(): Processed[];
  /**
   * Whether a processed event is one the driver sent to make the runtime observe something (a
   * clock change) and that must change nothing.
   * @param event - the processed event.
   */
  isNoOp(event: EventObject): boolean;
  /**
   * Rewrites runtime-chosen names (request ids) into the model's, in canonical text.
   * @param text - canonical JSON.
   */
  normalize(text: string): string;
  /** Stops the runtime. */
  stop(): void;
}

/** What one lockstep run did. */
export interface LockstepResult {
  /** How each event reached the runtime (index i: the path's event i). */
  readonly routes: Route[];
}

const view = (s: AnyMachineSnapshot) => ({ value: s.value, context: s.context });

/**
 * Asserts that the runtime agrees with the model at every step.
 * @param description - the path, for messages.
 * @param events - the path's events.
 * @param model - the model's snapshots (index 0 initial, index i after event i).
 * @param driver - the runtime.
 */
export async function lockstep<TEvent extends EventObject>(description: string, events: readonly TEvent[], model: readonly AnyMachineSnapshot[], driver: RuntimeDriver<TEvent>): Promise<LockstepResult> {
  const fail = (i: number, what: string): never => {
    const trail = events
      .slice(0, i)
      .map((e, k) => `  ${k + 1}. ${JSON.stringify(e)}`)
      .join('\n');
    throw new Error(`runtime and machine disagree at step ${i} of ${description}: ${what}\nevents:\n${trail}`);
  };
  const same = (i: number, runtime: AnyMachineSnapshot, what: string) => {
    const expected = canonical(view(model[i] as AnyMachineSnapshot));
    const actual = driver.normalize(canonical(view(runtime)));
    if (expected !== actual) fail(i, `${what}\n  machine: ${expected}\n  runtime: ${actual}`);
  };
  same(0, driver.initialSnapshot(), 'initial snapshot');
  const routes: Route[] = [];
  let matched = 0;
  let last = driver.initialSnapshot();
  for (let i = 1; i <= events.length; i++) {
    const event = events[i - 1] as TEvent;
    if (matched >= i) {
      if (!driver.isSynchronousReply(event)) fail(i, `the runtime processed ${event.type} before it was delivered`);
      routes.push('port');
      continue;
    }
    routes.push(await driver.deliver(event, events.slice(i)));
    for (const p of driver.drain()) {
      if (p.event.type === 'xstate.init' || driver.isNoOp(p.event)) {
        same(matched, p.snapshot, `${p.event.type} (which must change nothing)`);
        last = p.snapshot;
        continue;
      }
      matched++;
      if (matched > events.length) fail(matched, `the runtime processed ${JSON.stringify(p.event)} after the path ended`);
      const expected = events[matched - 1] as TEvent;
      if (canonical(expected) !== driver.normalize(canonical(p.event))) fail(matched, `the runtime processed ${driver.normalize(canonical(p.event))} instead of ${canonical(expected)}`);
      same(matched, p.snapshot, `snapshot after ${expected.type}`);
      last = p.snapshot;
    }
    if (matched < i) fail(i, `the runtime did not process ${JSON.stringify(event)} (last snapshot ${canonical(last.value)})`);
  }
  return { routes };
}

/**
 * Drives a fresh runtime along every path of an exploration in lockstep with the machine, adds the
 * transitions the runtime's actor took to `runtimeTransitions`, and logs one line of figures.
 * @param label - e.g. `coordinator model "pipeline"`.
 * @param exploration - the model's paths.
 * @param newDriver - a fresh runtime driver per path.
 * @param runtimeTransitions - collects the transition keys the runtime took.
 */
export async function lockstepAll<TEvent extends EventObject>(
  label: string,
  exploration: Exploration<TEvent>,
  newDriver: () => Promise<RuntimeDriver<TEvent> & { readonly transitions: ReadonlySet<string> }> | (RuntimeDriver<TEvent> & { readonly transitions: ReadonlySet<string> }),
  runtimeTransitions: Set<string>,
): Promise<void> {
  const started = Date.now();
  const routes: Record<Route, number> = { api: 0, port: 0, direct: 0 };
  let steps = 0;
  for (const path of exploration.paths) {
    const driver = await newDriver();
    const r = await lockstep(path.description, path.events, path.replay.snapshots, driver);
    driver.transitions.forEach((t) => runtimeTransitions.add(t));
    for (const route of r.routes) routes[route]++;
    steps += path.events.length;
    driver.stop();
  }
  console.log(
    `${label}: ${exploration.snapshots} snapshots, ${exploration.edges} edges, ${exploration.shortestPaths} shortest paths + ${exploration.paths.length - exploration.shortestPaths} extensions, ${steps} steps in lockstep (api ${routes.api}, port ${routes.port}, direct ${routes.direct}) in ${Date.now() - started} ms`,
  );
}
