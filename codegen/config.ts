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
        timers: { command: 'startTimer', field: 'timer' },
      },
      {
        role: 'task',
        module: 'machines/task/task.machine.ts',
        exportName: 'taskMachine',
        events: { file: 'machines/task/events.ts', type: 'TaskEvent', discriminant: 'type' },
        commands: { file: 'machines/task/commands.ts', type: 'TaskCommand', discriminant: 'kind' },
        timers: { command: 'startTimer', field: 'timer' },
      },
    ],
    outDir: 'generated',
    image: {
      config: { file: 'spec/config.ts', type: 'CheckpointingConfig', defaults: 'DEFAULT_CONFIG' },
      properties: { file: 'spec/invariants.ts', exportName: 'PROPERTIES' },
      persisted: [
        { name: 'completedCheckpoint', file: 'machines/coordinator/types.ts', type: 'CompletedCheckpoint' },
        { name: 'sinkSnapshot', file: 'machines/task/types.ts', type: 'SinkSnapshotState' },
      ],
      // The package's `exports` (package.json) and the file each resolves to in the sources. Not
      // `./adapters`: it builds on generated/, and the image must not depend on generated output.
      api: { '.': 'index.ts', './spec': 'spec/index.ts', './machines': 'machines/index.ts', './runtime': 'runtime/index.ts' },
    },
  };
}
