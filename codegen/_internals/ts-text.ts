/**
 * Small printers for the pieces of TypeScript the ts-morph structures take as text: literals,
 * type expressions rendered from the schema model, doc text.
 * @packageDocumentation
 */
import type { TypeSchema } from '../model.js';

/**
 * A single-quoted string literal for `value`.
 * @param value - any string.
 */
export function str(value: string): string {
  return `'${JSON.stringify(value).slice(1, -1).replace(/\\"/g, '"').replace(/'/g, "\\'")}'`;
}

/**
 * Whether `name` can be written as an identifier (property name without quotes).
 * @param name - a property name.
 */
export function isIdentifier(name: string): boolean {
  return /^[A-Za-z_$][A-Za-z0-9_$]*$/.test(name);
}

/**
 * A property name as written in a type or object literal.
 * @param name - the property name.
 */
export function propName(name: string): string {
  return isIdentifier(name) ? name : str(name);
}

/**
 * The TypeScript type of a schema: alias and interface names where the spec used them.
 * @param schema - the schema.
 */
export function typeText(schema: TypeSchema): string {
  switch (schema.kind) {
    case 'string':
    case 'number':
    case 'boolean':
      return schema.alias ?? schema.kind;
    case 'literal':
      return str(schema.value);
    case 'enum':
      return schema.alias ?? schema.values.map(str).join(' | ');
    case 'ref':
      return schema.name;
    case 'object':
      return `{ ${schema.fields.map((f) => `readonly ${propName(f.name)}${f.optional ? '?' : ''}: ${typeText(f.schema)};`).join(' ')} }`;
    case 'nullable':
      return `${typeText(schema.inner)} | null`;
    case 'array': {
      const inner = typeText(schema.element);
      return `readonly ${/[|&]/.test(inner) && !inner.startsWith('{') ? `(${inner})` : inner}[]`;
    }
  }
}

/**
 * Doc text safe inside a `/** *\/` comment.
 * @param text - the text.
 */
export function docSafe(text: string): string {
  return text.replace(/\*\//g, '*\\/');
}

/**
 * A JavaScript literal for plain data (objects, arrays, strings, numbers, booleans, null), on one
 * line, with single-quoted strings.
 * @param value - JSON-like data.
 */
export function jsLiteral(value: unknown): string {
  if (value === null) return 'null';
  if (typeof value === 'string') return str(value);
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (Array.isArray(value)) return `[${value.map(jsLiteral).join(', ')}]`;
  if (typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined);
    return entries.length === 0 ? '{}' : `{ ${entries.map(([k, v]) => `${propName(k)}: ${jsLiteral(v)}`).join(', ')} }`;
  }
  throw new TypeError(`jsLiteral: cannot print ${typeof value}`);
}
