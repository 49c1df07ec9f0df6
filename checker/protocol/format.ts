/**
 * Reports and traces for people: which actor received what, which message was dropped or
 * duplicated, and which state each actor reached after each step.
 * @packageDocumentation
 */
import type { WorldConfig } from './config.js';
import type { CheckReport, Trace } from './run.js';
import type { ActionLabel, WorldView } from './world.js';
import { describeEvent, describeMessage } from './world.js';

/**
 * The configuration in one line.
 * @param c - the configuration.
 */
export function describeConfig(c: WorldConfig): string {
  const graph = [`${c.sources} source${c.sources === 1 ? '' : 's'}`];
  if (c.twoInputTask) graph.push(`a task with ${c.sources} input${c.sources === 1 ? '' : 's'}`);
  if (c.sinks > 0) graph.push(`${c.sinks} sink${c.sinks === 1 ? '' : 's'}`);
  const faults = [c.loss ? 'lossy' : 'lossless', c.duplication ? 'duplicating' : 'not duplicating', c.reorder ? 'reordering' : 'FIFO per pair'];
  return [
    graph.join(' -> ') + ' (leaves are two-phase-commit sinks)',
    `at most ${c.maxConcurrent} concurrent checkpoint${c.maxConcurrent === 1 ? '' : 's'}`,
    `ids 1..${c.maxIds}`,
    `${c.crashes} crash${c.crashes === 1 ? '' : 'es'}`,
    `${c.savepoints} savepoint request${c.savepoints === 1 ? '' : 's'}`,
    `${c.tolerableFailures} tolerable failure${c.tolerableFailures === 1 ? '' : 's'}`,
    `control messages ${faults.join(', ')}`,
    c.asyncReports ? 'redeployment reports through the network' : 'redeployment reports with the deployment',
  ].join('; ');
}

/**
 * One action in words.
 * @param a - the action.
 */
export function describeAction(a: ActionLabel): string {
  switch (a.kind) {
    case 'deliver':
      return `${a.to} receives ${describeMessage(a.message)}${a.duplicate ? '  [DUPLICATE: the message stays in the network]' : ''}`;
    case 'drop':
      return `the network LOSES ${describeMessage(a.message)}`;
    case 'data':
      return `${a.to} takes ${describeEvent(a.event)} from input ${a.channel} (from ${a.from})`;
    case 'timer':
      return `${a.actor}: timer ${a.timer} fires`;
    case 'savepoint':
      return `a user asks the coordinator for a savepoint (${a.requestId})`;
    case 'crash':
      return a.actor === 'coordinator'
        ? 'the coordinator CRASHES: a new one starts from the store and the id counter, restores the job and redeploys every task'
        : `${a.actor} CRASHES: the job fails over (pending checkpoints abort, every task is redeployed from the latest completed checkpoint)`;
  }
}

const json = (v: unknown) => JSON.stringify(v);

function coordinatorLine(v: WorldView['coordinator']): string {
  const value = v.state as { active?: { scheduler: string; trigger: string; finalization: string } } | string;
  const where = typeof value === 'object' && value.active ? `${value.active.trigger}/${value.active.finalization}` : json(value);
  const pending = v.pending.map((p) => `${p.checkpointId}${p.snapshot === 'checkpoint' ? '' : ` ${p.snapshot}`} ${p.stage} ${p.acknowledged}/${p.required}`).join(', ');
  return `${where}; pending [${pending}]; completed [${v.completed.join(', ')}]; tasks ${Object.entries(v.tasks).map(([t, s]) => `${t}=${s}`).join(' ')}; timers [${v.timers.join(', ')}]${v.queued ? `; queued ${v.queued}` : ''}${v.failureCounter ? `; failures ${v.failureCounter}` : ''}`;
}

function taskLine(t: WorldView['tasks'][number]): string {
  const parts = [`attempt ${t.attempt}`, t.lifecycle, t.barrierHandler, `last started ${t.lastStarted}`];
  if (t.pendingAlignment !== null) parts.push(`aligning ${t.pendingAlignment}`);
  if (t.blocked.length) parts.push(`blocked [${t.blocked.join(', ')}]`);
  if (t.pendingTransactions.length) parts.push(`pre-committed [${t.pendingTransactions.join(', ')}]`);
  return parts.join(', ');
}

function multisetDiff(before: readonly string[], after: readonly string[]): { added: string[]; removed: string[] } {
  const count = new Map<string, number>();
  for (const m of before) count.set(m, (count.get(m) ?? 0) + 1);
  const added: string[] = [];
  for (const m of after) {
    const c = count.get(m) ?? 0;
    if (c > 0) count.set(m, c - 1);
    else added.push(m);
  }
  const removed = [...count].flatMap(([m, c]) => Array.from({ length: c }, () => m));
  return { added, removed };
}

/**
 * What changed between two world states, one line per change.
 * @param before - the state before.
 * @param after - the state after.
 */
export function describeChanges(before: WorldView, after: WorldView): string[] {
  const lines: string[] = [];
  const c0 = coordinatorLine(before.coordinator);
  const c1 = coordinatorLine(after.coordinator);
  if (c0 !== c1) lines.push(`coordinator: ${c1}`);
  after.tasks.forEach((t, i) => {
    const b = before.tasks[i];
    const line = taskLine(t);
    if (!b || taskLine(b) !== line) lines.push(`${t.taskId}: ${line}`);
  });
  const net = multisetDiff(before.network, after.network);
  for (const m of net.added) lines.push(`network + ${m}`);
  for (const m of net.removed) lines.push(`network - ${m}`);
  after.channels.forEach((ch, i) => {
    const b = before.channels[i];
    if (b && json(b.events) !== json(ch.events)) lines.push(`channel ${ch.from} -> ${ch.to}[${ch.channel}]: [${ch.events.join(', ')}]`);
  });
  if (json(before.store) !== json(after.store)) lines.push(`store: [${after.store.join(', ')}]`);
  if (before.nextId !== after.nextId) lines.push(`id counter: next ${after.nextId}`);
  if (after.jobFailed && !before.jobFailed) lines.push('the job FAILED (too many checkpoint failures): nothing happens any more');
  return lines;
}

/**
 * A trace, readably: each step, what it changed, and where a property broke or was reached.
 * @param trace - the trace.
 */
export function formatTrace(trace: Trace): string {
  const out: string[] = [];
  const what = trace.kind === 'sometimes' ? 'witness' : 'counterexample';
  out.push(`${what} for ${trace.property} (${trace.kind}): ${trace.message}`);
  out.push(`  ${trace.steps.length} steps from the initial state (every task running, the periodic scheduler started)`);
  let before = trace.initial;
  trace.steps.forEach((step, i) => {
    if (trace.loopStart === i) out.push('  --- from here the run loops back forever (a fair cycle with no fault) ---');
    out.push(`${String(i + 1).padStart(4)}. ${describeAction(step.action)}`);
    for (const line of describeChanges(before, step.state)) out.push(`        ${line}`);
    for (const v of step.violations) out.push(`        !! ${v.property} VIOLATED: ${v.message}`);
    for (const r of step.reached) out.push(`        reached: ${r}`);
    before = step.state;
  });
  if (trace.loopStart !== null) out.push(`  --- back to the state after step ${trace.loopStart} ---`);
  return out.join('\n');
}

const STATUS: Record<string, string> = { holds: 'holds', violated: 'VIOLATED', 'not-reached': 'NOT REACHED', unknown: 'unknown (incomplete run)' };

/**
 * A report, readably.
 * @param report - the report.
 */
export function formatReport(report: CheckReport): string {
  const c = report.configuration;
  const lines: string[] = [];
  lines.push(`snapwright check: ${describeConfig(c)}; symmetry ${c.symmetry ? 'on' : 'off'}; liveness ${c.liveness ? 'checked' : 'not checked'}`);
  const size = `${report.states.toLocaleString('en-US')} states, ${report.transitions.toLocaleString('en-US')} transitions, depth ${report.maxDepth}, ${report.seconds.toFixed(1)} s (${report.statesPerSecond.toLocaleString('en-US')} states/s)`;
  lines.push(report.complete ? `complete: ${size}` : `INCOMPLETE (stopped by ${report.stoppedBy}): ${size}; nothing is claimed to hold`);
  lines.push('');
  const width = Math.max(...report.properties.map((p) => p.name.length));
  for (const p of report.properties) lines.push(`  ${p.kind.padEnd(10)} ${p.name.padEnd(width)}  ${STATUS[p.status] ?? p.status}`);
  if (report.notChecked.length) lines.push(`  not checked: ${report.notChecked.join(', ')} (eventually: run with --liveness)`);
  return lines.join('\n');
}
