/**
 * Turns TypeScript types (through ts-morph's type checker) into the schema model: interfaces,
 * string literals and their unions, nested interfaces, `T | null`, optional fields, arrays, and
 * the named aliases fields are written with. Anything else is refused with the field's location.
 * @packageDocumentation
 */
import { Node } from 'ts-morph';
import type { InterfaceDeclaration, Type, TypeAliasDeclaration, TypeNode } from 'ts-morph';
import { docOf, locationOf, relativePath } from './_internals/docs.js';
import { isNumberFormat, isStringFormat } from './formats.js';
import type { AliasDef, FieldSchema, InterfaceDef, NumberFormat, StringFormat, TypeSchema } from './model.js';
import { GeneratorError } from './model.js';

/** Format rules by alias name and by field name (see `formats.ts`). */
export interface FormatRules {
  /** Format by the alias a field is written with. */
  readonly byAlias: Readonly<Record<string, StringFormat | NumberFormat>>;
  /** Format by property name. */
  readonly byField: Readonly<Record<string, StringFormat | NumberFormat>>;
}

/** Where a schema is being read, for formats and error messages. */
interface Site {
  /** `file:line` of the property (or alias). */
  readonly where: string;
  /** The property's name, when reading a property. */
  readonly field?: string;
  /** The property's `@format` tag, if any. */
  readonly fieldFormat?: string;
  /** The alias being read, with its `@format` tag (when reading an alias target). */
  readonly alias?: { readonly name: string; readonly format?: string };
}

/** Reads types into schemas, collecting every interface and alias it meets. */
export class TypeReader {
  private readonly interfaces = new Map<string, { def: InterfaceDef | null; decl: Node }>();
  private readonly aliases = new Map<string, { def: AliasDef; decl: Node }>();
  private readonly used = new Set<string>();

  /**
   * @param root - the repository root (for relative paths).
   * @param rules - format rules by alias and field name.
   */
  constructor(
    private readonly root: string,
    private readonly rules: FormatRules,
  ) {}

  /**
   * Reads an interface (once) and returns its name.
   * @param decl - the interface declaration.
   */
  readInterface(decl: InterfaceDeclaration | TypeAliasDeclaration): string {
    const name = decl.getName();
    const known = this.interfaces.get(name);
    if (known) {
      if (known.decl !== decl) throw new GeneratorError(`${locationOf(this.root, decl)}: a second type named ${name} (first at ${locationOf(this.root, known.decl)}); rename one`);
      return name;
    }
    if (decl.getTypeParameters().length > 0) throw new GeneratorError(`${locationOf(this.root, decl)}: generic type ${name} is not supported on the wire`);
    this.interfaces.set(name, { def: null, decl });
    const { doc, tags } = docOf(decl);
    const fields = this.fieldsOf(decl.getType(), decl, name);
    this.interfaces.set(name, { def: { name, source: relativePath(this.root, decl.getSourceFile()), doc, tags, fields }, decl });
    return name;
  }

  /** Every interface read, sorted by name. */
  interfaceDefs(): InterfaceDef[] {
    return [...this.interfaces.values()].map((e) => e.def as InterfaceDef).sort((a, b) => cmp(a.name, b.name));
  }

  /** Every alias read, sorted by name. */
  aliasDefs(): AliasDef[] {
    return [...this.aliases.values()].map((e) => e.def).sort((a, b) => cmp(a.name, b.name));
  }

  /** The format rules never applied (`alias:Name` or `field:name`). */
  unusedRules(): string[] {
    return [...Object.keys(this.rules.byAlias).map((k) => `alias:${k}`), ...Object.keys(this.rules.byField).map((k) => `field:${k}`)].filter((r) => !this.used.has(r)).sort();
  }

  private fieldsOf(type: Type, decl: Node, owner: string): FieldSchema[] {
    if (type.getStringIndexType() || type.getNumberIndexType()) throw new GeneratorError(`${locationOf(this.root, decl)}: ${owner} has an index signature; only fixed fields are supported`);
    return type.getProperties().map((prop) => {
      const valueDecl = prop.getValueDeclaration();
      if (!valueDecl || !Node.isPropertySignature(valueDecl)) {
        throw new GeneratorError(`${locationOf(this.root, decl)}: ${owner}.${prop.getName()} is not a property signature (methods are not supported)`);
      }
      const { doc, tags } = docOf(valueDecl);
      const site: Site = { where: locationOf(this.root, valueDecl), field: prop.getName(), fieldFormat: tags.find((t) => t.name === 'format')?.text };
      const optional = prop.isOptional();
      // `undefined` of an optional field is dropped by `unionOf`; `optional` records it.
      const schema = this.schemaOf(prop.getTypeAtLocation(decl), valueDecl.getTypeNode(), site);
      return { name: prop.getName(), optional, doc, schema };
    });
  }

  /**
   * The schema of a type, with the type node it was written as (when known) to see aliases.
   * @param type - the checker's type.
   * @param node - the type as written, or undefined.
   * @param site - where it is read.
   */
  schemaOf(type: Type, node: TypeNode | undefined, site: Site): TypeSchema {
    if (node && Node.isTypeReference(node)) {
      const decl = declarationOf(node);
      // Library and generic interfaces (`Map<K, V>`) are not wire types.
      if (decl && Node.isInterfaceDeclaration(decl) && (decl.getSourceFile().isDeclarationFile() || decl.getTypeParameters().length > 0)) throw this.unsupported(type, site);
      if (decl && Node.isInterfaceDeclaration(decl)) return { kind: 'ref', name: this.readInterface(decl) };
      // Generic aliases (`Extract<...>`) are read structurally: only plain names are kept.
      if (decl && Node.isTypeAliasDeclaration(decl) && decl.getTypeParameters().length === 0) return this.aliasUse(decl, site);
    }
    if (node && Node.isParenthesizedTypeNode(node)) return this.schemaOf(type, node.getTypeNode(), site);
    if (type.isString()) return { kind: 'string', format: this.format('string', undefined, site) as StringFormat };
    if (type.isNumber()) return { kind: 'number', format: this.format('number', undefined, site) as NumberFormat };
    if (type.isBoolean()) return { kind: 'boolean' };
    if (type.isStringLiteral()) return { kind: 'literal', value: type.getLiteralValue() as string };
    if (type.isUnion()) return this.unionOf(type, node, site);
    if (type.isArray() || type.isReadonlyArray()) {
      const element = type.getTypeArguments()[0];
      if (!element) throw new GeneratorError(`${site.where}: array without an element type`);
      return { kind: 'array', element: this.schemaOf(element, arrayElementNode(node), site) };
    }
    if (type.isObject() && type.getCallSignatures().length === 0) {
      const decl = type.getSymbol()?.getDeclarations()[0];
      if (decl && Node.isInterfaceDeclaration(decl)) return { kind: 'ref', name: this.readInterface(decl) };
      const aliasDecl = type.getAliasSymbol()?.getDeclarations()[0];
      if (aliasDecl && Node.isTypeAliasDeclaration(aliasDecl)) return { kind: 'ref', name: this.readInterface(aliasDecl) };
      if (type.isAnonymous() || type.isIntersection()) return { kind: 'object', fields: this.fieldsOf(type, node ?? (type.getSymbol()?.getDeclarations()[0] as Node), 'an object type') };
    }
    throw this.unsupported(type, site);
  }

  private unsupported(type: Type, site: Site): GeneratorError {
    return new GeneratorError(`${site.where}: type ${type.getText()} is not supported on the wire (use strings, numbers, booleans, string-literal unions, interfaces, arrays and T | null)`);
  }

  private unionOf(type: Type, node: TypeNode | undefined, site: Site): TypeSchema {
    const parts = type.getUnionTypes();
    const rest = parts.filter((t) => !t.isNull() && !t.isUndefined());
    const nullable = parts.some((t) => t.isNull());
    let inner: TypeSchema;
    if (rest.length === 2 && rest.every((t) => t.isBooleanLiteral())) inner = { kind: 'boolean' };
    else if (rest.length > 1 && rest.every((t) => t.isStringLiteral())) inner = { kind: 'enum', values: rest.map((t) => t.getLiteralValue() as string).sort(cmp) };
    else if (rest.length === 1) inner = this.schemaOf(rest[0] as Type, withoutNullNode(node), site);
    else throw new GeneratorError(`${site.where}: union ${type.getText()} is not supported on the wire (only string-literal unions and T | null)`);
    if (!nullable) return inner;
    return { kind: 'nullable', inner };
  }

  private aliasUse(decl: TypeAliasDeclaration, site: Site): TypeSchema {
    const name = decl.getName();
    const target = decl.getType();
    if (target.isObject() && !target.isArray() && !target.isReadonlyArray() && !target.isUnion()) {
      return this.schemaOf(target, decl.getTypeNode(), { where: locationOf(this.root, decl) });
    }
    const tagged = docOf(decl).tags.find((t) => t.name === 'format')?.text;
    const aliasSite: Site = { where: locationOf(this.root, decl), alias: { name, format: tagged } };
    let known = this.aliases.get(name);
    if (!known) {
      const schema = this.schemaOf(target, decl.getTypeNode(), aliasSite);
      if (schema.kind !== 'string' && schema.kind !== 'number' && schema.kind !== 'boolean' && schema.kind !== 'enum') {
        // Aliases of nullable or array types are inlined; only leaf aliases keep their name.
        return this.schemaOf(target, decl.getTypeNode(), site);
      }
      known = { def: { name, source: relativePath(this.root, decl.getSourceFile()), doc: docOf(decl).doc, target: schema }, decl };
      this.aliases.set(name, known);
    } else if (known.decl !== decl) {
      throw new GeneratorError(`${locationOf(this.root, decl)}: a second alias named ${name} (first at ${locationOf(this.root, known.decl)}); rename one`);
    }
    const t = known.def.target;
    if (t.kind === 'string') return { kind: 'string', format: this.format('string', { name, format: tagged }, site) as StringFormat, alias: name };
    if (t.kind === 'number') return { kind: 'number', format: this.format('number', { name, format: tagged }, site) as NumberFormat, alias: name };
    if (t.kind === 'boolean' || t.kind === 'enum') return { ...t, alias: name };
    throw new GeneratorError(`internal: alias ${name} has target ${t.kind}`);
  }

  /** Resolves a leaf's format by the rules of `formats.ts`. */
  private format(kind: 'string' | 'number', alias: { name: string; format?: string } | undefined, site: Site): StringFormat | NumberFormat {
    const a = alias ?? site.alias;
    const candidates: [string | undefined, string | undefined][] = [
      [site.fieldFormat, undefined],
      [a?.format, undefined],
      [a ? this.rules.byAlias[a.name] : undefined, a ? `alias:${a.name}` : undefined],
      [site.field !== undefined ? this.rules.byField[site.field] : undefined, site.field !== undefined ? `field:${site.field}` : undefined],
    ];
    for (const [format, rule] of candidates) {
      if (format === undefined) continue;
      const ok = kind === 'string' ? isStringFormat(format) : isNumberFormat(format);
      if (!ok) throw new GeneratorError(`${site.where}: format "${format}" is not a ${kind} format`);
      if (rule) this.used.add(rule);
      return format as StringFormat | NumberFormat;
    }
    return kind === 'string' ? 'identifier' : 'count';
  }
}

/** Code-unit order, for deterministic sorting. */
export function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** The declaration a type reference names, through imports. */
function declarationOf(node: TypeNode): Node | undefined {
  if (!Node.isTypeReference(node)) return undefined;
  let symbol = node.getTypeName().getSymbol();
  const aliased = symbol?.getAliasedSymbol();
  if (aliased) symbol = aliased;
  return symbol?.getDeclarations()[0];
}

/** `T` of `T | null` (or `null | T`) as written, when there is exactly one such member. */
function withoutNullNode(node: TypeNode | undefined): TypeNode | undefined {
  if (!node || !Node.isUnionTypeNode(node)) return node;
  const rest = node.getTypeNodes().filter((n) => !(Node.isLiteralTypeNode(n) && n.getText() === 'null') && n.getText() !== 'undefined');
  return rest.length === 1 ? rest[0] : undefined;
}

/** The element type node of `T[]` or `readonly T[]`. */
function arrayElementNode(node: TypeNode | undefined): TypeNode | undefined {
  if (!node) return undefined;
  if (Node.isTypeOperatorTypeNode(node)) return arrayElementNode(node.getTypeNode());
  if (Node.isArrayTypeNode(node)) return node.getElementTypeNode();
  return undefined;
}
