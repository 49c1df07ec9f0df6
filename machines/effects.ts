/**
 * How both machines hand out their effects: every step that has any emits them, in order, as the
 * params of ONE action named {@link EFFECTS_ACTION}. A runtime provides that action and carries
 * the commands out; `transition()` callers (the model checker, tests) read them with
 * {@link commandsOf}. One action per step, not one per command: an XState action costs far more
 * than a command object.
 * @packageDocumentation
 */

/**
 * The name of the one effect action of the coordinator and the task machines. Its params are the
 * step's commands, a non-empty readonly array, in the order they must be carried out.
 * @public
 */
export const EFFECTS_ACTION = 'commands';

/** An action as `transition()` and `initialTransition()` return it. */
interface ActionLike {
  /** The action's type. */
  readonly type: string;
  /** Its params. */
  readonly params?: unknown;
}

/**
 * The commands of a step, in order, from the actions `transition()` returned.
 * @param actions - the step's actions.
 * @returns the commands (a new array; empty when the step had no effect).
 * @public
 */
export function commandsOf<C>(actions: readonly ActionLike[]): C[] {
  const out: C[] = [];
  for (const a of actions) if (a.type === EFFECTS_ACTION) for (const c of a.params as readonly C[]) out.push(c);
  return out;
}
