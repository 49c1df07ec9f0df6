/**
 * Reads the shapes of persisted data (a completed checkpoint as the store keeps it, what a sink
 * puts in its snapshot) for the protocol image, as JSON would carry them: `toJSON` is followed,
 * methods are left out, records, tuples and general unions are allowed. Unlike the wire reader
 * it refuses nothing; what it cannot describe becomes `unknown` with the type's text.
 * @packageDocumentation
 */
import path from 'node:path';
import { Node } from 'ts-morph';
import type { Project, Symbol as MorphSymbol, Type } from 'ts-morph';
import { relativePath } from './_internals/docs.js';
import { GeneratorError } from './model.js';
import { cmp } from './read-types.js';

/** The JSON shape of a persisted value (the kinds shared with the wire schema are spelled alike). */
export type ShapeSchema =
  | { readonly kind: 'string' }
  | { readonly kind: 'number' }
  | { readonly kind: 'boolean' }
  | { readonly kind: 'literal'; readonly value: string | number | boolean }
  | { readonly kind: 'enum'; readonly values: readonly string[] }
  | { readonly kind: 'ref'; readonly name: string }
  | { readonly kind: 'object'; readonly fields: readonly ShapeField[] }
  | { readonly kind: 'nullable'; readonly inner: ShapeSchema }
  | { readonly kind: 'array'; readonly element: ShapeSchema }
  | { readonly kind: 'tuple'; readonly elements: readonly ShapeSchema[] }
  | { readonly kind: 'record'; readonly value: ShapeSchema }
  | { readonly kind: 'union'; readonly members: readonly ShapeSchema[] }
  | { readonly kind: 'unknown'; readonly text: string };

/** One field of a persisted object. */
export interface ShapeField {
  /** The property name. */
  readonly name: string;
  /** Declared with `?`. */
  readonly optional: boolean;
  /** Its shape. */
  readonly schema: ShapeSchema;
}

/** A named persisted type. */
export interface ShapeType {
  /** The file declaring it, relative to the root. */
  readonly source: string;
  /** Its fields (as JSON carries them), in declaration order. */
  readonly fields: readonly ShapeField[];
}

/** One persisted root: a name for it in the image, and where its type is. */
export interface PersistedSource {
  /** The name in the image, e.g. `completedCheckpoint`. */
  readonly name: string;
  /** The file, relative to the root. */
  readonly file: string;
  /** The interface or type alias. */
  readonly type: string;
}

/** The persisted part of the image. */
export interface PersistedImage {
  /** Root type names by root name. */
  readonly roots: Readonly<Record<string, string>>;
  /** Every named type reached, sorted by name. */
  readonly types: Readonly<Record<string, ShapeType>>;
}

/**
 * Reads the persisted roots and every named type they reach.
 * @param root - the repository root.
 * @param project - the ts-morph project.
 * @param sources - the roots.
 * @throws GeneratorError when a root type does not exist.
 */
export function readPersisted(root: string, project: Project, sources: readonly PersistedSource[]): PersistedImage {
  const types = new Map<string, ShapeType | null>();
  const roots: Record<string, string> = {};
  const named = (decl: Node, name: string, type: Type): string => {
    if (!types.has(name)) {
      types.set(name, null);
      types.set(name, { source: relativePath(root, decl.getSourceFile()), fields: fieldsOf(type, decl) });
    }
    return name;
  };
  const fieldsOf = (type: Type, at: Node): ShapeField[] =>
    type
      .getProperties()
      .filter((p) => !isMethod(p, at))
      .map((p) => ({ name: p.getName(), optional: p.isOptional(), schema: shapeOf(p.getTypeAtLocation(at), at, 0) }));
  const shapeOf = (type: Type, at: Node, depth: number): ShapeSchema => {
    if (depth > 16) return { kind: 'unknown', text: type.getText(at) };
    const json = toJsonType(type, at);
    if (json) return shapeOf(json, at, depth + 1);
    if (type.isString() || type.isTemplateLiteral()) return { kind: 'string' };
    if (type.isNumber()) return { kind: 'number' };
    if (type.isBoolean()) return { kind: 'boolean' };
    if (type.isStringLiteral() || type.isNumberLiteral()) return { kind: 'literal', value: type.getLiteralValue() as string | number };
    if (type.isBooleanLiteral()) return { kind: 'literal', value: type.getText() === 'true' };
    if (type.isUnion()) {
      const parts = type.getUnionTypes().filter((t) => !t.isUndefined());
      const rest = parts.filter((t) => !t.isNull());
      let inner: ShapeSchema;
      if (rest.length === 2 && rest.every((t) => t.isBooleanLiteral())) inner = { kind: 'boolean' };
      else if (rest.length > 1 && rest.every((t) => t.isStringLiteral())) inner = { kind: 'enum', values: rest.map((t) => t.getLiteralValue() as string).sort(cmp) };
      else if (rest.length === 1) inner = shapeOf(rest[0] as Type, at, depth + 1);
      else {
        const members = rest.map((t) => shapeOf(t, at, depth + 1));
        inner = { kind: 'union', members: members.sort((a, b) => cmp(JSON.stringify(a), JSON.stringify(b))) };
      }
      return parts.length > rest.length ? { kind: 'nullable', inner } : inner;
    }
    if (type.isTuple()) return { kind: 'tuple', elements: type.getTupleElements().map((t) => shapeOf(t, at, depth + 1)) };
    if (type.isArray() || type.isReadonlyArray()) {
      const element = type.getTypeArguments()[0];
      return { kind: 'array', element: element ? shapeOf(element, at, depth + 1) : { kind: 'unknown', text: type.getText(at) } };
    }
    if (type.isObject() && type.getCallSignatures().length === 0) {
      const index = type.getStringIndexType();
      if (index) return { kind: 'record', value: shapeOf(index, at, depth + 1) };
      const decl = type.getSymbol()?.getDeclarations()[0];
      if (decl && Node.isInterfaceDeclaration(decl) && !decl.getSourceFile().isDeclarationFile()) return { kind: 'ref', name: named(decl, decl.getName(), type) };
      const alias = type.getAliasSymbol()?.getDeclarations()[0];
      if (alias && Node.isTypeAliasDeclaration(alias) && alias.getTypeParameters().length === 0) return { kind: 'ref', name: named(alias, alias.getName(), type) };
      if (type.isAnonymous() || type.isIntersection()) return { kind: 'object', fields: fieldsOf(type, at) };
    }
    return { kind: 'unknown', text: type.getText(at) };
  };
  for (const s of sources) {
    const sf = project.addSourceFileAtPath(path.resolve(root, s.file));
    project.resolveSourceFileDependencies();
    const decl = sf.getInterface(s.type) ?? sf.getTypeAlias(s.type);
    if (!decl) throw new GeneratorError(`${s.file}: no interface or type alias ${s.type} (persisted root ${s.name})`);
    roots[s.name] = named(decl, s.type, decl.getType());
  }
  return {
    roots: Object.fromEntries(Object.entries(roots).sort(([a], [b]) => cmp(a, b))),
    types: Object.fromEntries([...types.entries()].sort(([a], [b]) => cmp(a, b)) as [string, ShapeType][]),
  };
}

/** Whether a property is a method (JSON leaves functions out). */
function isMethod(p: MorphSymbol, at: Node): boolean {
  const decl = p.getValueDeclaration();
  if (decl && (Node.isMethodSignature(decl) || Node.isMethodDeclaration(decl))) return true;
  return p.getTypeAtLocation(at).getCallSignatures().length > 0;
}

/** The return type of a `toJSON()` method, which is what JSON holds instead of the object. */
function toJsonType(type: Type, at: Node): Type | undefined {
  if (!type.isObject()) return undefined;
  const toJson = type.getProperty('toJSON');
  const signature = toJson?.getTypeAtLocation(at).getCallSignatures()[0];
  return signature?.getReturnType();
}
