/**
 * Canonical JSON: object keys sorted by code unit at every level, arrays in their order, 2-space
 * indentation, a final newline. The same data always prints the same text.
 * @packageDocumentation
 */

/**
 * The canonical JSON text of `value`.
 * @param value - JSON data (no `undefined` inside arrays; `undefined` properties are dropped).
 */
export function canonicalJson(value: unknown): string {
  return `${JSON.stringify(sortKeys(value), null, 2)}\n`;
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value === null || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(value).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))) {
    const v = (value as Record<string, unknown>)[key];
    if (v !== undefined) out[key] = sortKeys(v);
  }
  return out;
}
