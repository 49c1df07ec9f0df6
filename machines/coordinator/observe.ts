/**
 * Maps coordinator commands to the protocol {@link Observation}s the named properties judge.
 * Pure, so the runtime, the tests and the model checker derive observations the same way.
 * @packageDocumentation
 */
import type { CheckpointingConfig, Observation } from '../../spec/index.js';
import type { CoordinatorCommand } from './commands.js';

/**
 * The observations one command stands for (most stand for none).
 * @param command - a command the machine emitted.
 * @param config - the coordinator's configuration (for bounds the properties compare against).
 */
export function observationsOf(command: CoordinatorCommand, config: CheckpointingConfig): Observation[] {
  switch (command.kind) {
    case 'pendingCreated':
      return [{ kind: 'pendingCreated', checkpointId: command.checkpointId, snapshot: command.snapshot, forced: command.forced, plan: command.plan, pendingCount: command.pendingCount, maxConcurrent: config.maxConcurrent }];
    case 'checkpointCompleted':
      return [{ kind: 'completed', checkpointId: command.checkpointId, snapshot: command.snapshot }];
    case 'checkpointAborted':
      return [{ kind: 'aborted', checkpointId: command.checkpointId, reason: command.reason }];
    case 'notifyComplete':
      return [{ kind: 'notified', checkpointId: command.checkpointId, outcome: 'complete' }];
    case 'notifyAborted':
      return [{ kind: 'notified', checkpointId: command.checkpointId, outcome: 'aborted' }];
    case 'failureCounted':
      return [{ kind: 'failureCounted', checkpointId: command.checkpointId, reason: command.reason, counter: command.counter, tolerable: config.tolerableFailures, failedJob: command.failedJob }];
    case 'restoreState':
      return [{ kind: 'restored', checkpointId: command.checkpoint ? command.checkpoint.checkpointId : -1 }];
    default:
      return [];
  }
}
