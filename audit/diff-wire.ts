/**
 * WIRE: the messages themselves. Messages added or removed, their direction, channel, delivery
 * and idempotency key, and every field of their schemas (through nested types), classified by
 * the shared data rules with strict readers (the codecs reject unknown fields).
 * @packageDocumentation
 */
import { compareShapes } from './classify.js';
import type { Finding } from './finding.js';
import { finding } from './finding.js';
import type { FlatShape } from './flatten.js';
import { flattenFields } from './flatten.js';
import type { ProtocolImage } from './image.js';

/**
 * The flattened schema of message `type` in `image`.
 * @param image - a protocol image.
 * @param type - the message's `type`.
 */
export function messageShape(image: ProtocolImage, type: string): FlatShape {
  const m = image.messages[type];
  const schema = m ? image.schemas[m.interface] : undefined;
  return flattenFields(schema?.fields ?? [], (name) => image.schemas[name]?.fields);
}

/**
 * The WIRE findings between two images.
 * @param before - the base.
 * @param after - the head.
 */
export function diffWire(before: ProtocolImage, after: ProtocolImage): Finding[] {
  const out: Finding[] = [];
  for (const [type, a] of Object.entries(before.messages)) {
    const b = after.messages[type];
    const at = `/messages/${type}`;
    if (!b) {
      out.push(finding('WIRE', 'MESSAGE_REMOVED', 'breaking', 'neither', at, `message ${type} (${a.direction}) removed: old senders still send it, old receivers still expect it`));
      continue;
    }
    if (a.direction !== b.direction) out.push(finding('WIRE', 'DIRECTION_CHANGED', 'breaking', 'neither', at, `${type} now goes ${b.direction} instead of ${a.direction}`));
    if (a.channel !== b.channel) out.push(finding('WIRE', 'CHANNEL_CHANGED', 'breaking', 'neither', at, `${type} moved from the ${a.channel} channel to the ${b.channel} channel`));
    if (a.delivery !== b.delivery) out.push(finding('WIRE', 'DELIVERY_CHANGED', 'risky', 'unknown', at, `${type} now tolerates ${b.delivery} instead of ${a.delivery}: transports and bindings may need to change`));
    if (a.idempotencyKey.join() !== b.idempotencyKey.join()) {
      out.push(finding('WIRE', 'IDEMPOTENCY_KEY_CHANGED', 'risky', 'unknown', at, `${type}'s idempotency key is now (${b.idempotencyKey.join(', ')}) instead of (${a.idempotencyKey.join(', ')}): mixed versions may drop or double-apply redeliveries`));
    }
    for (const c of compareShapes(messageShape(before, type), messageShape(after, type), { strict: true })) {
      out.push(finding('WIRE', c.rule, c.severity, c.compatible, `${at}/${c.path}`, `${type}: ${c.message}`));
    }
  }
  for (const [type, b] of Object.entries(after.messages)) {
    if (!before.messages[type]) out.push(finding('WIRE', 'MESSAGE_ADDED', 'safe', 'both', `/messages/${type}`, `message ${type} (${b.direction}) added (whether old peers can take it is a PEER question)`));
  }
  return out;
}
