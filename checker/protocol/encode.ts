/**
 * Canonical keys of the world's parts: the coordinator's and the tasks' snapshots, messages, state
 * handles and completed checkpoints. Two parts with equal keys behave the same in every future.
 *
 * What a key leaves out, on purpose (each is write-only or only ever compared relatively):
 * - the coordinator's `stats`, `ghosts` (they only choose between a rejection and a statistic, and
 *   whether state is discarded) and `nextSeq`, the `seq` of requests (a new request's sequence number
 *   is always the greatest, so its place in the queue is decided by priority alone), the
 *   `bytesPersisted` sums and acknowledgement metrics (figures only), and the identity of the task
 *   map a trigger was planned from (`createPending` compares it by reference only to skip a check);
 * - the coordinator's `lastCompletionAt` (it only feeds the minimum pause, fixed at 0 under the
 *   world's constant clock) and a task's `latestCompletedId` and `failure` (read by the view only);
 * - orders that cannot matter: plan lists (each recipient is its own channel) are sorted.
 *
 * Task ids appear as slots, optionally renamed by a permutation of interchangeable tasks
 * (symmetry); a task's own id, transactions and state handles are encoded relative to the task,
 * and input channels are renamed with the permutation too.
 * @packageDocumentation
 */
import type { SnapshotFrom } from 'xstate';
import type { ControlMessage, StateHandle, StreamEvent } from '../../spec/index.js';
import type { CheckpointPlan, CompletedCheckpoint, CoordinatorMachine, TaskStates, TriggerRequest } from '../../machines/coordinator/index.js';
import type { SinkSnapshotState, TaskMachine, TaskRestore } from '../../machines/task/index.js';

/** A coordinator snapshot. */
export type CoordinatorSnapshot = SnapshotFrom<CoordinatorMachine>;
/** A task snapshot. */
export type TaskSnapshot = SnapshotFrom<TaskMachine>;

/** Maps a task id to its (possibly renamed) slot. */
export type SlotOf = (taskId: string) => number;

const handleCodes = new Map<string, string>();

/**
 * The world's snapshot port names each snapshot `<task>/chk-<id>` and, for a two-phase-commit
 * sink, inlines the sink state it persisted (a small inline state handle): `...#<json>`.
 * @param taskId - the task.
 * @param checkpointId - the checkpoint.
 * @param sinkState - what a sink persisted, or null.
 */
export function handleKeyOf(taskId: string, checkpointId: number, sinkState: SinkSnapshotState | null): string {
  return sinkState ? `${taskId}/chk-${checkpointId}#${JSON.stringify(sinkState)}` : `${taskId}/chk-${checkpointId}`;
}

/**
 * The sink state inlined in a handle key, or null.
 * @param key - a handle key made by {@link handleKeyOf}.
 */
export function sinkStateOfHandle(key: string): SinkSnapshotState | null {
  const i = key.indexOf('#', key.indexOf('/chk-'));
  return i < 0 ? null : (JSON.parse(key.slice(i + 1)) as SinkSnapshotState);
}

/**
 * A handle's key without its task's id (relative to the task that owns it).
 * @param handle - a state handle, or null.
 */
export function handleCode(handle: StateHandle | null | undefined): string {
  if (handle === undefined) return 'u';
  if (handle === null) return 'n';
  let code = handleCodes.get(handle.key);
  if (code === undefined) {
    const key = handle.key;
    const at = key.indexOf('/chk-');
    if (at < 0) code = `?${key}`;
    else {
      const task = key.slice(0, at + 1);
      code = key.slice(at + 1).split(task).join('');
    }
    code += `:${handle.sizeBytes}`;
    handleCodes.set(handle.key, code);
  }
  return code;
}

/**
 * A transaction id relative to its task (`<task>/a<attempt>/txn-<n>` becomes `a<attempt>/txn-<n>`).
 * @param taskId - the owning task.
 * @param txn - the transaction id, or null.
 */
export function txnCode(taskId: string, txn: string | null): string {
  if (txn === null) return '-';
  return txn.startsWith(`${taskId}/`) ? txn.slice(taskId.length + 1) : `?${txn}`;
}

const checkedShapes = new WeakSet<object>();

/**
 * Asserts that `obj` has exactly the fields a key encodes, so that a new field in a machine's
 * context fails loudly instead of being silently left out of the keys.
 * @param what - for the message.
 * @param obj - the record.
 * @param fields - the fields the encoder knows.
 */
function expectFields(what: string, obj: object, fields: readonly string[]): void {
  const keys = Object.keys(obj);
  if (keys.length === fields.length && keys.every((k) => fields.includes(k))) return;
  throw new Error(`the checker's key of ${what} does not know its fields: has [${keys.sort().join(', ')}], knows [${[...fields].sort().join(', ')}]`);
}

const COORDINATOR_FIELDS = ['topology', 'config', 'now', 'tasks', 'queue', 'nextSeq', 'triggering', 'pending', 'completed', 'ghosts', 'failures', 'lastCompletionAt', 'deferredRestore', 'stats', 'lastSeen'];
const PENDING_FIELDS = ['checkpointId', 'request', 'timestamp', 'options', 'plan', 'acks', 'remaining', 'pendingHooks', 'hookStates', 'stage', 'completed', 'bytesPersisted'];
const TASK_FIELDS = ['config', 'lastStartedId', 'abortedBeforeStart', 'snapshots', 'syncSavepointId', 'syncSavepointDrains', 'finalCheckpointMinId', 'latestCompletedId', 'failure', 'inputs', 'sink', 'leaderEpoch'];
const TASK_CONFIG_FIELDS = ['jobId', 'taskId', 'attempt', 'inputChannels', 'alignment', 'twoPhaseCommitSink', 'awaitFinalCheckpoint', 'restore', 'heartbeatInterval'];
const INPUT_FIELDS = ['openChannels', 'closed', 'currentId', 'lastCancelledOrCompletedId', 'received', 'barrier', 'firstBarrierAt', 'unaligned', 'timer', 'tracked', 'latestTrackedId'];
const SNAPSHOT_RECORD_FIELDS = ['phase', 'startedAt', 'asyncStartedAt', 'startDelayMs', 'alignmentMs', 'unaligned'];
const SINK_FIELDS = ['open', 'pending', 'finished'];

function sorted(parts: string[]): string {
  return parts.sort().join(',');
}

/**
 * The key of a task-states map (task slot to handle code), sorted by renamed slot.
 * @param states - the map.
 * @param slot - task id to slot.
 */
export function taskStatesCode(states: TaskStates, slot: SlotOf): string {
  const parts: string[] = [];
  states.forEach((h, taskId) => void parts.push(`${slot(taskId)}=${handleCode(h)}`));
  return sorted(parts);
}

/**
 * The key of a completed checkpoint.
 * @param c - the checkpoint.
 * @param slot - task id to slot.
 */
export function completedCode(c: CompletedCheckpoint, slot: SlotOf): string {
  return `${c.checkpointId}/${c.snapshot}/${c.timestamp}/${c.completedAt}/${c.discardOnSubsume ? 1 : 0}/[${taskStatesCode(c.taskStates, slot)}]/${JSON.stringify(c.hookStates)}`;
}

function requestCode(r: TriggerRequest): string {
  return `${r.snapshot}/${r.syncMode ?? ''}/${r.forced ? 1 : 0}/${r.periodic ? 1 : 0}/${r.requestId ?? ''}/${r.createdAt}`;
}

function planCode(p: CheckpointPlan, slot: SlotOf): string {
  const refs = (list: ReadonlyArray<{ taskId: string; attempt: number }>) => sorted(list.map((r) => `${slot(r.taskId)}.${r.attempt}`));
  const wait: string[] = [];
  p.waitFor.forEach((attempt, taskId) => void wait.push(`${slot(taskId)}.${attempt}`));
  return `t[${refs(p.toTrigger)}]w[${sorted(wait)}]c[${refs(p.commitTo)}]f[${sorted(p.finished.map((t) => String(slot(t))))}]`;
}

/**
 * The key of a coordinator snapshot.
 * @param s - the snapshot.
 * @param slot - task id to (renamed) slot.
 */
export function coordinatorCode(s: CoordinatorSnapshot, slot: SlotOf, strict = false): string {
  const c = s.context;
  if (!checkedShapes.has(c)) {
    expectFields('the coordinator context', c, COORDINATOR_FIELDS);
    for (const p of c.pending.values()) expectFields('a pending checkpoint', p, PENDING_FIELDS);
    checkedShapes.add(c);
  }
  const tasks: string[] = [];
  c.tasks.forEach((r, taskId) => void tasks.push(`${slot(taskId)}=${r.attempt}${r.state}`));
  const parts: string[] = [s.status, JSON.stringify(s.value), String(c.now), sorted(tasks)];
  parts.push(c.queue.map(requestCode).join(';'));
  const t = c.triggering;
  parts.push(t ? `${requestCode(t.request)}|${planCode(t.plan, slot)}|${t.timestamp}|${t.checkpointId ?? '-'}` : '-');
  const pending = [...c.pending.values()].sort((a, b) => a.checkpointId - b.checkpointId);
  for (const p of pending) {
    const acks: string[] = [];
    p.acks.forEach((h, taskId) => void acks.push(`${slot(taskId)}=${handleCode(h)}`));
    parts.push(
      `P${p.checkpointId}|${requestCode(p.request)}|${p.timestamp}|${JSON.stringify(p.options)}|${planCode(p.plan, slot)}|${sorted(acks)}|${p.remaining}|${p.pendingHooks.join(',')}|${JSON.stringify(p.hookStates)}|${p.stage}|${p.completed ? completedCode(p.completed, slot) : '-'}`,
    );
  }
  parts.push(c.completed.map((x) => completedCode(x, slot)).join(';'));
  // `ghosts` only decide between rejecting a late message as unknown or counting it as late, and
  // whether its state is discarded: both are effects outside the protocol's state (statistics,
  // rejections, discards), so they are left out.
  parts.push(`${c.failures.counter}/${c.failures.countedIds.join(',')}/${c.failures.lastSucceeded}`);
  const d = c.deferredRestore;
  parts.push(d ? `${d.scope}[${d.tasks ? sorted(d.tasks.map((t) => String(slot(t)))) : '*'}]` : '-');
  const seen: string[] = [];
  c.lastSeen.forEach((at, taskId) => void seen.push(`${slot(taskId)}=${at}`));
  parts.push(sorted(seen));
  // Strict keys (tests only) keep the bounded fields left out, to show that leaving them out merges
  // only states that behave the same.
  if (strict) parts.push(`strict|${JSON.stringify(c.ghosts)}|${c.lastCompletionAt}`);
  // `lastCompletionAt` only feeds the minimum pause, which the world fixes at 0 under a constant
  // clock: the pause is then always over, whatever the value.
  return parts.join('\n');
}

function restoreCode(taskId: string, r: TaskRestore | null): string {
  if (r === null) return '-';
  const t = r.transactions;
  const txns = t ? `${txnCode(taskId, t.openTransaction)}[${t.pendingTransactions.map((p) => `${p.checkpointId}=${txnCode(taskId, p.transactionId)}`).join(',')}]` : t === null ? 'n' : 'u';
  return `${r.checkpointId}/${handleCode(r.state)}/${txns}`;
}

/** Renames input channels: `channel(c)` is the new index of channel `c`. */
export type ChannelOf = (channel: number) => number;

function channelSet(map: { forEach(fn: (v: true, k: number) => void): void }, channel: ChannelOf): string {
  const parts: number[] = [];
  map.forEach((_v, k) => void parts.push(channel(k)));
  return parts.sort((a, b) => a - b).join(',');
}

/**
 * The key of a task snapshot, relative to the task itself (its id, transactions, handles).
 * @param s - the snapshot.
 * @param channel - input channel renaming.
 */
export function taskCode(s: TaskSnapshot, channel: ChannelOf, strict = false): string {
  const c = s.context;
  if (!checkedShapes.has(c)) {
    expectFields('the task context', c, TASK_FIELDS);
    expectFields('the task configuration', c.config, TASK_CONFIG_FIELDS);
    expectFields('the task input state', c.inputs, INPUT_FIELDS);
    c.snapshots.forEach((r) => expectFields('a snapshot record', r, SNAPSHOT_RECORD_FIELDS));
    if (c.sink) expectFields('the sink state', c.sink, SINK_FIELDS);
    checkedShapes.add(c);
  }
  const id = c.config.taskId;
  const cfg = c.config;
  const parts: string[] = [
    s.status,
    JSON.stringify(s.value),
    `${cfg.jobId}/${cfg.attempt}/${cfg.inputChannels}/${cfg.alignment.mode}/${cfg.alignment.unaligned ? 1 : 0}/${cfg.twoPhaseCommitSink ? 1 : 0}/${cfg.awaitFinalCheckpoint ? 1 : 0}/${restoreCode(id, cfg.restore)}/${cfg.heartbeatInterval}/e${c.leaderEpoch}`,
    // `latestCompletedId` and `failure` are read by nothing but the view: left out.
    `${c.lastStartedId}/${c.abortedBeforeStart.join(',')}/${c.syncSavepointId}/${c.syncSavepointDrains ? 1 : 0}/${c.finalCheckpointMinId}`,
  ];
  const snaps: string[] = [];
  c.snapshots.forEach((r, cid) => void snaps.push(`${cid}:${r.phase}/${r.unaligned ? 1 : 0}/${r.startedAt}/${r.asyncStartedAt}/${r.startDelayMs}/${r.alignmentMs}`));
  parts.push(sorted(snaps));
  const i = c.inputs;
  parts.push(
    `${i.openChannels}/${channelSet(i.closed, channel)}/${i.currentId}/${i.lastCancelledOrCompletedId}/${channelSet(i.received, channel)}/${i.barrier ? `${i.barrier.timestamp}${JSON.stringify(i.barrier.options)}` : '-'}/${i.firstBarrierAt}/${i.unaligned ? 1 : 0}/${i.timer ?? '-'}/${i.latestTrackedId}`,
  );
  parts.push(
    i.tracked.map((t) => `${t.checkpointId}:${channelSet(t.channels, channel)}/${t.aborted ? 1 : 0}/${t.barrier ? `${t.barrier.timestamp}${JSON.stringify(t.barrier.options)}` : '-'}/${t.firstAt}`).join(';'),
  );
  const sink = c.sink;
  if (sink) {
    const pending: string[] = [];
    sink.pending.forEach((txn, cid) => void pending.push(`${cid}=${txnCode(id, txn)}`));
    parts.push(`${txnCode(id, sink.open)}/${sorted(pending)}/${sink.finished ? 1 : 0}`);
  } else parts.push('-');
  if (strict) parts.push(`strict|${c.latestCompletedId}|${c.failure ?? '-'}`);
  return parts.join('\n');
}

/**
 * The key of a control message.
 * @param m - the message.
 * @param slot - task id to (renamed) slot.
 */
export function messageCode(m: ControlMessage, slot: SlotOf): string {
  const epoch = 'leaderEpoch' in m && m.leaderEpoch !== undefined ? `@${m.leaderEpoch}` : '';
  const head = `${m.jobId}|${slot(m.taskId)}|${m.attempt}${epoch}`;
  switch (m.type) {
    case 'triggerCheckpoint':
      return `T|${head}|${m.checkpointId}|${m.timestamp}|${JSON.stringify(m.options)}`;
    case 'notifyCheckpointComplete':
      return `C|${head}|${m.checkpointId}|${m.timestamp}|${m.lastSubsumedCheckpointId}`;
    case 'notifyCheckpointAborted':
      return `A|${head}|${m.checkpointId}|${m.timestamp}|${m.latestCompletedCheckpointId}`;
    case 'acknowledgeCheckpoint':
      return `K|${head}|${m.checkpointId}|${handleCode(m.state)}`;
    case 'declineCheckpoint':
      return `D|${head}|${m.checkpointId}|${m.reason}`;
    case 'reportCheckpointMetrics':
      return `M|${head}|${m.checkpointId}`;
    case 'taskStateChanged':
      return `S|${head}|${m.state}`;
    case 'heartbeat':
      return `H|${head}`;
  }
}

/**
 * The key of an in-band event.
 * @param e - the event.
 */
export function streamCode(e: StreamEvent): string {
  switch (e.type) {
    case 'barrier':
      return `b${e.checkpointId}/${e.timestamp}/${JSON.stringify(e.options)}`;
    case 'cancelMarker':
      return `x${e.checkpointId}`;
    case 'endOfPartition':
      return 'e';
    case 'announcement':
      return `n${e.sequence}/${streamCode(e.barrier)}`;
  }
}
