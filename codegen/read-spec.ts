/**
 * Reads the protocol's messages from spec source files: every exported interface with a
 * `@direction` tag is a message; its `@channel`, `@delivery` and `@idempotencyKey` tags are
 * required and checked. Exported union aliases whose members are all messages become unions.
 * @packageDocumentation
 */
import path from 'node:path';
import { Node, Project } from 'ts-morph';
import type { InterfaceDeclaration, SourceFile, Type } from 'ts-morph';
import { docOf, locationOf, relativePath } from './_internals/docs.js';
import { FORMAT_BY_ALIAS, FORMAT_BY_FIELD } from './formats.js';
import type { ChannelDef, ChannelKind, Delivery, Direction, InterfaceDef, MessageDef, ProtocolModel, UnionDef } from './model.js';
import { GeneratorError } from './model.js';
import type { FormatRules } from './read-types.js';
import { cmp, TypeReader } from './read-types.js';

const DIRECTIONS: readonly Direction[] = ['coordinator-to-task', 'task-to-coordinator', 'task-to-task'];
const CHANNELS: readonly ChannelKind[] = ['control', 'data'];
const DELIVERIES: readonly Delivery[] = ['at-most-once', 'at-least-once', 'ordered-exactly-once'];

/** What to read. */
export interface ReadSpecOptions {
  /** The repository root: paths in the model and in errors are relative to it. */
  readonly root: string;
  /** The message source files, relative to `root`, in output order. */
  readonly messageFiles: readonly string[];
  /** Format rules; defaults to the tables of `formats.ts`. Every rule must be used. */
  readonly formats?: FormatRules;
  /** A project to add the files to (shares the type checker with the machine reader). */
  readonly project?: Project;
}

/**
 * Creates the ts-morph project the generator reads with: the root's `tsconfig.json` options, no
 * files until added.
 * @param root - the repository root.
 */
export function createProject(root: string): Project {
  return new Project({ tsConfigFilePath: path.join(root, 'tsconfig.json'), skipAddingFilesFromTsConfig: true });
}

/**
 * Reads the model of the messages in `options.messageFiles`.
 * @param options - what to read.
 * @returns the model, every list in its documented order.
 * @throws GeneratorError naming the file and line of anything it cannot generate from.
 */
export function readSpec(options: ReadSpecOptions): { model: ProtocolModel; project: Project } {
  const { root } = options;
  const project = options.project ?? createProject(root);
  const files = options.messageFiles.map((f) => project.addSourceFileAtPath(path.resolve(root, f)));
  project.resolveSourceFileDependencies();
  const reader = new TypeReader(root, options.formats ?? { byAlias: FORMAT_BY_ALIAS, byField: FORMAT_BY_FIELD });

  const messageDecls = new Map<InterfaceDeclaration, MessageDef>();
  const messages: MessageDef[] = [];
  for (const file of files) {
    for (const decl of file.getInterfaces()) {
      const { tags } = docOf(decl);
      if (!tags.some((t) => t.name === 'direction')) continue;
      if (!decl.isExported()) throw new GeneratorError(`${locationOf(root, decl)}: message ${decl.getName()} must be exported`);
      reader.readInterface(decl);
      const message = readMessage(root, decl, tags);
      if (messages.some((m) => m.type === message.type)) throw new GeneratorError(`${locationOf(root, decl)}: a second message with type "${message.type}"`);
      messages.push(message);
      messageDecls.set(decl, message);
    }
  }
  if (messages.length === 0) throw new GeneratorError(`no message in ${options.messageFiles.join(', ')}: a message is an exported interface with a @direction tag`);

  const interfaces = reader.interfaceDefs();
  const resolved = messages.map((m) => ({ ...m, idempotencyKey: m.idempotencyKey.map((key) => resolveKeyPath(interfaces, m, key)) }));
  messages.splice(0, messages.length, ...resolved);

  const unions = readUnions(root, files, messageDecls, messages);
  const channels = channelsOf(messages, unions);
  const unused = reader.unusedRules();
  if (unused.length > 0) throw new GeneratorError(`format rules never used (remove them from codegen/formats.ts or the options): ${unused.join(', ')}`);
  return {
    project,
    model: {
      sources: options.messageFiles.map((f) => f.split(path.sep).join('/')),
      messages,
      interfaces,
      aliases: reader.aliasDefs(),
      unions,
      channels,
    },
  };
}

function readMessage(root: string, decl: InterfaceDeclaration, tags: readonly { name: string; text: string }[]): MessageDef {
  const where = locationOf(root, decl);
  const tag = <T extends string>(name: string, allowed: readonly T[] | null): T => {
    const found = tags.filter((t) => t.name === name);
    if (found.length !== 1) throw new GeneratorError(`${where}: message ${decl.getName()} needs exactly one @${name} tag`);
    const text = (found[0] as { text: string }).text;
    if (allowed && !allowed.includes(text as T)) throw new GeneratorError(`${where}: @${name} ${text} is not one of ${allowed.join(', ')}`);
    return text as T;
  };
  const typeProp = decl.getType().getProperty('type');
  const typeType = typeProp?.getTypeAtLocation(decl);
  if (!typeType?.isStringLiteral()) throw new GeneratorError(`${where}: message ${decl.getName()} needs a \`type\` property with a string-literal type`);
  const key = tag<string>('idempotencyKey', null);
  return {
    type: typeType.getLiteralValue() as string,
    name: decl.getName(),
    direction: tag('direction', DIRECTIONS),
    channel: tag('channel', CHANNELS),
    delivery: tag('delivery', DELIVERIES),
    idempotencyKey: key === 'none' ? [] : key.split(/\s+/).filter((k) => k.length > 0),
  };
}

/**
 * Resolves an `@idempotencyKey` entry to a field path: a dotted path is taken as written; a bare
 * name that is not a field of the message resolves to the one nested field of that name (e.g.
 * `checkpointId` of `EventAnnouncement` is `barrier.checkpointId`).
 */
function resolveKeyPath(interfaces: readonly InterfaceDef[], message: MessageDef, key: string): string {
  const byName = (name: string) => interfaces.find((i) => i.name === name);
  const paths: string[] = [];
  const walk = (def: InterfaceDef | undefined, prefix: string, depth: number): void => {
    for (const f of def?.fields ?? []) {
      const p = prefix + f.name;
      if (f.name === key || p === key) paths.push(p);
      const inner = f.schema.kind === 'nullable' ? f.schema.inner : f.schema;
      if (inner.kind === 'ref' && depth < 4) walk(byName(inner.name), `${p}.`, depth + 1);
    }
  };
  const top = byName(message.name);
  if (top?.fields.some((f) => f.name === key)) return key;
  walk(top, '', 0);
  if (paths.length === 1) return paths[0] as string;
  throw new GeneratorError(`${message.name}: @idempotencyKey names ${key}, which is ${paths.length === 0 ? 'not a field' : `ambiguous (${paths.join(', ')})`}; write the field path`);
}

function readUnions(root: string, files: readonly SourceFile[], messageDecls: ReadonlyMap<InterfaceDeclaration, MessageDef>, messages: readonly MessageDef[]): UnionDef[] {
  const order = (type: string) => messages.findIndex((m) => m.type === type);
  const unions: UnionDef[] = [];
  for (const file of files) {
    for (const alias of file.getTypeAliases()) {
      const type = alias.getType();
      if (!alias.isExported() || !type.isUnion()) continue;
      const members = type.getUnionTypes().map((t) => messageOfType(t, messageDecls));
      if (members.some((m) => m === undefined)) continue;
      unions.push({
        name: alias.getName(),
        source: relativePath(root, file),
        doc: docOf(alias).doc,
        members: (members as MessageDef[]).map((m) => m.type).sort((a, b) => order(a) - order(b)),
        synthesized: false,
      });
    }
  }
  return unions;
}

function messageOfType(type: Type, messageDecls: ReadonlyMap<InterfaceDeclaration, MessageDef>): MessageDef | undefined {
  const decl = type.getSymbol()?.getDeclarations()[0];
  return decl && Node.isInterfaceDeclaration(decl) ? messageDecls.get(decl) : undefined;
}

/**
 * `coordinator-to-task` → `coordinatorToTask`.
 * @param text - kebab-case text.
 */
export function camel(text: string): string {
  return text.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());
}

/**
 * `coordinatorToTask` → `CoordinatorToTask`.
 * @param text - camel-case text.
 */
export function pascal(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

function channelsOf(messages: readonly MessageDef[], unions: UnionDef[]): ChannelDef[] {
  const channels: ChannelDef[] = [];
  for (const m of messages) {
    const id = camel(m.direction);
    const existing = channels.find((c) => c.id === id);
    if (existing && existing.kind !== m.channel) throw new GeneratorError(`${m.name}: direction ${m.direction} is used on both ${existing.kind} and ${m.channel} channels; one channel per direction`);
    if (!existing) channels.push({ id, kind: m.channel, direction: m.direction, messages: [m.type], union: '', delivery: m.delivery });
    else
      channels[channels.indexOf(existing)] = {
        ...existing,
        messages: [...existing.messages, m.type],
        delivery: DELIVERIES.indexOf(m.delivery) > DELIVERIES.indexOf(existing.delivery) ? m.delivery : existing.delivery,
      };
  }
  return channels.map((c) => {
    const same = unions.find((u) => !u.synthesized && u.members.length === c.messages.length && [...u.members].sort(cmp).join() === [...c.messages].sort(cmp).join());
    if (same) return { ...c, union: same.name };
    const name = `${pascal(c.id)}Message`;
    if (unions.some((u) => u.name === name)) throw new GeneratorError(`a union named ${name} exists but does not hold exactly the messages of channel ${c.id}`);
    unions.push({ name, source: '', doc: `Every message of the ${c.id} channel.`, members: c.messages, synthesized: true });
    return { ...c, union: name };
  });
}
