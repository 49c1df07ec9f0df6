/**
 * What every run of a {@link World} must satisfy once its faults stopped and it settled: the
 * protocol monitor saw no violation and every pending checkpoint got an outcome, every request
 * settled, no task failed unless a failure was injected, and every sink committed exactly the
 * transactions the completed checkpoints recorded for it: each of them, each once, in order,
 * and nothing else (restores included: a restored sink recovers and commits what the restored
 * checkpoint holds pending). "The completed checkpoints" are those of the sink's lineage (see
 * {@link World.lineage}): a checkpoint whose store write was still in flight when the job failed
 * over completes for attempts that are gone, after the job restored an older one.
 * @packageDocumentation
 */
import type { CheckpointOutcome } from '../../../runtime/coordinator/create-coordinator.js';
import type { World } from './world.js';
import { flush } from './world.js';

/**
 * Stops the faults' effects: delivers everything, lets every pending checkpoint expire, then
 * takes one more checkpoint with nothing lost and delivers its notifications.
 * @param w - the world.
 * @returns the final checkpoint's outcome.
 */
export async function heal(w: World): Promise<CheckpointOutcome | undefined> {
  w.runAll();
  w.advance(w.config.timeout + 1);
  w.runAll();
  let final: CheckpointOutcome | undefined;
  // The final request may queue behind requests still waiting; a few rounds settle them.
  for (let round = 0; round < 4 && final?.status !== 'completed'; round++) {
    w.trigger();
    const mine = w.outcomes[w.outcomes.length - 1];
    w.runAll();
    await flush();
    if (mine?.value === undefined) {
      w.advance(w.config.timeout + 1);
      w.runAll();
      await flush();
    }
    final = mine?.value;
  }
  w.runAll();
  await flush();
  return final;
}

/**
 * Every problem of a settled world (empty: none).
 * @param w - the world, after {@link heal}.
 * @param final - the final checkpoint's outcome.
 */
export function problemsOf(w: World, final: CheckpointOutcome | undefined): string[] {
  const problems: string[] = [];
  for (const v of w.monitor.violations) problems.push(`violation of ${v.property}: ${v.message}`);
  const open = w.monitor.unresolved();
  if (open.length > 0) problems.push(`pending checkpoints without an outcome: ${open.join(', ')}`);
  const unsettled = w.outcomes.filter((o) => o.value === undefined && !w.orphaned.has(o)).length;
  if (unsettled > 0) problems.push(`${unsettled} requests never settled`);
  if (final?.status !== 'completed') problems.push(`the final checkpoint did not complete: ${JSON.stringify(final)}`);
  if (w.unexpectedFailures.length > 0) problems.push(`tasks failed without an injected failure: ${w.unexpectedFailures.join(', ')}`);
  for (const sink of w.sinkIds) {
    const committed = w.sinks.get(sink)!.committed;
    const ids = committed.map((c) => c.transactionId);
    const twice = ids.filter((id, i) => ids.indexOf(id) !== i);
    if (twice.length > 0) problems.push(`${sink} committed ${twice.join(', ')} twice`);
    for (let i = 1; i < committed.length; i++) {
      if (committed[i]!.checkpointId <= committed[i - 1]!.checkpointId) {
        problems.push(`${sink} committed checkpoint ${committed[i]!.checkpointId}'s transaction after ${committed[i - 1]!.checkpointId}'s`);
        break;
      }
    }
    const recorded = new Set<string>();
    const lineage = w.lineage(sink);
    for (const c of lineage) for (const t of w.pendingIn(c, sink)) recorded.add(t);
    const extra = ids.filter((id) => !recorded.has(id));
    if (extra.length > 0) problems.push(`${sink} committed ${extra.join(', ')}, which no completed checkpoint of its lineage (${lineage.map((c) => c.checkpointId).join(', ')}) recorded`);
    const lost = [...recorded].filter((id) => !ids.includes(id));
    if (lost.length > 0) problems.push(`${sink} never committed ${lost.join(', ')}, recorded by completed checkpoints of its lineage (${lineage.map((c) => c.checkpointId).join(', ')})`);
    // Every completed checkpoint of the lineage committed the transaction it pre-committed (labelled
    // with its id), once. (Transactions pre-committed by checkpoints that were later aborted, or by
    // savepoints, are committed with the next completed checkpoint: their ids appear too.)
    const labels = committed.map((c) => c.checkpointId);
    const missing = lineage.filter((c) => labels.filter((l) => l === c.checkpointId).length !== 1).map((c) => c.checkpointId);
    if (missing.length > 0) problems.push(`${sink} did not commit exactly one transaction of completed checkpoints ${missing.join(', ')} (committed ${labels.join(', ')})`);
  }
  return problems;
}
