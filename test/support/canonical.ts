/**
 * A canonical JSON form of machine snapshots, to compare two runs' state: `Map`s become sorted
 * entry lists, persistent maps use their own sorted `toJSON`, object keys are sorted.
 * @packageDocumentation
 */

function normalize(value: unknown): unknown {
  if (value === null || typeof value !== 'object') return value;
  if (typeof (value as { toJSON?: unknown }).toJSON === 'function') return normalize((value as { toJSON(): unknown }).toJSON());
  if (value instanceof Map) {
    return { $map: [...value.entries()].map(([k, v]) => [normalize(k), normalize(v)] as const).sort(([a], [b]) => (JSON.stringify(a) < JSON.stringify(b) ? -1 : 1)) };
  }
  if (value instanceof Set) return { $set: [...value].map(normalize).sort() };
  if (Array.isArray(value)) return value.map(normalize);
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(value).sort()) out[key] = normalize((value as Record<string, unknown>)[key]);
  return out;
}

/**
 * The canonical JSON text of `value`.
 * @param value - a context, a snapshot value, commands.
 */
export function canonical(value: unknown): string {
  return JSON.stringify(normalize(value));
}
