/**
 * The property history a state carries: a {@link ProtocolMonitor} (the spec's own judge of the
 * `always` properties), summarized canonically. Two monitors with the same summary report the
 * same violations for every future sequence of observations:
 * - a pending checkpoint with an outcome keeps only its kind, whether it was stored, its outcome
 *   and how often it was notified (capped at 2: a second round is already a violation); its plan
 *   and acknowledgements can no longer matter;
 * - an unresolved one keeps its plan and only the acknowledgements its plan asks for;
 * - the `sometimes` properties reached are not part of the summary: the checker records them
 *   per step, globally.
 * @packageDocumentation
 */
import type { Observation, PropertyName, Violation } from '../../spec/index.js';
import type { ProtocolMonitor } from '../../spec/index.js';
import type { SlotOf } from './encode.js';

interface PendingView {
  readonly snapshot: string;
  readonly plan: ReadonlyMap<string, number>;
  readonly acks: Set<string>;
  stored: boolean;
  outcome: 'completed' | 'aborted' | null;
  notified: number;
}

/** The monitor's fields (private in TypeScript, read here for the summary). */
interface MonitorFields {
  readonly handedOut: Set<number>;
  readonly pending: Map<number, PendingView>;
  readonly completedIds: number[];
  readonly counted: Set<number>;
  readonly committed: Set<string>;
  readonly lastStored: number;
  readonly lastSuccess: number;
  readonly reachedSet: Set<PropertyName>;
  readonly violations: Violation[];
}

const fields = (m: ProtocolMonitor): MonitorFields => m as unknown as MonitorFields;

/**
 * Whether the monitor still has the fields the summary reads (a change of `spec/invariants.ts`
 * must be mirrored here; a test asserts this).
 * @param m - a monitor.
 */
export function monitorShapeOk(m: ProtocolMonitor): boolean {
  const f = fields(m);
  return (
    f.handedOut instanceof Set &&
    f.pending instanceof Map &&
    Array.isArray(f.completedIds) &&
    f.counted instanceof Set &&
    f.committed instanceof Set &&
    typeof f.lastStored === 'number' &&
    typeof f.lastSuccess === 'number' &&
    f.reachedSet instanceof Set &&
    Array.isArray(f.violations)
  );
}

/**
 * The canonical summary of a monitor.
 * @param m - the monitor.
 * @param violated - whether a violation was seen on the way (such states are not expanded).
 * @param slot - task id to (renamed) slot.
 */
export function monitorCode(m: ProtocolMonitor, violated: boolean, slot: SlotOf): string {
  const f = fields(m);
  const num = (s: Iterable<number>) => [...s].sort((a, b) => a - b).join(',');
  const pending: string[] = [];
  for (const id of [...f.pending.keys()].sort((a, b) => a - b)) {
    const p = f.pending.get(id) as PendingView;
    let text = `${id}${p.snapshot[0]}${p.snapshot.length}${p.stored ? 's' : ''}`;
    if (p.outcome) text += `${p.outcome[0]}${Math.min(p.notified, 2)}`;
    else {
      const plan: string[] = [];
      const acks: string[] = [];
      p.plan.forEach((attempt, taskId) => {
        plan.push(`${slot(taskId)}.${attempt}`);
        if (p.acks.has(`${taskId}\u0000${attempt}`)) acks.push(`${slot(taskId)}.${attempt}`);
      });
      text += `[${plan.sort().join(',')}|${acks.sort().join(',')}]`;
    }
    pending.push(text);
  }
  const committed = [...f.committed].map((k) => {
    const [taskId, attempt, id] = k.split('\u0000') as [string, string, string];
    return `${slot(taskId)}.${attempt}.${id}`;
  });
  return `h${num(f.handedOut)}|p${pending.join(';')}|c${f.completedIds.join(',')}|n${num(f.counted)}|m${committed.sort().join(',')}|${f.lastStored}|${f.lastSuccess}${violated ? '|!' : ''}`;
}

/** What one batch of observations did to a monitor. */
export interface MonitorStep {
  /** The monitor after the batch (a new object; the old one is unchanged). */
  readonly monitor: ProtocolMonitor;
  /** Violations the batch revealed. */
  readonly violations: readonly Violation[];
  /** `sometimes` properties the batch reached. */
  readonly reached: readonly PropertyName[];
}

/**
 * Feeds a batch of observations to a copy of `m`.
 * @param m - the monitor (unchanged).
 * @param batch - the observations, in order.
 */
export function observeAll(m: ProtocolMonitor, batch: readonly Observation[]): MonitorStep {
  const next = m.clone();
  const f = fields(next);
  f.reachedSet.clear();
  f.violations.length = 0;
  const violations: Violation[] = [];
  for (const o of batch) violations.push(...next.observe(o));
  return { monitor: next, violations, reached: [...f.reachedSet] };
}
