/**
 * Heartbeat supervision of task attempts (configured by `heartbeatTimeout`; off at 0). The
 * coordinator remembers when each live attempt last gave a sign of life (a heartbeat or a state
 * report); its `heartbeat` timer, every half timeout, declares every attempt silent for longer than
 * the timeout failed: its unacknowledged checkpoints abort with `TASK_FAILURE`, a `taskLost`
 * command asks the runtime to recover, and the attempt's later heartbeats are rejected as
 * `stale-attempt`. Work per heartbeat is O(1) (one persistent-map update); the scan is per timer
 * firing.
 * @packageDocumentation
 */
import { isTerminalTaskState } from '../../spec/index.js';
import type { Heartbeat, TaskId } from '../../spec/index.js';
import type { Out } from './outcomes.js';
import { checkSender, failUnacknowledged } from './task-messages.js';
import type { CoordinatorContext, TaskRecord } from './types.js';

/**
 * How often the coordinator looks for silent attempts.
 * @param timeout - the heartbeat timeout.
 */
export function heartbeatCheckDelay(timeout: number): number {
  return Math.max(1, Math.floor(timeout / 2));
}

/**
 * Arms the heartbeat timer when supervision is configured (at start).
 * @param ctx - the context.
 * @param out - commands.
 */
export function armHeartbeatTimer(ctx: CoordinatorContext, out: Out): CoordinatorContext {
  const timeout = ctx.config.heartbeatTimeout;
  if (timeout > 0) out.push({ kind: 'startTimer', timer: { kind: 'heartbeat' }, delayMs: heartbeatCheckDelay(timeout) });
  return ctx;
}

/**
 * A sign of life of `taskId` at the coordinator's clock (a heartbeat or a state report of a live
 * attempt); a no-op when supervision is off.
 * @param ctx - the context.
 * @param taskId - the task.
 * @param record - its record after the report.
 */
export function noteAlive(ctx: CoordinatorContext, taskId: TaskId, record: TaskRecord): CoordinatorContext {
  if (ctx.config.heartbeatTimeout === 0) return ctx;
  if (record.state === 'created' || isTerminalTaskState(record.state)) return ctx.lastSeen.has(taskId) ? { ...ctx, lastSeen: ctx.lastSeen.delete(taskId) } : ctx;
  return ctx.lastSeen.get(taskId) === ctx.now ? ctx : { ...ctx, lastSeen: ctx.lastSeen.set(taskId, ctx.now) };
}

/**
 * A heartbeat: checked like every task message (job, task, attempt), and rejected as
 * `stale-attempt` once the attempt ended or was declared failed.
 * @param ctx - the context.
 * @param m - the heartbeat.
 * @param out - commands.
 */
export function heartbeat(ctx: CoordinatorContext, m: Heartbeat, out: Out): CoordinatorContext {
  const bad = checkSender(ctx, m);
  if (bad) {
    out.push({ kind: 'rejected', rejection: bad });
    return ctx;
  }
  const record = ctx.tasks.get(m.taskId) as TaskRecord;
  if (record.state === 'created' || isTerminalTaskState(record.state)) {
    out.push({ kind: 'rejected', rejection: { code: 'stale-attempt', path: '$.attempt', message: `attempt ${m.attempt} of ${m.taskId} is ${record.state}` } });
    return ctx;
  }
  return noteAlive(ctx, m.taskId, record);
}

/**
 * The heartbeat timer fired: declare every attempt silent for longer than the timeout failed,
 * then re-arm.
 * @param ctx - the context.
 * @param out - commands.
 */
export function checkLiveness(ctx: CoordinatorContext, out: Out): CoordinatorContext {
  const timeout = ctx.config.heartbeatTimeout;
  if (timeout === 0) return ctx;
  const lost: Array<[TaskId, number]> = [];
  ctx.lastSeen.forEach((at, taskId) => {
    if (ctx.now - at > timeout) lost.push([taskId, at]);
  });
  let next = ctx;
  for (const [taskId, at] of lost) {
    const record = next.tasks.get(taskId) as TaskRecord;
    const attempt = record.attempt;
    next = { ...next, tasks: next.tasks.set(taskId, { attempt, state: 'failed' }), lastSeen: next.lastSeen.delete(taskId) };
    out.push({ kind: 'taskLost', taskId, attempt, silentForMs: ctx.now - at });
    next = failUnacknowledged(next, taskId, attempt, 'TASK_FAILURE', out);
  }
  out.push({ kind: 'startTimer', timer: { kind: 'heartbeat' }, delayMs: heartbeatCheckDelay(timeout) });
  return next;
}
