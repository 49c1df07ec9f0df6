/**
 * Structural validation of control messages at the protocol boundary: exact fields, types and
 * ranges. Semantic checks (wrong job, unknown task, stale attempt) belong to the machines.
 *
 * The schema is data (`SCHEMAS` below); at load time each message's schema is compiled once into
 * a straight-line validator, so validating a message allocates nothing and makes no indirect
 * calls: it runs on every acknowledgement.
 *
 * @remarks The schema table mirrors `messages.ts`; the code generator replaces it with codecs
 * derived from the types, and a type test keeps the two in step until then.
 * @packageDocumentation
 */
import type { Rejection } from './errors.js';
import type { ControlMessage } from './messages.js';
import type { AlignmentKind, SnapshotKind, SyncSavepointMode } from './options.js';
import { DECLINE_REASONS } from './reasons.js';
import type { StreamEvent } from './stream-events.js';
import { TASK_EXECUTION_STATES } from './task-state.js';

/** The result of validating untrusted input. */
export type Validated<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly rejection: Rejection };

/** A field's schema: a primitive kind, an enumeration, or a nested object. */
export type FieldSchema =
  | { readonly kind: 'string' | 'checkpointId' | 'attempt' | 'checkpointIdOrNone' | 'timestamp' | 'count' | 'boolean' | 'base64' }
  | { readonly kind: 'oneOf'; readonly values: readonly string[] }
  | { readonly kind: 'object'; readonly fields: Readonly<Record<string, FieldSchema>>; readonly optional?: Readonly<Record<string, FieldSchema>> }
  | { readonly kind: 'nullable'; readonly inner: FieldSchema };

/** Each primitive kind: the JS condition that accepts `x`, and the message when it does not. */
const PRIMITIVES = {
  string: ["typeof x === 'string' && x.length > 0 && x.length <= 256", 'must be a non-empty string of at most 256 characters'],
  checkpointId: ["typeof x === 'number' && Number.isSafeInteger(x) && x >= 1", 'must be a positive safe integer'],
  attempt: ["typeof x === 'number' && Number.isSafeInteger(x) && x >= 0", 'must be a non-negative safe integer'],
  checkpointIdOrNone: ["x === -1 || (typeof x === 'number' && Number.isSafeInteger(x) && x >= 1)", 'must be -1 or a positive safe integer'],
  timestamp: ["typeof x === 'number' && Number.isSafeInteger(x) && x >= 0", 'must be a non-negative integer timestamp'],
  count: ["typeof x === 'number' && Number.isFinite(x) && x >= 0", 'must be a non-negative finite number'],
  boolean: ["typeof x === 'boolean'", 'must be a boolean'],
  // An inline state (StateHandle.inline): base64 of at most 1 MiB.
  base64: ["typeof x === 'string' && x.length <= 1398104 && x.length % 4 === 0 && /^[A-Za-z0-9+/]*={0,2}$/.test(x)", 'must be base64 of at most 1 MiB'],
} as const;

const p = <K extends keyof typeof PRIMITIVES>(kind: K) => ({ kind }) as const;
const oneOf = (values: readonly string[]): FieldSchema => ({ kind: 'oneOf', values });

const metrics: FieldSchema = {
  kind: 'object',
  fields: {
    bytesProcessedDuringAlignment: p('count'),
    alignmentDurationMs: p('count'),
    syncDurationMs: p('count'),
    asyncDurationMs: p('count'),
    checkpointStartDelayMs: p('count'),
    bytesPersisted: p('count'),
    unaligned: p('boolean'),
  },
};

const options: FieldSchema = {
  kind: 'object',
  fields: {
    snapshot: oneOf(['checkpoint', 'full', 'savepoint', 'sync-savepoint'] satisfies SnapshotKind[]),
    alignment: oneOf(['aligned', 'unaligned', 'forced-aligned', 'at-least-once'] satisfies AlignmentKind[]),
    alignedCheckpointTimeoutMs: p('count'),
  },
  optional: { syncMode: oneOf(['suspend', 'terminate'] satisfies SyncSavepointMode[]) },
};

const head = { type: p('string'), jobId: p('string'), taskId: p('string'), attempt: p('attempt') };

/** The optional leader epoch of the coordinator's messages (a non-negative integer). */
const epoch = { leaderEpoch: p('attempt') };

/** The schema of every control message, by `type`. */
export const SCHEMAS: Readonly<Record<ControlMessage['type'], FieldSchema>> = {
  triggerCheckpoint: { kind: 'object', fields: { ...head, checkpointId: p('checkpointId'), timestamp: p('timestamp'), options }, optional: epoch },
  notifyCheckpointComplete: { kind: 'object', fields: { ...head, checkpointId: p('checkpointId'), timestamp: p('timestamp'), lastSubsumedCheckpointId: p('checkpointIdOrNone') }, optional: epoch },
  notifyCheckpointAborted: { kind: 'object', fields: { ...head, checkpointId: p('checkpointId'), latestCompletedCheckpointId: p('checkpointIdOrNone'), timestamp: p('timestamp') }, optional: epoch },
  acknowledgeCheckpoint: { kind: 'object', fields: { ...head, checkpointId: p('checkpointId'), metrics, state: { kind: 'nullable', inner: { kind: 'object', fields: { key: p('string'), sizeBytes: p('count') }, optional: { inline: p('base64') } } } } },
  declineCheckpoint: { kind: 'object', fields: { ...head, checkpointId: p('checkpointId'), reason: oneOf(DECLINE_REASONS) } },
  reportCheckpointMetrics: { kind: 'object', fields: { ...head, checkpointId: p('checkpointId'), metrics } },
  taskStateChanged: { kind: 'object', fields: { ...head, state: oneOf(TASK_EXECUTION_STATES) } },
  heartbeat: { kind: 'object', fields: head },
};

/** A compiled validator: null when fine, else [path relative to the value, message]. */
type Compiled = (value: unknown) => readonly [string, string] | null;

/**
 * Compiles a schema into JavaScript source for one function body checking `v`. Generated code
 * only; every constant it needs is passed in `consts`.
 */
function emit(schema: FieldSchema, v: string, path: string, consts: unknown[], depth: number): string {
  const fail = (message: string, at = path) => `return [${JSON.stringify(at)}, ${JSON.stringify(message)}];`;
  switch (schema.kind) {
    case 'oneOf': {
      consts.push(new Set(schema.values));
      return `if (!(typeof ${v} === 'string' && c[${consts.length - 1}].has(${v}))) ${fail(`must be one of ${schema.values.join(', ')}`)}`;
    }
    case 'nullable':
      return `if (${v} !== null) { ${emit(schema.inner, v, path, consts, depth)} }`;
    case 'object': {
      const known = [...Object.keys(schema.fields), ...Object.keys(schema.optional ?? {})];
      consts.push(new Set(known));
      const knownIndex = consts.length - 1;
      const n = `n${depth}`;
      const lines = [`if (${v} === null || typeof ${v} !== 'object' || Array.isArray(${v})) ${fail('must be an object')}`, `let ${n} = 0;`];
      Object.entries(schema.fields).forEach(([key, field], i) => {
        const x = `${v}_${i}`;
        const k = JSON.stringify(key);
        // hasOwn only when the read gave undefined: a present field costs one property read.
        lines.push(`{ const ${x} = ${v}[${k}]; if (${x} === undefined && !Object.hasOwn(${v}, ${k})) ${fail('is missing', `${path}.${key}`)}`);
        lines.push(`${emit(field, x, `${path}.${key}`, consts, depth + 1)} } ${n}++;`);
      });
      Object.entries(schema.optional ?? {}).forEach(([key, field], i) => {
        const x = `${v}_o${i}`;
        lines.push(`if (Object.hasOwn(${v}, ${JSON.stringify(key)})) { ${n}++; const ${x} = ${v}[${JSON.stringify(key)}]; if (${x} !== undefined) { ${emit(field, x, `${path}.${key}`, consts, depth + 1)} } }`);
      });
      // Every own key was counted as known above, so an extra key shows as a longer key list.
      lines.push(`if (Object.keys(${v}).length !== ${n}) { for (const k of Object.keys(${v})) if (!c[${knownIndex}].has(k)) return [${JSON.stringify(path)} + '.' + k, 'is not a field of this message']; }`);
      return lines.join('\n');
    }
    default: {
      const [condition, message] = PRIMITIVES[schema.kind];
      return `{ const x = ${v}; if (!(${condition})) ${fail(message)} }`;
    }
  }
}

/**
 * Compiles a schema into a validator function (done once per schema, at load).
 * @param schema - the schema of a whole message.
 */
export function compileSchema(schema: FieldSchema): Compiled {
  const consts: unknown[] = [];
  const body = `${emit(schema, 'v', '', consts, 0)}\nreturn null;`;
  return new Function('c', `return function validate(v) {\n${body}\n};`)(consts) as Compiled;
}

const VALIDATORS = Object.fromEntries(Object.entries(SCHEMAS).map(([type, schema]) => [type, compileSchema(schema)])) as Record<ControlMessage['type'], Compiled>;

/**
 * Checks that `input` is exactly one of the protocol's control messages: known `type`, every
 * field present with the right type and range, no extra field. Allocates nothing when it is.
 * @param input - untrusted input (e.g. parsed JSON).
 * @returns null when `input` is a valid message, else a `malformed` rejection with the path of
 * the first problem.
 */
export function checkControlMessage(input: unknown): Rejection | null {
  if (input === null || typeof input !== 'object' || Array.isArray(input)) return { code: 'malformed', path: '$', message: 'must be an object' };
  const type = (input as { type?: unknown }).type;
  if (typeof type !== 'string' || !Object.hasOwn(VALIDATORS, type)) {
    return { code: 'malformed', path: '$.type', message: `must be one of ${Object.keys(SCHEMAS).join(', ')}` };
  }
  const problem = VALIDATORS[type as ControlMessage['type']](input);
  return problem ? { code: 'malformed', path: `$${problem[0]}`, message: problem[1] } : null;
}

/**
 * Like {@link checkControlMessage}, returning the message typed on success.
 * @param input - untrusted input (e.g. parsed JSON).
 */
export function validateControlMessage(input: unknown): Validated<ControlMessage> {
  const rejection = checkControlMessage(input);
  return rejection ? { ok: false, rejection } : { ok: true, value: input as ControlMessage };
}

/** A checkpoint barrier as it travels (also nested in an announcement, where `type` must say so). */
const barrier = (type: FieldSchema): FieldSchema => ({ kind: 'object', fields: { type, checkpointId: p('checkpointId'), timestamp: p('timestamp'), options } });

/**
 * The schema of every in-band event, by `type` (mirrors `stream-events.ts`). A barrier's
 * timestamp is the trigger's, so it is a timestamp like the trigger's; an announcement's
 * sequence is a position in a queue.
 */
export const STREAM_SCHEMAS: Readonly<Record<StreamEvent['type'], FieldSchema>> = {
  barrier: barrier(p('string')),
  cancelMarker: { kind: 'object', fields: { type: p('string'), checkpointId: p('checkpointId') } },
  endOfPartition: { kind: 'object', fields: { type: p('string') } },
  announcement: { kind: 'object', fields: { type: p('string'), barrier: barrier(oneOf(['barrier'])), sequence: p('attempt') } },
};

/**
 * Like {@link emit}, with the extra-field check of every object counting keys with `for...in`
 * (V8 walks its enum cache: no allocation) and listing them (`Object.keys`) only when the count
 * is off: in-band events are checked per event of every channel, so a valid one allocates nothing.
 */
function emitAllocationFree(schema: FieldSchema, v: string, path: string, consts: unknown[], depth: number): string {
  if (schema.kind === 'nullable') return `if (${v} !== null) { ${emitAllocationFree(schema.inner, v, path, consts, depth)} }`;
  if (schema.kind !== 'object') return emit(schema, v, path, consts, depth);
  const fail = (message: string, at = path) => `return [${JSON.stringify(at)}, ${JSON.stringify(message)}];`;
  const known = [...Object.keys(schema.fields), ...Object.keys(schema.optional ?? {})];
  consts.push(new Set(known));
  const knownIndex = consts.length - 1;
  const n = `n${depth}`;
  const lines = [`if (${v} === null || typeof ${v} !== 'object' || Array.isArray(${v})) ${fail('must be an object')}`, `let ${n} = 0;`];
  Object.entries(schema.fields).forEach(([key, field], i) => {
    const x = `${v}_${i}`;
    const k = JSON.stringify(key);
    lines.push(`{ const ${x} = ${v}[${k}]; if (${x} === undefined && !Object.hasOwn(${v}, ${k})) ${fail('is missing', `${path}.${key}`)}`);
    lines.push(`${emitAllocationFree(field, x, `${path}.${key}`, consts, depth + 1)} } ${n}++;`);
  });
  Object.entries(schema.optional ?? {}).forEach(([key, field], i) => {
    const x = `${v}_o${i}`;
    lines.push(`if (Object.hasOwn(${v}, ${JSON.stringify(key)})) { ${n}++; const ${x} = ${v}[${JSON.stringify(key)}]; if (${x} !== undefined) { ${emitAllocationFree(field, x, `${path}.${key}`, consts, depth + 1)} } }`);
  });
  const count = `k${depth}`;
  lines.push(
    `{ let ${count} = 0; for (const _ in ${v}) ${count}++; if (${count} !== ${n}) { for (const k of Object.keys(${v})) if (!c[${knownIndex}].has(k)) return [${JSON.stringify(path)} + '.' + k, 'is not a field of this message']; } }`,
  );
  return lines.join('\n');
}

const STREAM_VALIDATORS = Object.fromEntries(
  Object.entries(STREAM_SCHEMAS).map(([type, schema]) => {
    const consts: unknown[] = [];
    const body = `${emitAllocationFree(schema, 'v', '', consts, 0)}\nreturn null;`;
    return [type, new Function('c', `return function validate(v) {\n${body}\n};`)(consts) as Compiled];
  }),
) as Record<StreamEvent['type'], Compiled>;
const STREAM_TYPES_MESSAGE = `must be one of ${Object.keys(STREAM_SCHEMAS).join(', ')}`;

/**
 * Checks that `input` is exactly one of the in-band events (barrier, cancel marker, end of
 * partition, announcement): known `type`, every field present with the right type and range, no
 * extra field. Runs on every event of every input channel, so it allocates nothing when the event
 * is valid. Which channel it arrived on, and whether that channel may deliver now, is the task's
 * business, not this check's.
 * @param input - untrusted input.
 * @returns null when `input` is a valid in-band event, else a `malformed` rejection with the path
 * of the first problem (relative to the event).
 */
export function checkStreamEvent(input: unknown): Rejection | null {
  if (input === null || typeof input !== 'object' || Array.isArray(input)) return { code: 'malformed', path: '$', message: 'must be an object' };
  const type = (input as { type?: unknown }).type;
  if (typeof type !== 'string' || !Object.hasOwn(STREAM_VALIDATORS, type)) return { code: 'malformed', path: '$.type', message: STREAM_TYPES_MESSAGE };
  const problem = STREAM_VALIDATORS[type as StreamEvent['type']](input);
  return problem ? { code: 'malformed', path: `$${problem[0]}`, message: problem[1] } : null;
}

/**
 * Like {@link checkStreamEvent}, returning the event typed on success.
 * @param input - untrusted input.
 */
export function validateStreamEvent(input: unknown): Validated<StreamEvent> {
  const rejection = checkStreamEvent(input);
  return rejection ? { ok: false, rejection } : { ok: true, value: input as StreamEvent };
}
