/**
 * The audit as JSON for tools: a versioned document with the run, the counts and every finding.
 * @packageDocumentation
 */
import type { AuditResult } from './audit.js';
import type { Category, Finding, Severity } from './finding.js';
import type { AuditContext } from './report.js';

/** The JSON document's format marker. */
export const AUDIT_REPORT_FORMAT = 'snapwright.audit/1';

/** The JSON report. */
export interface AuditReportJson {
  /** {@link AUDIT_REPORT_FORMAT}. */
  readonly format: typeof AUDIT_REPORT_FORMAT;
  /** Where the base came from. */
  readonly base: string;
  /** Where the head came from. */
  readonly head: string;
  /** Any finding is breaking. */
  readonly breaking: boolean;
  /** The lock rewritten with the head, or null. */
  readonly acceptedInto: string | null;
  /** The exit status the CLI returns with this report. */
  readonly exitCode: number;
  /** Findings per severity. */
  readonly counts: Readonly<Record<Severity, number>>;
  /** Findings per category. */
  readonly byCategory: Readonly<Record<Category, number>>;
  /** Every finding, most severe first. */
  readonly findings: readonly Finding[];
  /** Parts not compared. */
  readonly notCompared: readonly string[];
}

/**
 * The exit status of an audit: 1 when breaking changes are not accepted, else 0.
 * @param result - the audit.
 * @param ctx - the run.
 */
export function exitCodeOf(result: AuditResult, ctx: AuditContext): number {
  return result.breaking && ctx.acceptedInto === null ? 1 : 0;
}

/**
 * The JSON report's data.
 * @param result - the audit.
 * @param ctx - the run.
 */
export function reportJsonData(result: AuditResult, ctx: AuditContext): AuditReportJson {
  return {
    format: AUDIT_REPORT_FORMAT,
    base: ctx.base,
    head: ctx.head,
    breaking: result.breaking,
    acceptedInto: ctx.acceptedInto,
    exitCode: exitCodeOf(result, ctx),
    counts: result.counts,
    byCategory: result.byCategory,
    findings: result.findings,
    notCompared: result.notCompared,
  };
}

/**
 * The JSON report's text (two-space indented, final newline).
 * @param result - the audit.
 * @param ctx - the run.
 */
export function reportJson(result: AuditResult, ctx: AuditContext): string {
  return `${JSON.stringify(reportJsonData(result, ctx), null, 2)}\n`;
}
