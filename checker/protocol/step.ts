/**
 * XState's pure `transition()`, without its per-call cost. `transition(logic, snapshot, event)`
 * builds a fresh inert actor scope on every call (creating an actor, which computes an initial
 * snapshot); the scope only collects the actions. {@link stepperOf} builds that scope once per
 * machine and then calls `logic.transition(snapshot, event, scope)` exactly as `transition()`
 * does. Valid for machines that spawn no children (ours spawn none); a test compares it with
 * `transition()` step by step.
 * @packageDocumentation
 */
import { createActor } from 'xstate';
import type { AnyActorLogic, AnyActorScope, EventFromLogic, SnapshotFrom } from 'xstate';

/** An executable action as `transition()` returns it. */
export interface StepAction {
  /** The action's type (`commands` for the machines' effects). */
  readonly type: string;
  /** Its parameters (the commands). */
  readonly params?: unknown;
}

/** A pure step function of one machine. */
export type Stepper<L extends AnyActorLogic> = (snapshot: SnapshotFrom<L>, event: EventFromLogic<L>) => [SnapshotFrom<L>, StepAction[]];

/**
 * A step function equivalent to `transition(logic, ·, ·)`.
 * @param logic - the machine.
 */
export function stepperOf<L extends AnyActorLogic>(logic: L): Stepper<L> {
  const self = createActor(logic);
  let collected: StepAction[] = [];
  const scope = {
    self,
    defer: () => {},
    id: '',
    logger: () => {},
    sessionId: '',
    stopChild: () => {},
    system: self.system,
    emit: () => {},
    actionExecutor: (action: StepAction) => void collected.push(action),
  } as unknown as AnyActorScope;
  return (snapshot, event) => {
    collected = [];
    const next = logic.transition(snapshot, event, scope) as SnapshotFrom<L>;
    return [next, collected];
  };
}
