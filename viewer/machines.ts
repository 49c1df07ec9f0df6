/**
 * The machines that ship, as graphs and laid out: what the diagrams and the viewer draw.
 * @packageDocumentation
 */
import type { AnyStateMachine } from 'xstate';
import { coordinatorMachine } from '../machines/coordinator/index.js';
import { taskMachine } from '../machines/task/index.js';
import type { ActorMachine } from './run.js';
import { statechartOf } from './statechart.js';
import type { Statechart } from './statechart.js';
import { layoutStatechart } from './statechart-layout.js';
import type { StatechartLayout } from './statechart-layout.js';

/** Every machine that ships, by name. */
export const MACHINES: Readonly<Record<ActorMachine, AnyStateMachine>> = { coordinator: coordinatorMachine, task: taskMachine };

/** A machine's graph and layout. */
export interface MachineChart {
  /** The graph. */
  readonly chart: Statechart;
  /** Its layout. */
  readonly layout: StatechartLayout;
}

/** Lays out every machine that ships. */
export async function machineCharts(): Promise<Record<ActorMachine, MachineChart>> {
  const entries = await Promise.all(
    (Object.entries(MACHINES) as Array<[ActorMachine, AnyStateMachine]>).map(async ([name, machine]) => {
      const chart = statechartOf(machine);
      return [name, { chart, layout: await layoutStatechart(chart) }] as const;
    }),
  );
  return Object.fromEntries(entries) as Record<ActorMachine, MachineChart>;
}
