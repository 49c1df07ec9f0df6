/**
 * A checker trace (`snapwright check --trace-out`) as a {@link ViewerRun}: the coordinator's state
 * value as recorded, each task's lifecycle and input-side state as its state value, each action as
 * a message (lost and duplicated deliveries marked) or a note (timers, crashes, savepoints), and
 * the checkpoints' lives read from the coordinator's pending and completed checkpoints and the
 * store, step by step.
 * @packageDocumentation
 */
import type { ControlMessage } from '../spec/index.js';
import { describeMessage } from '../spec/index.js';
import { describeAction } from '../checker/protocol/format.js';
import type { Trace } from '../checker/protocol/run.js';
import type { ActionLabel, WorldView } from '../checker/protocol/world.js';
import { describeEvent } from '../checker/protocol/world.js';
import type { ActorState, CheckpointMark, ViewerActor, ViewerMessage, ViewerRun } from './run.js';

/**
 * A control message in a few words: `acknowledgeCheckpoint(2)`, `taskStateChanged(RUNNING)`.
 * @param m - the message.
 */
export function shortMessage(m: ControlMessage): string {
  return describeMessage(m);
}

/**
 * A dotted state path as a state value: `aligned.waitingForFirstBarrier` gives
 * `{ aligned: 'waitingForFirstBarrier' }`.
 * @param path - the path.
 */
export function valueOfPath(path: string): unknown {
  const [head, ...rest] = path.split('.');
  return rest.length === 0 ? head : { [head as string]: valueOfPath(rest.join('.')) };
}

function statesOf(view: WorldView): Record<string, ActorState> {
  const states: Record<string, ActorState> = { coordinator: { value: view.coordinator.state, attempt: 0 } };
  for (const t of view.tasks) states[t.taskId] = { value: { lifecycle: t.lifecycle, barriers: valueOfPath(t.barrierHandler) }, attempt: t.attempt };
  return states;
}

function messageOf(a: ActionLabel): ViewerMessage {
  switch (a.kind) {
    case 'deliver':
    case 'drop': {
      const from = a.to === 'coordinator' ? a.message.taskId : 'coordinator';
      const mark = a.kind === 'drop' ? 'dropped' : a.duplicate ? 'duplicated' : 'delivered';
      return { kind: 'control', from, to: a.to, text: shortMessage(a.message), mark };
    }
    case 'data':
      return { kind: 'data', from: a.from, to: a.to, text: `${describeEvent(a.event)} on input ${a.channel}`, mark: 'delivered' };
    case 'timer':
      return { kind: 'note', from: a.actor, to: a.actor, text: `timer ${a.timer} fires`, mark: 'delivered' };
    case 'savepoint':
      return { kind: 'note', from: 'coordinator', to: 'coordinator', text: `savepoint requested (${a.requestId})`, mark: 'delivered' };
    case 'crash':
      return { kind: 'note', from: a.actor, to: a.actor, text: 'CRASH', mark: 'delivered' };
  }
}

/** The checkpoint marks of one step: created, stored, completed, aborted. */
function marksBetween(before: WorldView | null, after: WorldView, step: number, completedEver: Set<number>): CheckpointMark[] {
  const marks: CheckpointMark[] = [];
  const pendingBefore = new Map((before?.coordinator.pending ?? []).map((p) => [p.checkpointId, p]));
  const pendingAfter = new Set(after.coordinator.pending.map((p) => p.checkpointId));
  for (const p of after.coordinator.pending) {
    if (!pendingBefore.has(p.checkpointId)) marks.push({ step, checkpointId: p.checkpointId, kind: 'pending', detail: p.snapshot });
  }
  const storedBefore = new Set(before?.store ?? []);
  for (const id of after.store) if (!storedBefore.has(id)) marks.push({ step, checkpointId: id, kind: 'stored', detail: '' });
  for (const id of after.coordinator.completed) {
    if (completedEver.has(id)) continue;
    completedEver.add(id);
    marks.push({ step, checkpointId: id, kind: 'completed', detail: '' });
  }
  for (const [id] of pendingBefore) {
    if (!pendingAfter.has(id) && !completedEver.has(id)) marks.push({ step, checkpointId: id, kind: 'aborted', detail: '' });
  }
  return marks;
}

/**
 * The viewer's run of a trace.
 * @param trace - a trace saved by `snapwright check --trace-out`.
 */
export function runOfTrace(trace: Trace): ViewerRun {
  const actors: ViewerActor[] = [{ id: 'coordinator', machine: 'coordinator' }, ...trace.initial.tasks.map((t): ViewerActor => ({ id: t.taskId, machine: 'task' }))];
  const completedEver = new Set<number>();
  const checkpoints = marksBetween(null, trace.initial, 0, completedEver);
  let before = trace.initial;
  const steps = trace.steps.map((s, i) => {
    checkpoints.push(...marksBetween(before, s.state, i + 1, completedEver));
    before = s.state;
    const notes = [...s.violations.map((v) => `${v.property} VIOLATED: ${v.message}`), ...s.reached.map((r) => `reached: ${r}`)];
    if (trace.loopStart === i) notes.unshift('the loop starts here: from this step the run can repeat forever');
    return { label: describeAction(s.action), fault: s.fault, message: messageOf(s.action), states: statesOf(s.state), notes };
  });
  const what = trace.kind === 'sometimes' ? 'witness' : 'counterexample';
  return {
    title: `${what} for ${trace.property}`,
    subtitle: `${trace.kind}: ${trace.message} (${trace.steps.length} steps)`,
    actors,
    initial: statesOf(trace.initial),
    steps,
    checkpoints,
  };
}
