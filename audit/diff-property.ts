/**
 * PROPERTY: the declared named properties. A property removed, or weakened to a weaker kind
 * (`always` or `eventually` to `sometimes`), is a guarantee users lose; a changed kind between
 * `always` and `eventually` or a changed description needs a review.
 * @packageDocumentation
 */
import type { Finding } from './finding.js';
import { finding } from './finding.js';
import type { ProtocolImage } from './image.js';

/**
 * The PROPERTY findings between two images (none when either lacks the property list).
 * @param before - the base.
 * @param after - the head.
 */
export function diffProperty(before: ProtocolImage, after: ProtocolImage): Finding[] {
  if (!before.properties || !after.properties) return [];
  const out: Finding[] = [];
  for (const [name, a] of Object.entries(before.properties)) {
    const b = after.properties[name];
    const at = `/properties/${name}`;
    if (!b) {
      out.push(finding('PROPERTY', 'PROPERTY_REMOVED', 'breaking', 'neither', at, `${a.kind} property ${name} removed: "${a.description}" is no longer checked`));
      continue;
    }
    if (a.kind !== b.kind) {
      const weakened = b.kind === 'sometimes';
      out.push(finding('PROPERTY', weakened ? 'PROPERTY_WEAKENED' : 'PROPERTY_KIND_CHANGED', weakened ? 'breaking' : 'risky', weakened ? 'neither' : 'unknown', at, `${name} is now ${b.kind} instead of ${a.kind}`));
    }
    if (a.description !== b.description) out.push(finding('PROPERTY', 'PROPERTY_CHANGED', 'risky', 'unknown', at, `${name} now says "${b.description}" instead of "${a.description}": check that it was not weakened`));
  }
  for (const [name, b] of Object.entries(after.properties)) if (!before.properties[name]) out.push(finding('PROPERTY', 'PROPERTY_ADDED', 'safe', 'both', `/properties/${name}`, `${b.kind} property ${name} added`));
  return out;
}
