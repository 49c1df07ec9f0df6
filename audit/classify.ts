/**
 * The rules that classify a change of a data shape, shared by the wire (messages) and the
 * persisted data (completed checkpoints, snapshots). They differ in one policy: wire readers are
 * strict (the codecs reject unknown fields, so an added field breaks old readers), persisted data
 * is read leniently (unknown fields are ignored).
 * @packageDocumentation
 */
import type { Compatibility, Severity } from './finding.js';
import type { FlatEntry, FlatShape } from './flatten.js';

/** How the data is read. */
export interface ReadPolicy {
  /** Readers reject unknown fields (the wire codecs do). */
  readonly strict: boolean;
}

/** One classified change of a shape. */
export interface DataChange {
  /** The value path. */
  readonly path: string;
  /** The rule. */
  readonly rule: string;
  /** How bad. */
  readonly severity: Severity;
  /** Which directions still work. */
  readonly compatible: Compatibility;
  /** What changed, for people. */
  readonly message: string;
}

/** A path whose parent path is in `paths` too (its change is reported with the parent's). */
function underAny(p: string, paths: ReadonlySet<string>): boolean {
  for (let i = p.length - 1; i > 1; i--) {
    const c = p[i];
    if ((c === '.' || c === '[' || c === '{') && paths.has(p.slice(0, i))) return true;
  }
  return false;
}

/**
 * Classifies every difference between two flattened shapes.
 * @param before - the old shape.
 * @param after - the new shape.
 * @param policy - how readers treat unknown fields.
 * @returns the changes, in path order.
 */
export function compareShapes(before: FlatShape, after: FlatShape, policy: ReadPolicy): DataChange[] {
  const out: DataChange[] = [];
  const removed = new Set([...before.keys()].filter((p) => !after.has(p)));
  const added = new Set([...after.keys()].filter((p) => !before.has(p)));
  const changedKind = new Set<string>();
  for (const p of removed) {
    if (underAny(p, removed)) continue;
    const e = before.get(p) as FlatEntry;
    if (!e.optional) {
      out.push(
        policy.strict
          ? { path: p, rule: 'FIELD_REMOVED', severity: 'breaking', compatible: 'neither', message: `required field ${p} removed: old readers require it, and new readers reject it from old writers` }
          : { path: p, rule: 'FIELD_REMOVED', severity: 'breaking', compatible: 'backward', message: `required field ${p} removed: the old version cannot read what the new one writes` },
      );
    } else {
      out.push(
        policy.strict
          ? { path: p, rule: 'OPTIONAL_FIELD_REMOVED', severity: 'risky', compatible: 'forward', message: `optional field ${p} removed: new readers reject it when an old writer sets it` }
          : { path: p, rule: 'OPTIONAL_FIELD_REMOVED', severity: 'safe', compatible: 'both', message: `optional field ${p} removed: readers ignore it` },
      );
    }
  }
  for (const p of added) {
    if (underAny(p, added)) continue;
    const e = after.get(p) as FlatEntry;
    if (!e.optional) {
      out.push(
        policy.strict
          ? { path: p, rule: 'REQUIRED_FIELD_ADDED', severity: 'breaking', compatible: 'neither', message: `required field ${p} added: new readers reject what old writers send, and old readers reject the unknown field` }
          : { path: p, rule: 'REQUIRED_FIELD_ADDED', severity: 'breaking', compatible: 'forward', message: `required field ${p} added: the new version cannot read what the old one wrote` },
      );
    } else {
      out.push(
        policy.strict
          ? { path: p, rule: 'OPTIONAL_FIELD_ADDED', severity: 'risky', compatible: 'backward', message: `optional field ${p} added: old readers reject it whenever a new writer sets it` }
          : { path: p, rule: 'OPTIONAL_FIELD_ADDED', severity: 'safe', compatible: 'both', message: `optional field ${p} added: old readers ignore it` },
      );
    }
  }
  for (const [p, a] of before) {
    const b = after.get(p);
    if (!b || underAny(p, changedKind)) continue;
    if (a.kind !== b.kind) {
      changedKind.add(p);
      out.push({ path: p, rule: 'TYPE_CHANGED', severity: 'breaking', compatible: 'neither', message: `${p} changed from ${a.kind} to ${b.kind}` });
      continue;
    }
    if (a.detail !== b.detail) {
      const literal = a.kind === 'literal' || a.kind === 'unknown';
      out.push({
        path: p,
        rule: literal ? 'TYPE_CHANGED' : 'FORMAT_CHANGED',
        severity: literal ? 'breaking' : 'risky',
        compatible: literal ? 'neither' : 'unknown',
        message: `${p} changed from ${a.detail || a.kind} to ${b.detail || b.kind}`,
      });
    }
    const gone = a.values.filter((v) => !b.values.includes(v));
    const fresh = b.values.filter((v) => !a.values.includes(v));
    if (gone.length > 0) out.push({ path: p, rule: 'ENUM_VALUE_REMOVED', severity: 'breaking', compatible: 'forward', message: `${p} no longer allows ${gone.join(', ')}: new readers reject old data that has it` });
    if (fresh.length > 0) out.push({ path: p, rule: 'ENUM_VALUE_ADDED', severity: 'risky', compatible: 'backward', message: `${p} now allows ${fresh.join(', ')}: old readers reject it when a new writer sends it` });
    if (a.optional && !b.optional) out.push({ path: p, rule: 'FIELD_MADE_REQUIRED', severity: 'breaking', compatible: 'forward', message: `${p} became required: new readers reject old data without it` });
    if (!a.optional && b.optional) out.push({ path: p, rule: 'FIELD_MADE_OPTIONAL', severity: 'risky', compatible: 'backward', message: `${p} became optional: old readers reject new data without it` });
    if (!a.nullable && b.nullable) out.push({ path: p, rule: 'NULL_ALLOWED', severity: 'risky', compatible: 'backward', message: `${p} may now be null: old readers reject null` });
    if (a.nullable && !b.nullable) out.push({ path: p, rule: 'NULL_DISALLOWED', severity: 'breaking', compatible: 'forward', message: `${p} may no longer be null: new readers reject old data holding null` });
  }
  return out.sort((x, y) => (x.path < y.path ? -1 : x.path > y.path ? 1 : 0));
}
