/**
 * The audit as plain text for a terminal: the verdict, then one line per finding, grouped by
 * severity, each with its category, rule, compatibility, subject and explanation.
 * @packageDocumentation
 */
import type { AuditResult } from './audit.js';
import { SEVERITIES } from './finding.js';
import type { AuditContext } from './report.js';
import { verdict } from './report.js';

/**
 * The text report.
 * @param result - the audit.
 * @param ctx - the run.
 */
export function reportText(result: AuditResult, ctx: AuditContext): string {
  const lines = [`snapwright audit: ${ctx.head} against ${ctx.base}`, verdict(result, ctx)];
  for (const severity of SEVERITIES) {
    const group = result.findings.filter((f) => f.severity === severity);
    if (group.length === 0) continue;
    lines.push('', `${severity} (${group.length}):`);
    for (const f of group) lines.push(`  ${f.category.padEnd(8)} ${f.rule} [compatible: ${f.compatible}] ${f.subject}`, `      ${f.message}`);
  }
  if (result.notCompared.length > 0) lines.push('', 'not compared:', ...result.notCompared.map((n) => `  ${n}`));
  return `${lines.join('\n')}\n`;
}
