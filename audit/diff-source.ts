/**
 * SOURCE: the public API of the package (exported symbols and their signatures). A symbol
 * removed (or dropped from an entry point) breaks code written against the old version; a kind
 * change breaks it too; a changed signature may or may not (the image holds text, not types).
 * @packageDocumentation
 */
import type { Finding } from './finding.js';
import { finding } from './finding.js';
import type { ProtocolImage } from './image.js';

/**
 * The SOURCE findings between two images (none when either lacks the API surface).
 * @param before - the base.
 * @param after - the head.
 */
export function diffSource(before: ProtocolImage, after: ProtocolImage): Finding[] {
  if (!before.api || !after.api) return [];
  const out: Finding[] = [];
  for (const [name, a] of Object.entries(before.api)) {
    const b = after.api[name];
    const at = `/api/${name}`;
    if (!b) {
      out.push(finding('SOURCE', 'SYMBOL_REMOVED', 'breaking', 'forward', at, `${a.kind} ${name} is no longer exported (from ${a.entries.join(', ')})`));
      continue;
    }
    const dropped = a.entries.filter((e) => !b.entries.includes(e));
    if (dropped.length > 0) out.push(finding('SOURCE', 'SYMBOL_REMOVED', 'breaking', 'forward', at, `${name} is no longer exported from ${dropped.join(', ')}`));
    if (a.kind !== b.kind) out.push(finding('SOURCE', 'KIND_CHANGED', 'breaking', 'neither', at, `${name} is now a ${b.kind} instead of a ${a.kind}`));
    else if (a.signature !== b.signature) out.push(finding('SOURCE', 'SIGNATURE_CHANGED', 'risky', 'unknown', at, `${a.kind} ${name} changed: ${textDelta(a.signature, b.signature)}`));
  }
  for (const [name, b] of Object.entries(after.api)) if (!before.api[name]) out.push(finding('SOURCE', 'SYMBOL_ADDED', 'safe', 'backward', `/api/${name}`, `${b.kind} ${name} is now exported`));
  return out;
}

/**
 * The part of two texts that differs, with a little context: `…ctx [old → new] ctx…`.
 * @param a - the old text.
 * @param b - the new text.
 * @param context - characters of context on each side.
 */
export function textDelta(a: string, b: string, context = 30): string {
  let p = 0;
  while (p < a.length && p < b.length && a[p] === b[p]) p++;
  let s = 0;
  while (s < a.length - p && s < b.length - p && a[a.length - 1 - s] === b[b.length - 1 - s]) s++;
  // Whole words: a change inside a word or number shows the whole word on both sides.
  const word = /[A-Za-z0-9_$]/;
  while (p > 0 && word.test(a[p - 1] as string)) p--;
  while (s > 0 && word.test(a[a.length - s] as string)) s--;
  const before = p > context ? `…${a.slice(p - context, p)}` : a.slice(0, p);
  const after = s > context ? `${a.slice(a.length - s, a.length - s + context)}…` : a.slice(a.length - s);
  return `${before}[${a.slice(p, a.length - s)} → ${b.slice(p, b.length - s)}]${after}`;
}
