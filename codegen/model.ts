/**
 * The schema model: what the generator knows about the protocol after reading `spec/` and the
 * machines, independent of TypeScript and of any output format. Every emitter reads only this.
 *
 * @remarks Every list in the model is in a documented, deterministic order, so the output is a
 * pure function of the input sources.
 * @packageDocumentation
 */

/** Range refinements of numbers that TypeScript types cannot express (see `formats.ts`). */
export type NumberFormat = 'number' | 'count' | 'checkpointId' | 'checkpointIdOrNone' | 'attempt' | 'index' | 'timestamp';

/** Refinements of strings. */
export type StringFormat = 'string' | 'identifier' | 'base64';

/** The schema of one value. */
export type TypeSchema =
  /** A string; `alias` names the spec type alias it was written as (e.g. `JobId`). */
  | { readonly kind: 'string'; readonly format: StringFormat; readonly alias?: string }
  /** A number with its range refinement. */
  | { readonly kind: 'number'; readonly format: NumberFormat; readonly alias?: string }
  /** A boolean. */
  | { readonly kind: 'boolean'; readonly alias?: string }
  /** One string literal (a discriminant). */
  | { readonly kind: 'literal'; readonly value: string }
  /** A union of string literals, `values` sorted by code unit. */
  | { readonly kind: 'enum'; readonly values: readonly string[]; readonly alias?: string }
  /** A named interface, defined in {@link ProtocolModel.interfaces}. */
  | { readonly kind: 'ref'; readonly name: string }
  /** An anonymous object type. */
  | { readonly kind: 'object'; readonly fields: readonly FieldSchema[] }
  /** `inner | null`. */
  | { readonly kind: 'nullable'; readonly inner: TypeSchema }
  /** `readonly element[]`. */
  | { readonly kind: 'array'; readonly element: TypeSchema };

/** One field of an object type. */
export interface FieldSchema {
  /** The property name. */
  readonly name: string;
  /** Declared with `?`. */
  readonly optional: boolean;
  /** The property's doc comment (summary only), or empty. */
  readonly doc: string;
  /** The value's schema (`undefined` stripped for optional fields). */
  readonly schema: TypeSchema;
}

/** A TSDoc block tag and its text. */
export interface DocTag {
  /** The tag name, without `@`. */
  readonly name: string;
  /** The text after it, trimmed. */
  readonly text: string;
}

/** A named interface of the spec (a message, or a type a message uses). */
export interface InterfaceDef {
  /** The interface name. */
  readonly name: string;
  /** Source file, relative to the root, with `/`. */
  readonly source: string;
  /** The doc comment's summary. */
  readonly doc: string;
  /** The doc comment's block tags, in source order. */
  readonly tags: readonly DocTag[];
  /** The fields, in declaration order. */
  readonly fields: readonly FieldSchema[];
}

/** A named type alias of the spec that a message field is written with (`JobId`, `SnapshotKind`). */
export interface AliasDef {
  /** The alias name. */
  readonly name: string;
  /** Source file, relative to the root. */
  readonly source: string;
  /** The doc comment's summary. */
  readonly doc: string;
  /** What it stands for. */
  readonly target: TypeSchema;
}

/** Who sends a message to whom. */
export type Direction = 'coordinator-to-task' | 'task-to-coordinator' | 'task-to-task';

/** The kind of channel a message travels on. */
export type ChannelKind = 'control' | 'data';

/** The weakest delivery the protocol tolerates (mirrors `DeliveryGuarantee` of the runtime contract). */
export type Delivery = 'at-most-once' | 'at-least-once' | 'ordered-exactly-once';

/** One protocol message: an interface with a `type` discriminant and the four doc tags. */
export interface MessageDef {
  /** The `type` discriminant. */
  readonly type: string;
  /** The interface name. */
  readonly name: string;
  /** `@direction`. */
  readonly direction: Direction;
  /** `@channel`. */
  readonly channel: ChannelKind;
  /** `@delivery`. */
  readonly delivery: Delivery;
  /** `@idempotencyKey`: field names, empty for `none`. */
  readonly idempotencyKey: readonly string[];
}

/** A union type alias of the spec whose members are all messages (`ControlMessage`, `StreamEvent`). */
export interface UnionDef {
  /** The alias name. */
  readonly name: string;
  /** Source file, relative to the root. */
  readonly source: string;
  /** The doc comment's summary. */
  readonly doc: string;
  /** The member messages' `type`s, in message order. */
  readonly members: readonly string[];
  /** True when the generator made the union up for a channel (no spec alias had its members). */
  readonly synthesized: boolean;
}

/** A logical channel: the messages of one channel kind and direction. */
export interface ChannelDef {
  /** The channel id, e.g. `coordinatorToTask` (camel-cased direction). */
  readonly id: string;
  /** Its kind. */
  readonly kind: ChannelKind;
  /** Its direction. */
  readonly direction: Direction;
  /** The messages' `type`s, in message order. */
  readonly messages: readonly string[];
  /** The union of those messages (a spec union with exactly these members, or a synthesized one). */
  readonly union: string;
  /** The strongest of the messages' `@delivery`: what a transport must offer to carry the channel. */
  readonly delivery: Delivery;
}

/** Everything read from the spec. */
export interface ProtocolModel {
  /** The message source files, relative to the root, in the order given. */
  readonly sources: readonly string[];
  /** Messages in source order (files as given, then declaration order). */
  readonly messages: readonly MessageDef[];
  /** Every interface a message uses (messages included), sorted by name. */
  readonly interfaces: readonly InterfaceDef[];
  /** Every alias a message field is written with, sorted by name. */
  readonly aliases: readonly AliasDef[];
  /** Unions of messages, spec ones in source order, then synthesized ones. */
  readonly unions: readonly UnionDef[];
  /** Logical channels, in order of their first message. */
  readonly channels: readonly ChannelDef[];
}

/** Thrown when the input cannot be generated from; names the source location and the fix. */
export class GeneratorError extends Error {
  /**
   * @param message - what is wrong, with the location.
   * @param options - the cause, if any.
   */
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'GeneratorError';
  }
}

/**
 * Whether `e` is a {@link GeneratorError} (by name, so it works across module copies).
 * @param e - anything thrown.
 */
export function isGeneratorError(e: unknown): e is GeneratorError {
  return e instanceof Error && e.name === 'GeneratorError';
}

/**
 * The interface of a model by name.
 * @param model - the model.
 * @param name - the interface name.
 * @throws GeneratorError when there is none (a bug in the reader).
 */
export function interfaceOf(model: ProtocolModel, name: string): InterfaceDef {
  const def = model.interfaces.find((i) => i.name === name);
  if (!def) throw new GeneratorError(`internal: no interface ${name} in the model`);
  return def;
}

/**
 * The message of a model by `type`.
 * @param model - the model.
 * @param type - the discriminant.
 */
export function messageOf(model: ProtocolModel, type: string): MessageDef {
  const def = model.messages.find((m) => m.type === type);
  if (!def) throw new GeneratorError(`internal: no message ${type} in the model`);
  return def;
}
