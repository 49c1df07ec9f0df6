/**
 * Wire formats: the range refinements of strings and numbers that TypeScript types cannot
 * express (a checkpoint id is a *positive safe integer*, not any `number`).
 *
 * A leaf's format comes from, first match wins:
 * 1. a `@format <name>` tag on the property's doc comment;
 * 2. a `@format <name>` tag on the type alias the property is written with;
 * 3. {@link FORMAT_BY_ALIAS} (the alias name, e.g. `CheckpointId`);
 * 4. {@link FORMAT_BY_FIELD} (the property name, for fields the spec types as bare `number`);
 * 5. the default: `identifier` for strings, `count` for numbers.
 *
 * @remarks Rules 3 and 4 exist because `spec/` has no `@format` tags yet; once it has, both tables
 * can be emptied. The generator fails on a rule that no field used, so a stale rule cannot linger.
 * @packageDocumentation
 */
import type { NumberFormat, StringFormat } from './model.js';

/** How one format is checked at runtime and described in JSON Schema. */
export interface FormatInfo {
  /** The JavaScript condition that accepts the value `x`. */
  readonly condition: string;
  /** The rejection message when it does not. */
  readonly message: string;
  /** The JSON Schema (draft 7 / AsyncAPI schema) of the format. */
  readonly jsonSchema: Readonly<Record<string, unknown>>;
}

const SAFE = Number.MAX_SAFE_INTEGER;

/** Every string format. */
export const STRING_FORMATS: Readonly<Record<StringFormat, FormatInfo>> = {
  string: { condition: "typeof x === 'string'", message: 'must be a string', jsonSchema: { type: 'string' } },
  identifier: {
    condition: "typeof x === 'string' && x.length > 0 && x.length <= 256",
    message: 'must be a non-empty string of at most 256 characters',
    jsonSchema: { type: 'string', minLength: 1, maxLength: 256 },
  },
  base64: {
    condition: "typeof x === 'string' && x.length <= 1398104 && x.length % 4 === 0 && /^[A-Za-z0-9+/]*={0,2}$/.test(x)",
    message: 'must be base64 of at most 1 MiB',
    jsonSchema: { type: 'string', maxLength: 1398104, pattern: '^[A-Za-z0-9+/]*={0,2}$', contentEncoding: 'base64' },
  },
};

/** Every number format. */
export const NUMBER_FORMATS: Readonly<Record<NumberFormat, FormatInfo>> = {
  number: { condition: "typeof x === 'number' && Number.isFinite(x)", message: 'must be a finite number', jsonSchema: { type: 'number' } },
  count: { condition: "typeof x === 'number' && Number.isFinite(x) && x >= 0", message: 'must be a non-negative finite number', jsonSchema: { type: 'number', minimum: 0 } },
  checkpointId: {
    condition: "typeof x === 'number' && Number.isSafeInteger(x) && x >= 1",
    message: 'must be a positive safe integer',
    jsonSchema: { type: 'integer', minimum: 1, maximum: SAFE },
  },
  checkpointIdOrNone: {
    condition: "x === -1 || (typeof x === 'number' && Number.isSafeInteger(x) && x >= 1)",
    message: 'must be -1 or a positive safe integer',
    jsonSchema: { oneOf: [{ const: -1 }, { type: 'integer', minimum: 1, maximum: SAFE }] },
  },
  attempt: {
    condition: "typeof x === 'number' && Number.isSafeInteger(x) && x >= 0",
    message: 'must be a non-negative safe integer',
    jsonSchema: { type: 'integer', minimum: 0, maximum: SAFE },
  },
  index: {
    condition: "typeof x === 'number' && Number.isSafeInteger(x) && x >= 0",
    message: 'must be a non-negative safe integer',
    jsonSchema: { type: 'integer', minimum: 0, maximum: SAFE },
  },
  timestamp: {
    condition: "typeof x === 'number' && Number.isSafeInteger(x) && x >= 0",
    message: 'must be a non-negative integer timestamp',
    jsonSchema: { type: 'integer', minimum: 0, maximum: SAFE },
  },
};

/** The boolean "format". */
export const BOOLEAN_FORMAT: FormatInfo = { condition: "typeof x === 'boolean'", message: 'must be a boolean', jsonSchema: { type: 'boolean' } };

/** Formats by the spec type alias a field is written with (rule 3). */
export const FORMAT_BY_ALIAS: Readonly<Record<string, StringFormat | NumberFormat>> = {
  Attempt: 'attempt',
  CheckpointId: 'checkpointId',
  LeaderEpoch: 'attempt',
};

/** Formats by property name, for fields typed as bare `number` (rule 4). */
export const FORMAT_BY_FIELD: Readonly<Record<string, StringFormat | NumberFormat>> = {
  timestamp: 'timestamp',
  lastSubsumedCheckpointId: 'checkpointIdOrNone',
  latestCompletedCheckpointId: 'checkpointIdOrNone',
  sequence: 'index',
  inline: 'base64',
};

/**
 * Whether `name` is a string format.
 * @param name - a format name.
 */
export function isStringFormat(name: string): name is StringFormat {
  return Object.hasOwn(STRING_FORMATS, name);
}

/**
 * Whether `name` is a number format.
 * @param name - a format name.
 */
export function isNumberFormat(name: string): name is NumberFormat {
  return Object.hasOwn(NUMBER_FORMATS, name);
}
