/**
 * Reads the public API surface for the protocol image: every symbol the package's entry points
 * export, with its kind and a normalized signature (comments removed, whitespace collapsed, no
 * function bodies, no private members; a constant without a type annotation by its initializer).
 * The audit's SOURCE category diffs it.
 * @packageDocumentation
 */
import path from 'node:path';
import { Node, ts, TypeFormatFlags } from 'ts-morph';
import type { ClassDeclaration, FunctionDeclaration, ParameterDeclaration, Project, Type } from 'ts-morph';
import { locationOf, relativePath } from './_internals/docs.js';
import { GeneratorError } from './model.js';
import { cmp } from './read-types.js';

/** One exported symbol. */
export interface ApiSymbol {
  /** The declaration kind, e.g. `function`, `interface`, `class`, `type`, `const`, `enum`. */
  readonly kind: string;
  /** The normalized signature. */
  readonly signature: string;
  /** The file declaring it, relative to the root. */
  readonly source: string;
  /** The entry points (package export paths) exporting it, sorted. */
  readonly entries: readonly string[];
}

/** The API surface: symbols by exported name, sorted. */
export type ApiImage = Readonly<Record<string, ApiSymbol>>;

/** Inferred types and initializers longer than this are recorded by hash: their text is not meant for people. */
const MAX_INFERRED = 400;

const printer = ts.createPrinter({ removeComments: true, omitTrailingSemicolon: true });
const FLAGS = TypeFormatFlags.NoTruncation | TypeFormatFlags.UseAliasDefinedOutsideCurrentScope;

/**
 * Reads the API surface of the entry points.
 * @param root - the repository root.
 * @param project - the ts-morph project.
 * @param entries - entry file (relative to the root) by package export path, e.g. `{ '.': 'index.ts' }`.
 * @throws GeneratorError when two entries export different declarations under one name.
 */
export function readApi(root: string, project: Project, entries: Readonly<Record<string, string>>): ApiImage {
  const out = new Map<string, { symbol: Omit<ApiSymbol, 'entries'>; decl: Node; entries: string[] }>();
  for (const [entry, file] of Object.entries(entries).sort(([a], [b]) => cmp(a, b))) {
    const sf = project.addSourceFileAtPath(path.resolve(root, file));
    project.resolveSourceFileDependencies();
    for (const [name, decls] of sf.getExportedDeclarations()) {
      const decl = decls[0];
      if (!decl) continue;
      const known = out.get(name);
      if (known) {
        if (known.decl !== decl) throw new GeneratorError(`${locationOf(root, decl)}: ${name} is exported by two entries as different declarations (also ${locationOf(root, known.decl)})`);
        known.entries.push(entry);
        continue;
      }
      out.set(name, { symbol: { kind: kindOf(decl), signature: signatureOf(decl, decls), source: relativePath(root, decl.getSourceFile()) }, decl, entries: [entry] });
    }
  }
  return Object.fromEntries([...out.entries()].sort(([a], [b]) => cmp(a, b)).map(([name, e]) => [name, { ...e.symbol, entries: e.entries }]));
}

function kindOf(decl: Node): string {
  if (Node.isFunctionDeclaration(decl)) return 'function';
  if (Node.isClassDeclaration(decl)) return 'class';
  if (Node.isInterfaceDeclaration(decl)) return 'interface';
  if (Node.isTypeAliasDeclaration(decl)) return 'type';
  if (Node.isEnumDeclaration(decl)) return 'enum';
  if (Node.isVariableDeclaration(decl)) return decl.getVariableStatement()?.getDeclarationKind() ?? 'const';
  return decl.getKindName();
}

/** The node printed without comments, whitespace collapsed. */
function printed(node: Node): string {
  return collapse(printer.printNode(ts.EmitHint.Unspecified, node.compilerNode, node.getSourceFile().compilerNode));
}

function collapse(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}

function typeText(type: Type, at: Node): string {
  return shortOrHashed(collapse(type.getText(at, FLAGS)), 'inferred');
}

/** The text itself when short, else its length and hash (long inferred text is not for people). */
function shortOrHashed(text: string, what: string): string {
  return text.length <= MAX_INFERRED ? text : `<${what}, ${text.length} characters, ${hash(text)}>`;
}

/** FNV-1a, 32 bits, as 8 hex digits: enough to see that a long inferred type changed. */
function hash(text: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h.toString(16).padStart(8, '0');
}

function signatureOf(decl: Node, decls: readonly Node[]): string {
  if (Node.isFunctionDeclaration(decl)) {
    const overloads = decl.getOverloads();
    return (overloads.length > 0 ? overloads : [decl]).map((f) => `function ${functionSignature(f)}`).join('; ');
  }
  if (Node.isClassDeclaration(decl)) return classSignature(decl);
  if (Node.isVariableDeclaration(decl)) {
    const annotation = decl.getTypeNode();
    if (annotation) return `${decl.getName()}: ${printed(annotation)}`;
    // Without an annotation the type is inferred from the initializer; asking the checker for it
    // costs seconds for a machine, so the initializer stands for it.
    const init = decl.getInitializer();
    return `${decl.getName()} = ${init ? shortOrHashed(printed(init), 'initializer') : typeText(decl.getType(), decl)}`;
  }
  // Interfaces merged across declarations, type aliases, enums: their text without comments.
  return decls.map((d) => printed(d).replace(/^export (default )?/, '')).join(' ');
}

function parameters(params: readonly ParameterDeclaration[]): string {
  return params
    .map((p) => {
      const node = p.getTypeNode();
      const optional = p.hasQuestionToken() || p.hasInitializer();
      return `${p.isRestParameter() ? '...' : ''}${p.getName()}${optional ? '?' : ''}: ${node ? printed(node) : typeText(p.getType(), p)}`;
    })
    .join(', ');
}

function typeParameters(node: { getTypeParameters(): readonly Node[] }): string {
  const tps = node.getTypeParameters();
  return tps.length > 0 ? `<${tps.map(printed).join(', ')}>` : '';
}

function functionSignature(f: FunctionDeclaration | (Node & { getParameters(): ParameterDeclaration[]; getReturnTypeNode(): Node | undefined; getReturnType(): Type; getTypeParameters(): Node[] }), name?: string): string {
  const ret = f.getReturnTypeNode();
  const fname = name ?? (Node.isFunctionDeclaration(f) ? (f.getName() ?? 'default') : '');
  return `${fname}${typeParameters(f)}(${parameters(f.getParameters())}): ${ret ? printed(ret) : typeText(f.getReturnType(), f)}`;
}

function isPublic(member: Node): boolean {
  if (Node.isModifierable(member) && (member.hasModifier(ts.SyntaxKind.PrivateKeyword) || member.hasModifier(ts.SyntaxKind.ProtectedKeyword))) return false;
  const name = (member as { getName?: () => string }).getName?.();
  return !(typeof name === 'string' && name.startsWith('#'));
}

function classSignature(c: ClassDeclaration): string {
  const heritage = c.getHeritageClauses().map(printed).join(' ');
  const members: string[] = [];
  for (const ctor of c.getConstructors()) {
    if (isPublic(ctor)) members.push(`constructor(${parameters(ctor.getParameters())})`);
    for (const p of ctor.getParameters()) if (p.isParameterProperty() && isPublic(p)) members.push(`${p.isReadonly() ? 'readonly ' : ''}${p.getName()}: ${typeText(p.getType(), p)}`);
  }
  for (const m of c.getMembers()) {
    if (!isPublic(m) || Node.isConstructorDeclaration(m)) continue;
    const stat = Node.isStaticable(m) && m.isStatic() ? 'static ' : '';
    if (Node.isMethodDeclaration(m)) {
      const overloads = m.getOverloads();
      for (const f of overloads.length > 0 ? overloads : [m]) members.push(`${stat}${functionSignature(f, m.getName())}`);
    } else if (Node.isPropertyDeclaration(m)) {
      const node = m.getTypeNode();
      members.push(`${stat}${m.isReadonly() ? 'readonly ' : ''}${m.getName()}${m.hasQuestionToken() ? '?' : ''}: ${node ? printed(node) : typeText(m.getType(), m)}`);
    } else if (Node.isGetAccessorDeclaration(m)) {
      const node = m.getReturnTypeNode();
      members.push(`${stat}get ${m.getName()}(): ${node ? printed(node) : typeText(m.getReturnType(), m)}`);
    } else if (Node.isSetAccessorDeclaration(m)) {
      members.push(`${stat}set ${m.getName()}(${parameters(m.getParameters())})`);
    }
  }
  const abstract = c.isAbstract() ? 'abstract ' : '';
  return `${abstract}class ${c.getName() ?? 'default'}${typeParameters(c)}${heritage ? ` ${heritage}` : ''} { ${members.join('; ')} }`;
}
