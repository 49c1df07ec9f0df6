/**
 * JSON Schema (draft 7, the AsyncAPI schema format's base) of the schema model.
 * @packageDocumentation
 */
import { BOOLEAN_FORMAT, NUMBER_FORMATS, STRING_FORMATS } from './formats.js';
import type { FieldSchema, InterfaceDef, TypeSchema } from './model.js';

/** A JSON Schema object. */
export type JsonSchema = Readonly<Record<string, unknown>>;

/**
 * The JSON Schema of one value.
 * @param schema - the schema.
 * @param refBase - the JSON Pointer prefix named interfaces are referenced under, e.g. `#/components/schemas/`.
 */
export function jsonSchemaOf(schema: TypeSchema, refBase: string): JsonSchema {
  switch (schema.kind) {
    case 'string':
      return STRING_FORMATS[schema.format].jsonSchema;
    case 'number':
      return NUMBER_FORMATS[schema.format].jsonSchema;
    case 'boolean':
      return BOOLEAN_FORMAT.jsonSchema;
    case 'literal':
      return { type: 'string', const: schema.value };
    case 'enum':
      return { type: 'string', enum: schema.values };
    case 'ref':
      return { $ref: `${refBase}${schema.name}` };
    case 'object':
      return objectSchema(schema.fields, '', refBase);
    case 'nullable':
      return { oneOf: [jsonSchemaOf(schema.inner, refBase), { type: 'null' }] };
    case 'array':
      return { type: 'array', items: jsonSchemaOf(schema.element, refBase) };
  }
}

function objectSchema(fields: readonly FieldSchema[], description: string, refBase: string): JsonSchema {
  const properties: Record<string, JsonSchema> = {};
  for (const f of fields) {
    const inner = jsonSchemaOf(f.schema, refBase);
    // Siblings of $ref are ignored by draft 7, so a referenced field keeps no description.
    properties[f.name] = f.doc && !('$ref' in inner) ? { description: f.doc, ...inner } : inner;
  }
  return {
    type: 'object',
    ...(description ? { description } : {}),
    properties,
    required: fields.filter((f) => !f.optional).map((f) => f.name),
    additionalProperties: false,
  };
}

/**
 * The JSON Schema of a named interface.
 * @param def - the interface.
 * @param refBase - the JSON Pointer prefix of named interfaces.
 */
export function interfaceJsonSchema(def: InterfaceDef, refBase: string): JsonSchema {
  return objectSchema(def.fields, def.doc, refBase);
}
