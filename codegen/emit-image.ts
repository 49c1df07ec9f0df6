/**
 * Emits `protocol-image.json`: the normalized protocol image the audit builds on. Messages with
 * their tags and schemas (in the model's own terms: formats such as `checkpointId`, not JSON
 * Schema), channels, and per machine its states, transitions, and the messages accepted and
 * emitted per state; when configured, the timers each machine arms, the configuration with its
 * defaults, the declared properties, the persisted shapes and the public API surface. Canonical JSON: keys sorted at every level, arrays in meaningful order.
 * @packageDocumentation
 */
import { canonicalJson } from './_internals/canonical-json.js';
import type { ImageExtras } from './generate.js';
import type { ProtocolModel } from './model.js';
import type { MachineImage } from './read-machines.js';

/** The image format; bump on incompatible changes to the image's shape. */
export const IMAGE_FORMAT = 'snapwright.protocol-image/1';

/**
 * The protocol image's data.
 * @param model - the message model.
 * @param machines - the machines, by role.
 * @param notice - the header line, stored as `$comment`.
 * @param extras - the optional parts (configuration, properties, persisted shapes, API surface).
 */
export function protocolImage(model: ProtocolModel, machines: Readonly<Record<string, MachineImage>>, notice: string, extras: ImageExtras = {}): unknown {
  return {
    ...extras,
    $comment: notice,
    format: IMAGE_FORMAT,
    sources: model.sources,
    messages: Object.fromEntries(
      model.messages.map((m) => [m.type, { interface: m.name, direction: m.direction, channel: m.channel, delivery: m.delivery, idempotencyKey: m.idempotencyKey }]),
    ),
    messageOrder: model.messages.map((m) => m.type),
    schemas: Object.fromEntries(model.interfaces.map((i) => [i.name, { source: i.source, doc: i.doc, fields: i.fields.map((f) => ({ name: f.name, optional: f.optional, schema: f.schema })) }])),
    aliases: Object.fromEntries(model.aliases.map((a) => [a.name, { source: a.source, target: a.target }])),
    unions: Object.fromEntries(model.unions.map((u) => [u.name, { members: u.members, synthesized: u.synthesized }])),
    channels: Object.fromEntries(model.channels.map((c) => [c.id, { kind: c.kind, direction: c.direction, delivery: c.delivery, messages: c.messages, union: c.union }])),
    machines,
    notes: {
      accepts: 'A state accepts a message when an event carrying it has a transition in the state or an ancestor (guards not evaluated; `*` accepts every event).',
      emits:
        'Actions are opaque functions, so a state emits every message its role may emit (its commands carry) when any transition available there, its eventless transitions or its entry actions have actions; otherwise none. An over-approximation.',
      carries:
        '`via` is `$` when the event is the message, `$.field` or `$.field[]` when a field holds it, `name` when the event is named `<prefix>.<message type>`, `doc` when the doc comment says "Send `type`". A machine accepts the carried messages it receives and emits those it sends (by their @direction).',
    },
  };
}

/**
 * The text of `protocol-image.json`.
 * @param model - the message model.
 * @param machines - the machines, by role.
 * @param notice - the header line.
 * @param extras - the optional parts.
 */
export function emitImage(model: ProtocolModel, machines: Readonly<Record<string, MachineImage>>, notice: string, extras: ImageExtras = {}): string {
  return canonicalJson(protocolImage(model, machines, notice, extras));
}
