/**
 * The generator's inputs for this repository: which spec files hold the messages, which machines
 * the protocol image describes, where the output goes.
 * @packageDocumentation
 */
import { fileURLToPath } from 'node:url';
import type { GenerateOptions } from './generate.js';

/** The repository root, from this module's own location (works from any working directory). */
export const REPO_ROOT = fileURLToPath(new URL('..', import.meta.url)).replace(/[\\/]$/, '');

/**
 * The options that generate `generated/` of the repository at `root`.
 * @param root - the repository root; defaults to {@link REPO_ROOT}.
 */
export function repositoryOptions(root: string = REPO_ROOT): GenerateOptions {
  return {
    root,
    messageFiles: ['spec/messages.ts', 'spec/stream-events.ts'],
    machines: [
      {
        role: 'coordinator',
        module: 'machines/coordinator/coordinator.machine.ts',
        exportName: 'coordinatorMachine',
        events: { file: 'machines/coordinator/events.ts', type: 'CoordinatorEvent', discriminant: 'type' },
        commands: { file: 'machines/coordinator/commands.ts', type: 'CoordinatorCommand', discriminant: 'kind' },
      },
      {
        role: 'task',
        module: 'machines/task/task.machine.ts',
        exportName: 'taskMachine',
        events: { file: 'machines/task/events.ts', type: 'TaskEvent', discriminant: 'type' },
        commands: { file: 'machines/task/commands.ts', type: 'TaskCommand', discriminant: 'kind' },
      },
    ],
    outDir: 'generated',
  };
}
