/**
 * What the audit reports: one finding per change, with its category, severity and compatibility.
 *
 * Compatibility is seen from the reader of a message, a persisted value or an API: a change is
 * *backward-compatible* when the new version still reads what the old one writes (new receiver,
 * old sender; new code restoring old data; old callers compiling against the new API), and
 * *forward-compatible* when the old version still reads what the new one writes. Coordinator and
 * tasks roll out independently, so a mixed deployment needs both for the messages they exchange.
 * @packageDocumentation
 */

/** Strictest to most lenient: what a change can break. */
export type Category = 'SOURCE' | 'RECOVERY' | 'PEER' | 'WIRE' | 'PROPERTY';

/** Every category, in report order. */
export const CATEGORIES: readonly Category[] = ['WIRE', 'PEER', 'RECOVERY', 'PROPERTY', 'SOURCE'];

/** `breaking`: fails for certain in some mixed deployment or upgrade; `risky`: may fail, review; `safe`: cannot fail. */
export type Severity = 'breaking' | 'risky' | 'safe';

/** Every severity, most severe first. */
export const SEVERITIES: readonly Severity[] = ['breaking', 'risky', 'safe'];

/**
 * Which directions still work: `both`, only `backward`, only `forward`, `neither`, or `unknown`
 * when the image cannot tell (guards and actions are opaque code).
 */
export type Compatibility = 'both' | 'backward' | 'forward' | 'neither' | 'unknown';

/** One classified change. */
export interface Finding {
  /** What it can break. */
  readonly category: Category;
  /** The rule that found it, e.g. `FIELD_REMOVED`. */
  readonly rule: string;
  /** How bad it is. */
  readonly severity: Severity;
  /** Which directions still work. */
  readonly compatible: Compatibility;
  /** Where in the image: a JSON-pointer-like path, e.g. `/messages/acknowledgeCheckpoint/$.metrics`. */
  readonly subject: string;
  /** What changed and why it matters, for people. */
  readonly message: string;
}

/**
 * A finding (a helper that keeps the literal types).
 * @param category - the category.
 * @param rule - the rule.
 * @param severity - the severity.
 * @param compatible - the compatibility.
 * @param subject - where.
 * @param message - what.
 */
export function finding(category: Category, rule: string, severity: Severity, compatible: Compatibility, subject: string, message: string): Finding {
  return { category, rule, severity, compatible, subject, message };
}
