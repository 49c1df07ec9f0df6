/**
 * What `snapwright run` shows. On a terminal: a live block (input progress, a checkpoint
 * timeline, counters) redrawn in place. Elsewhere: one plain line per checkpoint outcome, restore
 * and kill. At the end: the figures and the verdict.
 * @packageDocumentation
 */
import type { PlannedKill } from './faults.js';
import type { CheckpointRecord, JobEvent } from './figures.js';
import type { JobResult, RunHooks, RunStatus } from './run-job.js';

/** Where a display writes. */
export interface DisplayOutput {
  /** Whether it is a terminal (redraws in place). */
  readonly isTTY?: boolean;
  /**
   * Writes text.
   * @param text - the text.
   */
  write(text: string): unknown;
}

/** Checkpoints the timeline shows. */
const TIMELINE = 48;

const kb = (bytes: number): string => (bytes >= 10_240 ? `${(bytes / 1024).toFixed(0)} kB` : `${(bytes / 1024).toFixed(1)} kB`);

/**
 * One plain line for an event.
 * @param e - a checkpoint outcome or a restore.
 */
export function eventLine(e: JobEvent): string {
  if (e.kind === 'restored') return e.checkpointId < 0 ? 'restarted every task from the beginning (no checkpoint completed yet)' : `restored every task from checkpoint ${e.checkpointId}`;
  const c = e.checkpoint;
  const took = (c.endedAt ?? c.triggeredAt) - c.triggeredAt;
  return c.status === 'COMPLETED' ? `checkpoint ${c.id} completed in ${took} ms, ${kb(c.stateBytes)}` : `checkpoint ${c.id} aborted after ${took} ms: ${c.failure}`;
}

/**
 * One plain line for a kill.
 * @param k - the kill.
 */
export function killLine(k: PlannedKill): string {
  return k.kind === 'task' ? `fault: killed task ${k.taskId}` : 'fault: killed the coordinator';
}

const symbol = (c: CheckpointRecord): string => (c.status === 'COMPLETED' ? '✓' : c.status === 'FAILED' ? '✗' : '…');

/**
 * The live block's lines.
 * @param s - the run now.
 */
export function liveLines(s: RunStatus): string[] {
  const width = 30;
  const p = Math.max(0, Math.min(1, s.progress));
  const done = Math.round(p * width);
  const recent = [...s.figures.history.values()].sort((a, b) => a.id - b.id).slice(-TIMELINE);
  const reasons = Object.entries(s.figures.abortedByReason)
    .map(([r, n]) => `${r} ${n}`)
    .join(', ');
  const f = s.faults;
  return [
    `input        [${'#'.repeat(done)}${'.'.repeat(width - done)}] ${(p * 100).toFixed(0).padStart(3)}%   ${(s.elapsedMs / 1000).toFixed(1)} s`,
    `checkpoints  ${s.figures.completed} completed, ${s.figures.aborted} aborted${reasons ? ` (${reasons})` : ''}, ${s.recoveries} recoveries`,
    `timeline     ${recent.map(symbol).join('') || '-'}`,
    `faults       ${f.dropped} dropped, ${f.duplicated} duplicated, ${f.delayed} delayed, ${f.tasksKilled} task kills, ${f.coordinatorsKilled} coordinator kills`,
  ];
}

/**
 * The final figures and verdict, as lines.
 * @param r - the result.
 */
export function summaryLines(r: JobResult): string[] {
  const reasons = Object.entries(r.abortedByReason)
    .map(([k, n]) => `${k} ${n}`)
    .join(', ');
  return [
    `checkpoints completed   ${r.checkpointsCompleted}`,
    `checkpoints aborted     ${r.checkpointsAborted}${reasons ? ` (${reasons})` : ''}`,
    `recoveries              ${r.recoveries}`,
    `checkpoint duration     p50 ${r.checkpointP50Ms} ms, p99 ${r.checkpointP99Ms} ms`,
    `throughput              ${r.recordsPerSecond.toLocaleString('en-US')} records/s (${r.inputRecords.toLocaleString('en-US')} records in ${(r.elapsedMs / 1000).toFixed(2)} s)`,
    `snapshot bytes          ${kb(r.snapshotBytes)} latest, ${kb(r.snapshotBytesWritten)} written, ${kb(r.snapshotBytesStored)} stored compressed`,
    `faults injected         ${r.faultsInjected}`,
    `committed output        ${r.committedRecords.toLocaleString('en-US')} lines in ${r.dir}`,
    r.exactlyOnce
      ? `verdict                 EXACTLY ONCE: every input record committed once, no loss, no duplicates, every account consistent`
      : `verdict                 NOT EXACTLY ONCE: ${r.lostRecords} lost, ${r.duplicateRecords} duplicated, ${r.foreignRecords} foreign, ${r.inconsistentKeys} inconsistent accounts, ${r.protocolViolations.length} protocol violations${r.timedOut ? ', timed out' : ''}${r.streamRejections ? `, ${r.streamRejections} rejected stream events` : ''}`,
  ];
}

/** A display: the hooks a run calls, and what to print at the end. */
export interface Display extends RunHooks {
  /**
   * Prints the final figures and verdict.
   * @param result - the run's result.
   */
  finish(result: JobResult): void;
}

/**
 * A display on `out`: live when it is a terminal, plain lines otherwise.
 * @param out - where to write.
 * @param header - the first line.
 */
export function createDisplay(out: DisplayOutput, header: string): Display {
  out.write(`${header}\n`);
  if (!out.isTTY) {
    return {
      onEvent: (e) => void out.write(`${eventLine(e)}\n`),
      onKill: (k) => void out.write(`${killLine(k)}\n`),
      finish: (r) => void out.write(`${summaryLines(r).join('\n')}\n`),
    };
  }
  let drawn = 0;
  let last: RunStatus | null = null;
  const draw = (s: RunStatus | null, notes: string[] = []) => {
    const lines = [...notes, ...(s ? liveLines(s) : [])];
    out.write(`${drawn > 0 ? `\x1b[${drawn}F\x1b[J` : ''}${lines.join('\n')}\n`);
    drawn = lines.length - notes.length;
  };
  return {
    onTick: (s) => {
      last = s;
      draw(s);
    },
    // Kills and restores stay on screen above the block.
    onKill: (k) => draw(last, [killLine(k)]),
    onEvent: (e) => {
      if (e.kind === 'restored') draw(last, [eventLine(e)]);
    },
    finish: (r) => {
      if (drawn > 0) out.write(`\x1b[${drawn}F\x1b[J`);
      out.write(`${summaryLines(r).join('\n')}\n`);
    },
  };
}
