/**
 * Flattens a data schema (a message's wire schema or a persisted shape) into one entry per value
 * path, so the wire and the persisted data are compared by the same rules (`classify.ts`).
 * Paths: `$.field`, `$.list[]` (array elements), `$.pair[0]` (tuple elements), `$.map{}`
 * (record values). Named types are followed by name; a type met again on its own path stops there.
 * @packageDocumentation
 */

/** A schema node as both the wire schema and the persisted shapes spell it. */
export interface DataSchema {
  /** `string`, `number`, `boolean`, `literal`, `enum`, `ref`, `object`, `nullable`, `array`, `tuple`, `record`, `union`, `unknown`. */
  readonly kind: string;
  /** String and number refinements (wire only). */
  readonly format?: string;
  /** A literal's value. */
  readonly value?: unknown;
  /** An enum's values. */
  readonly values?: readonly string[];
  /** A ref's type name. */
  readonly name?: string;
  /** An object's fields. */
  readonly fields?: ReadonlyArray<DataField>;
  /** Nullable's inner schema. */
  readonly inner?: DataSchema;
  /** An array's element. */
  readonly element?: DataSchema;
  /** A tuple's elements. */
  readonly elements?: readonly DataSchema[];
  /** A union's members. */
  readonly members?: readonly DataSchema[];
  /** Unknown's type text. */
  readonly text?: string;
}

/** A field of an object schema. */
export interface DataField {
  /** Its name. */
  readonly name: string;
  /** Declared with `?`. */
  readonly optional: boolean;
  /** Its schema. */
  readonly schema: DataSchema;
}

/** One value path. */
export interface FlatEntry {
  /** The field may be absent. */
  readonly optional: boolean;
  /** The value may be null. */
  readonly nullable: boolean;
  /** The base kind: `string`, `number`, `boolean`, `literal`, `enum`, `object`, `array`, `tuple(n)`, `record`, `union`, `unknown`. */
  readonly kind: string;
  /** The refinement (a string or number format, a literal value, an unknown type's text), or empty. */
  readonly detail: string;
  /** Enum values and union members (as JSON), sorted; empty otherwise. */
  readonly values: readonly string[];
}

/** Every path of a value, in a stable order. */
export type FlatShape = ReadonlyMap<string, FlatEntry>;

/**
 * Flattens the fields of a named or inline object.
 * @param fields - the top-level fields.
 * @param resolve - the fields of a named type (undefined when unknown).
 */
export function flattenFields(fields: readonly DataField[], resolve: (name: string) => readonly DataField[] | undefined): FlatShape {
  const out = new Map<string, FlatEntry>();
  const visit = (schema: DataSchema, at: string, optional: boolean, nullable: boolean, seen: readonly string[]): void => {
    switch (schema.kind) {
      case 'nullable':
        return visit(schema.inner as DataSchema, at, optional, true, seen);
      case 'ref': {
        const name = schema.name as string;
        out.set(at, { optional, nullable, kind: 'object', detail: '', values: [] });
        if (seen.includes(name)) return;
        for (const f of resolve(name) ?? []) visit(f.schema, `${at}.${f.name}`, f.optional, false, [...seen, name]);
        return;
      }
      case 'object':
        out.set(at, { optional, nullable, kind: 'object', detail: '', values: [] });
        for (const f of schema.fields ?? []) visit(f.schema, `${at}.${f.name}`, f.optional, false, seen);
        return;
      case 'array':
        out.set(at, { optional, nullable, kind: 'array', detail: '', values: [] });
        return visit(schema.element as DataSchema, `${at}[]`, false, false, seen);
      case 'tuple': {
        const elements = schema.elements ?? [];
        out.set(at, { optional, nullable, kind: `tuple(${elements.length})`, detail: '', values: [] });
        elements.forEach((e, i) => visit(e, `${at}[${i}]`, false, false, seen));
        return;
      }
      case 'record':
        out.set(at, { optional, nullable, kind: 'record', detail: '', values: [] });
        return visit((schema as { value?: DataSchema }).value as DataSchema, `${at}{}`, false, false, seen);
      case 'enum':
        out.set(at, { optional, nullable, kind: 'enum', detail: '', values: [...(schema.values ?? [])].sort() });
        return;
      case 'union':
        out.set(at, { optional, nullable, kind: 'union', detail: '', values: (schema.members ?? []).map((m) => JSON.stringify(m)).sort() });
        return;
      case 'literal':
        out.set(at, { optional, nullable, kind: 'literal', detail: JSON.stringify(schema.value), values: [] });
        return;
      case 'unknown':
        out.set(at, { optional, nullable, kind: 'unknown', detail: schema.text ?? '', values: [] });
        return;
      default:
        out.set(at, { optional, nullable, kind: schema.kind, detail: schema.format ?? '', values: [] });
    }
  };
  for (const f of fields) visit(f.schema, `$.${f.name}`, f.optional, false, []);
  return out;
}
