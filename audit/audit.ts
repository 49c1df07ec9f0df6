/**
 * The audit: every category's findings between a base and a head image, sorted most severe
 * first, with counts, the parts that could not be compared, and the verdict.
 * @packageDocumentation
 */
import { diffPeer } from './diff-peer.js';
import { diffProperty } from './diff-property.js';
import { diffRecovery } from './diff-recovery.js';
import { diffSource } from './diff-source.js';
import { diffWire } from './diff-wire.js';
import type { Category, Finding, Severity } from './finding.js';
import { CATEGORIES, SEVERITIES } from './finding.js';
import type { ProtocolImage } from './image.js';

/** The result of one audit. */
export interface AuditResult {
  /** Every finding: by severity (breaking first), then category, then subject. */
  readonly findings: readonly Finding[];
  /** Findings per severity. */
  readonly counts: Readonly<Record<Severity, number>>;
  /** Findings per category. */
  readonly byCategory: Readonly<Record<Category, number>>;
  /** Parts of the image that one side lacks, so they were not compared (old images have fewer parts). */
  readonly notCompared: readonly string[];
  /** Whether any finding is breaking. */
  readonly breaking: boolean;
}

const OPTIONAL_PARTS = [
  ['config', 'configuration defaults (PEER)'],
  ['persisted', 'persisted shapes (RECOVERY)'],
  ['properties', 'declared properties (PROPERTY)'],
  ['api', 'public API (SOURCE)'],
] as const;

/**
 * Audits `after` against `before`.
 * @param before - the base (the accepted lock, or an older version).
 * @param after - the head (usually the working tree).
 * @param extra - findings and skipped parts from beyond the images (the composed model check).
 */
export function audit(before: ProtocolImage, after: ProtocolImage, extra: { readonly findings?: readonly Finding[]; readonly notCompared?: readonly string[] } = {}): AuditResult {
  const all = [...diffWire(before, after), ...diffPeer(before, after), ...diffRecovery(before, after), ...diffProperty(before, after), ...diffSource(before, after), ...(extra.findings ?? [])];
  const rank = (f: Finding) => SEVERITIES.indexOf(f.severity) * 10 + CATEGORIES.indexOf(f.category);
  const findings = all.sort((a, b) => rank(a) - rank(b) || (a.subject < b.subject ? -1 : a.subject > b.subject ? 1 : 0) || (a.rule < b.rule ? -1 : a.rule > b.rule ? 1 : 0));
  const counts = Object.fromEntries(SEVERITIES.map((s) => [s, findings.filter((f) => f.severity === s).length])) as Record<Severity, number>;
  const byCategory = Object.fromEntries(CATEGORIES.map((c) => [c, findings.filter((f) => f.category === c).length])) as Record<Category, number>;
  const notCompared = OPTIONAL_PARTS.filter(([key]) => !before[key] || !after[key]).map(([key, what]) => `${what}: ${!before[key] ? 'the base' : 'the head'} has no "${key}"`);
  const timers = Object.keys(before.machines).some((r) => !before.machines[r]?.timers || !after.machines[r]?.timers);
  if (timers) notCompared.push('timers (PEER): a machine has no "timers" on one side');
  notCompared.push(...(extra.notCompared ?? []));
  return { findings, counts, byCategory, notCompared, breaking: counts.breaking > 0 };
}
