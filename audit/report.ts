/**
 * What every report format says besides the findings: which images were compared, whether the
 * head was accepted into the lock, and the one-line verdict.
 * @packageDocumentation
 */
import type { AuditResult } from './audit.js';

/** The circumstances of one audit run. */
export interface AuditContext {
  /** Where the base came from. */
  readonly base: string;
  /** Where the head came from. */
  readonly head: string;
  /** The lock was rewritten with the head (`--accept`); null when not accepting. */
  readonly acceptedInto: string | null;
}

/**
 * The verdict line: counts, and what happens next.
 * @param result - the audit.
 * @param ctx - the run.
 */
export function verdict(result: AuditResult, ctx: AuditContext): string {
  const { breaking, risky, safe } = result.counts;
  const counts = `${breaking} breaking, ${risky} risky, ${safe} safe`;
  if (ctx.acceptedInto) return `${counts}; accepted: ${ctx.acceptedInto} now holds the head image`;
  if (result.breaking) return `${counts}; breaking changes are not accepted (review them, then run \`snapwright audit --accept\`)`;
  return `${counts}; no breaking change`;
}
