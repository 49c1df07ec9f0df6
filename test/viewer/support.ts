/**
 * Shared by the viewer tests: every state path of a machine, read through XState's state nodes.
 */
import type { AnyStateMachine, AnyStateNode } from 'xstate';

/**
 * Every state of a machine (the root left out), as dotted paths.
 * @param machine - the machine.
 */
export function allStatePaths(machine: AnyStateMachine): string[] {
  const out: string[] = [];
  const visit = (node: AnyStateNode) => {
    if (node.path.length > 0) out.push(node.path.join('.'));
    Object.values(node.states).forEach(visit);
  };
  visit(machine.root);
  return out;
}
