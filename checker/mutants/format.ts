/**
 * The text report of a mutant run: one row per mutant (caught by, trace length, what was found),
 * the baseline, and the totals.
 * @packageDocumentation
 */
import type { MutantReport } from './types.js';

const pad = (s: string, n: number) => (s.length >= n ? s : s + ' '.repeat(n - s.length));

/**
 * Formats a report as a table.
 * @param report - the report.
 * @param width - the widest a detail may be (characters; longer ones are cut).
 */
export function formatMutantReport(report: MutantReport, width = 100): string {
  const cut = (s: string) => (s.length > width ? `${s.slice(0, width - 1)}…` : s);
  const idWidth = Math.max(6, ...report.mutants.map((m) => m.id.length));
  const lines = [`${pad('mutant', idWidth)}  ${pad('caught by', 9)}  ${pad('trace', 5)}  found`];
  for (const m of report.mutants) {
    const last = m.verdicts.find((v) => v.caught) ?? m.verdicts[m.verdicts.length - 1];
    lines.push(`${pad(m.id, idWidth)}  ${pad(m.caughtBy ?? 'SURVIVED', 9)}  ${pad(m.traceLength === null ? '-' : String(m.traceLength), 5)}  ${cut(last ? last.detail : 'no tier ran')}`);
  }
  if (report.baseline.length > 0) {
    const alarms = report.baseline.filter((v) => v.caught);
    lines.push('', alarms.length === 0 ? `baseline (unpatched tree): no tier found anything (${report.baseline.length} runs)` : `baseline (unpatched tree): FALSE ALARM`);
    for (const v of alarms) lines.push(`  ${v.tier}: ${cut(v.detail)}`);
  }
  lines.push('', `${report.caught} of ${report.total} mutants caught; property seed ${report.seed}; ${report.seconds.toFixed(1)} s`);
  return lines.join('\n');
}
