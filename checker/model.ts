/**
 * The model checker's view of a system: a generic, deterministic transition system over packed
 * states. The mechanism (breadth-first search, hashing, symmetry, liveness, traces) knows nothing
 * else about the system; the protocol world in `checker/protocol/` implements this interface.
 *
 * A state is packed as a fixed-width tuple of 32-bit integers (ids of interned components). The
 * model also gives the *canonical* tuple of every successor: equal canonical tuples mean
 * equivalent states (equal up to abstraction and, with symmetry reduction, up to a permutation of
 * interchangeable actors). The search keeps one representative per canonical tuple.
 * @packageDocumentation
 */
import type { PropertyKind } from '../spec/index.js';

/** A property as the checker reports it. */
export interface CheckedProperty {
  /** Stable name. */
  readonly name: string;
  /** always, sometimes or eventually. */
  readonly kind: PropertyKind;
  /** For people. */
  readonly description: string;
}

/** A broken `always` property, as a step revealed it. */
export interface StepViolation {
  /** The property. */
  readonly property: string;
  /** What went wrong. */
  readonly message: string;
}

/** What one step (one enabled action) means for the properties and for fairness. */
export interface StepInfo {
  /** `always` properties this step broke (usually none: share one empty array). */
  readonly violations: readonly StepViolation[];
  /** `sometimes` properties this step reached (usually none). */
  readonly reached: readonly string[];
  /** A fault (loss, duplication, crash, environment request): never part of a fault-free suffix. */
  readonly fault: boolean;
  /** The weak-fairness class of the action (one per action instance), or -1 for none. */
  readonly fairClass: number;
  /** Bit mask of liveness obligations this step discharges (e.g. a checkpoint completed). */
  readonly discharges: number;
}

/** Receives the successors of a state, one per enabled action, in the model's fixed order. */
export type SuccessorSink = (index: number, state: Int32Array, canonical: Int32Array, step: StepInfo) => void;

/** A liveness property: an obligation bit of the states, under weak fairness. */
export interface LivenessProperty {
  /** The property's name. */
  readonly name: string;
  /**
   * Which obligations to check separately: a violation is a fair, fault-free cycle (or a state
   * with no fault-free action) whose every state has obligation bit `bit` set and whose steps
   * discharge none of `bit`.
   */
  readonly bits: readonly number[];
}

/** A deterministic transition system the checker can search. */
export interface Model<Label = unknown> {
  /** Width of a packed state, in 32-bit integers. */
  readonly width: number;
  /** Every property checked, in report order. */
  readonly properties: readonly CheckedProperty[];
  /** The liveness properties (checked only when asked, without symmetry). */
  readonly liveness: readonly LivenessProperty[];
  /** Writes the initial state into `state` and its canonical form into `canonical`. */
  initial(state: Int32Array, canonical: Int32Array): void;
  /**
   * Calls `sink` for every enabled action of `state`, in a fixed order. The arrays handed to
   * `sink` are reused: copy what you keep. A state with violations is never expanded.
   */
  successors(state: Int32Array, sink: SuccessorSink): void;
  /**
   * The `index`-th action of `state` (as `successors` numbers them), with its readable label.
   * Used only to rebuild traces.
   */
  action(state: Int32Array, index: number): { readonly label: Label; readonly next: Int32Array; readonly step: StepInfo } | null;
  /** Liveness obligation bits of a state (0 when liveness is not checked). */
  obligations(state: Int32Array): number;
  /** A readable description of a state, for traces. */
  describe(state: Int32Array): unknown;
  /** Counters the model wants reported (memo sizes, distinct actor states...). */
  statistics(): Record<string, number>;
}

/** The empty list of violations or reached properties (shared, never mutated). */
export const NONE: readonly never[] = Object.freeze([]);
