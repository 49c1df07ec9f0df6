/**
 * fast-check arbitraries derived from the generator's own schema model: valid messages of every
 * type, and mutations of them (a field deleted, an extra field, a value replaced by junk, at any
 * depth), so the corpus follows the spec without a third hand-written schema.
 */
import fc from 'fast-check';
import type { ProtocolModel, TypeSchema } from '../../codegen/model.js';
import { interfaceOf } from '../../codegen/model.js';

const SAFE = Number.MAX_SAFE_INTEGER;

/**
 * Valid values of a schema.
 * @param model - the model (for named interfaces).
 * @param schema - the schema.
 */
export function valueOf(model: ProtocolModel, schema: TypeSchema): fc.Arbitrary<unknown> {
  switch (schema.kind) {
    case 'string':
      if (schema.format === 'base64') return fc.uint8Array({ maxLength: 24 }).map((b) => Buffer.from(b).toString('base64'));
      return schema.format === 'identifier' ? fc.string({ minLength: 1, maxLength: 12 }) : fc.string({ maxLength: 12 });
    case 'number':
      switch (schema.format) {
        case 'checkpointId':
          return fc.oneof(fc.integer({ min: 1, max: 1000 }), fc.integer({ min: 1, max: SAFE }));
        case 'checkpointIdOrNone':
          return fc.oneof(fc.constant(-1), fc.integer({ min: 1, max: SAFE }));
        case 'attempt':
        case 'index':
        case 'timestamp':
          return fc.oneof(fc.nat(100), fc.integer({ min: 0, max: SAFE }));
        case 'count':
          return fc.oneof(fc.nat(), fc.double({ min: 0, max: 1e15, noNaN: true }));
        case 'number':
          return fc.double({ noNaN: true, noDefaultInfinity: true });
      }
      break;
    case 'boolean':
      return fc.boolean();
    case 'literal':
      return fc.constant(schema.value);
    case 'enum':
      return fc.constantFrom(...schema.values);
    case 'ref':
      return objectOf(model, interfaceOf(model, schema.name).fields);
    case 'object':
      return objectOf(model, schema.fields);
    case 'nullable':
      return fc.option(valueOf(model, schema.inner), { nil: null });
    case 'array':
      return fc.array(valueOf(model, schema.element), { maxLength: 3 });
  }
  throw new Error(`no arbitrary for ${JSON.stringify(schema)}`);
}

function objectOf(model: ProtocolModel, fields: ProtocolModel['interfaces'][number]['fields']): fc.Arbitrary<unknown> {
  return fc.record(Object.fromEntries(fields.map((f) => [f.name, valueOf(model, f.schema)])), { requiredKeys: fields.filter((f) => !f.optional).map((f) => f.name) });
}

/**
 * A valid message of any of `types`.
 * @param model - the model.
 * @param types - message `type`s.
 */
export function messageOf(model: ProtocolModel, types: readonly string[]): fc.Arbitrary<Record<string, unknown>> {
  return fc.oneof(...types.map((t) => valueOf(model, { kind: 'ref', name: model.messages.find((m) => m.type === t)?.name as string }))) as fc.Arbitrary<Record<string, unknown>>;
}

/** Values that are wrong for most fields. */
export const junk: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom(null, undefined, '', 'x'.repeat(257), -1, 0, 1.5, -0.5, Number.NaN, Number.POSITIVE_INFINITY, 2 ** 53, true, [], {}, 'red', 'barrier'),
  fc.string({ maxLength: 4 }),
  fc.integer({ min: -3, max: 3 }),
  fc.double(),
  fc.anything({ maxDepth: 1 }),
);

/** Every path to an object inside `value` (the root included), as key lists. */
function objectPaths(value: unknown, at: string[] = []): string[][] {
  if (value === null || typeof value !== 'object') return [];
  const out = [at];
  for (const [k, v] of Object.entries(value)) out.push(...objectPaths(v, [...at, k]));
  return out;
}

function cloneWith(value: unknown, path: readonly string[], edit: (o: Record<string, unknown>) => void): unknown {
  const copy: unknown = structuredClone(value);
  let o = copy as Record<string, unknown>;
  for (const k of path) o = o[k] as Record<string, unknown>;
  edit(o);
  return copy;
}

/**
 * A valid message with one mutation somewhere: a key deleted, an extra key, or a value replaced.
 * @param message - arbitrary valid messages.
 */
export function mutated(message: fc.Arbitrary<Record<string, unknown>>): fc.Arbitrary<unknown> {
  return message.chain((m) => {
    const paths = objectPaths(m);
    return fc.tuple(fc.constantFrom(...paths), fc.nat(), fc.constantFrom('delete', 'extra', 'replace'), junk).map(([path, pick, how, value]) =>
      cloneWith(m, path, (o) => {
        const keys = Object.keys(o);
        const key = Array.isArray(o) || keys.length === 0 || how === 'extra' ? `extra${pick % 3}` : (keys[pick % keys.length] as string);
        if (how === 'delete') delete o[key];
        else o[key] = value;
      }),
    );
  });
}
