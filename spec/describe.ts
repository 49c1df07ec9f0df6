/**
 * Control messages in a few words, for logs, traces and the viewer.
 * @packageDocumentation
 */
import type { ControlMessage } from './messages.js';

/**
 * A control message in a few words: its type and the field that tells it apart, e.g.
 * `triggerCheckpoint(3)`, `declineCheckpoint(3, CHECKPOINT_DECLINED_TASK_NOT_READY)`,
 * `taskStateChanged(running)`, `heartbeat`.
 * @param m - the message.
 */
export function describeMessage(m: ControlMessage): string {
  switch (m.type) {
    case 'taskStateChanged':
      return `taskStateChanged(${m.state})`;
    case 'declineCheckpoint':
      return `declineCheckpoint(${m.checkpointId}, ${m.reason})`;
    case 'heartbeat':
      return 'heartbeat';
    default:
      return `${m.type}(${m.checkpointId})`;
  }
}
