/**
 * The audit as Markdown for a pull request: the verdict, counts per category, and a table of
 * findings per severity (safe ones folded away).
 * @packageDocumentation
 */
import type { AuditResult } from './audit.js';
import { CATEGORIES, SEVERITIES } from './finding.js';
import type { AuditContext } from './report.js';
import { verdict } from './report.js';

/** A table cell: pipes escaped, newlines flattened. */
function cell(text: string): string {
  return text.replace(/\\/g, '\\\\').replace(/\|/g, '\\|').replace(/\s*\n\s*/g, ' ');
}

/**
 * The Markdown report.
 * @param result - the audit.
 * @param ctx - the run.
 */
export function reportMarkdown(result: AuditResult, ctx: AuditContext): string {
  const lines = [
    '## Protocol audit',
    '',
    `\`${cell(ctx.head)}\` against \`${cell(ctx.base)}\`: **${verdict(result, ctx)}**`,
    '',
    '| category | breaking | risky | safe |',
    '|---|---|---|---|',
    ...CATEGORIES.map((c) => {
      const n = (s: string) => result.findings.filter((f) => f.category === c && f.severity === s).length;
      return `| ${c} | ${n('breaking')} | ${n('risky')} | ${n('safe')} |`;
    }),
  ];
  for (const severity of SEVERITIES) {
    const group = result.findings.filter((f) => f.severity === severity);
    if (group.length === 0) continue;
    const table = ['| category | rule | compatible | subject | what |', '|---|---|---|---|---|', ...group.map((f) => `| ${f.category} | ${f.rule} | ${f.compatible} | \`${cell(f.subject)}\` | ${cell(f.message)} |`)];
    if (severity === 'safe') lines.push('', `<details><summary>Safe changes (${group.length})</summary>`, '', ...table, '', '</details>');
    else lines.push('', `### ${severity === 'breaking' ? 'Breaking' : 'Risky'} (${group.length})`, '', ...table);
  }
  if (result.notCompared.length > 0) lines.push('', '**Not compared:**', '', ...result.notCompared.map((n) => `- ${cell(n)}`));
  lines.push('', 'Compatibility is seen from the reader: *backward* = the new version reads what the old one writes; *forward* = the old version reads what the new one writes.');
  return `${lines.join('\n')}\n`;
}
