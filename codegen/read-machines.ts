/**
 * Reads the machines for the protocol image: their event and command types (with ts-morph: which
 * protocol messages each event or command carries) and their statecharts (by importing the machine
 * and walking xstate's state nodes: states, transitions, guards, actions).
 * @packageDocumentation
 */
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { Node } from 'ts-morph';
import type { Project, SourceFile, Type, TypeNode } from 'ts-morph';
import { and, not, or, stateIn } from 'xstate';
import { docOf, leadingDocText, locationOf } from './_internals/docs.js';
import type { ProtocolModel } from './model.js';
import { GeneratorError } from './model.js';
import { cmp } from './read-types.js';

/** Where one machine and its types are. */
export interface MachineSource {
  /** The role, e.g. `coordinator`; the key in the image. */
  readonly role: string;
  /** The module exporting the machine, relative to the root. */
  readonly module: string;
  /** The export name of the machine. */
  readonly exportName: string;
  /** The union alias of its events: file (relative to the root), alias name, discriminant field. */
  readonly events: { readonly file: string; readonly type: string; readonly discriminant: string };
  /** The union alias of its commands. */
  readonly commands: { readonly file: string; readonly type: string; readonly discriminant: string };
  /** The command that arms a timer and its field naming the timer; when given, the image lists the timers. */
  readonly timers?: { readonly command: string; readonly field: string };
}

/** How an event or command carries a message. */
export interface Carry {
  /** The message `type`. */
  readonly message: string;
  /**
   * `$` when it is the message itself, `$.field` / `$.field[]` when a field holds it, `name` when
   * its discriminant is `<prefix>.<message type>`, `doc` when its doc comment says "Send `type`".
   */
  readonly via: string;
}

/** One member of an event or command union. */
export interface UnionMemberImage {
  /** The discriminant value. */
  readonly name: string;
  /** Its doc comment's first line. */
  readonly summary: string;
  /** The messages it carries, sorted by message then path. */
  readonly carries: readonly Carry[];
}

/** A guard as data: a name, a combinator, or `<inline>`. */
export type GuardImage = string | { readonly and: readonly GuardImage[] } | { readonly or: readonly GuardImage[] } | { readonly not: GuardImage } | { readonly stateIn: unknown };

/** One transition. */
export interface TransitionImage {
  /** The guard, or null. */
  readonly guard: GuardImage | null;
  /** Target state ids (empty: a self-transition without exit). */
  readonly target: readonly string[];
  /** Action names (`<inline>` for anonymous functions, `xstate.*` for built-ins). */
  readonly actions: readonly string[];
  /** Whether the transition re-enters its source. */
  readonly reenter: boolean;
}

/** One state node. */
export interface StateImage {
  /** `atomic`, `compound`, `parallel`, `final` or `history`. */
  readonly type: string;
  /** Its description, or null. */
  readonly description: string | null;
  /** The initial child's id (compound states), or null. */
  readonly initial: string | null;
  /** Child state ids, in definition order. */
  readonly children: readonly string[];
  /** Entry actions. */
  readonly entry: readonly string[];
  /** Exit actions. */
  readonly exit: readonly string[];
  /** Transitions by event type, each list in priority order. */
  readonly on: Readonly<Record<string, readonly TransitionImage[]>>;
  /** Eventless transitions, in priority order. */
  readonly always: readonly TransitionImage[];
  /** Messages whose events have a transition here or in an ancestor, sorted. */
  readonly accepts: readonly string[];
  /** Messages the role may emit while here (an over-approximation, see the image's notes), sorted. */
  readonly emits: readonly string[];
}

/** One machine in the image. */
export interface MachineImage {
  /** The machine id. */
  readonly id: string;
  /** The module it was read from. */
  readonly source: string;
  /** The root's initial state id. */
  readonly initial: string | null;
  /** Events by discriminant. */
  readonly events: Readonly<Record<string, UnionMemberImage>>;
  /** Commands by discriminant. */
  readonly commands: Readonly<Record<string, UnionMemberImage>>;
  /** Every message some event carries, sorted. */
  readonly accepts: readonly string[];
  /** Every message some command carries, sorted. */
  readonly emits: readonly string[];
  /** Every state node by id. */
  readonly states: Readonly<Record<string, StateImage>>;
  /** The timers the machine arms (a timer's `kind`, or its type as written), sorted; when configured. */
  readonly timers?: readonly string[];
}

/**
 * Reads one machine.
 * @param root - the repository root.
 * @param project - the ts-morph project (the spec's, so message symbols are shared).
 * @param model - the message model.
 * @param source - where the machine is.
 */
export async function readMachine(root: string, project: Project, model: ProtocolModel, source: MachineSource): Promise<MachineImage> {
  const messageTypes = messageTypeIndex(project, root, model);
  const events = readUnion(root, project, source.events, messageTypes, model);
  const commands = readUnion(root, project, source.commands, messageTypes, model);
  const mod = (await import(pathToFileURL(path.resolve(root, source.module)).href)) as Record<string, unknown>;
  const machine = mod[source.exportName] as { root?: StateNodeLike } | undefined;
  if (!machine?.root) throw new GeneratorError(`${source.module}: no xstate machine exported as ${source.exportName}`);
  // A role accepts what it receives and emits what it sends: a command that hands a message back
  // to the environment (`continueBatch`) carries it without sending it.
  const receives = (type: string) => model.messages.some((m) => m.type === type && m.direction.endsWith(`-to-${source.role}`));
  const sends = (type: string) => model.messages.some((m) => m.type === type && m.direction.startsWith(`${source.role}-to-`));
  const accepted = (e: UnionMemberImage | undefined) => (e?.carries ?? []).map((c) => c.message).filter(receives);
  const accepts = sortedUnique(Object.values(events).flatMap(accepted));
  const emits = sortedUnique(Object.values(commands).flatMap((c) => c.carries.map((x) => x.message)).filter(sends));
  const states: Record<string, StateImage> = {};
  walk(machine.root, [], (node, ancestors) => {
    const chain = [...ancestors, node];
    const handled = new Set(chain.flatMap((n) => [...n.transitions.keys()]));
    const acceptedEvents = handled.has('*') ? Object.keys(events) : [...handled];
    const hasEffects = chain.some((n) => [...n.transitions.values()].some((ts) => ts.some((t) => t.actions.length > 0))) || node.always?.some((t) => t.actions.length > 0) || node.entry.length > 0;
    states[node.id] = {
      type: node.type,
      description: node.description ?? null,
      initial: node.type === 'compound' ? (node.initial?.target?.[0]?.id ?? null) : null,
      children: Object.values(node.states).map((s) => s.id),
      entry: node.entry.map(actionName),
      exit: node.exit.map(actionName),
      on: Object.fromEntries([...node.transitions.entries()].map(([event, ts]) => [event, ts.map(transitionImage)])),
      always: (node.always ?? []).map(transitionImage),
      accepts: sortedUnique(acceptedEvents.flatMap((e) => accepted(events[e]))),
      emits: hasEffects ? emits : [],
    };
  });
  return {
    id: machine.root.id,
    source: source.module,
    initial: machine.root.initial?.target?.[0]?.id ?? null,
    events,
    commands,
    accepts,
    emits,
    states,
    ...(source.timers ? { timers: timerKinds(root, project, source.commands, source.timers) } : {}),
  };
}

/** The timers a machine's timer command names: each union member's `kind` literal, else its text. */
function timerKinds(root: string, project: Project, where: MachineSource['commands'], timers: NonNullable<MachineSource['timers']>): string[] {
  const sf = project.addSourceFileAtPath(path.resolve(root, where.file));
  const alias = sf.getTypeAliasOrThrow(where.type);
  const command = alias
    .getType()
    .getUnionTypes()
    .find((t) => t.getProperty(where.discriminant)?.getTypeAtLocation(alias).getLiteralValue() === timers.command);
  const field = command?.getProperty(timers.field)?.getTypeAtLocation(alias);
  if (!field) throw new GeneratorError(`${where.file}: ${where.type} has no member "${timers.command}" with a field ${timers.field}`);
  const kinds = (field.isUnion() ? field.getUnionTypes() : [field]).map((t) => {
    const kind = t.getProperty('kind')?.getTypeAtLocation(alias);
    if (kind?.isStringLiteral()) return kind.getLiteralValue() as string;
    return t.isStringLiteral() ? (t.getLiteralValue() as string) : t.getText(alias);
  });
  return sortedUnique(kinds);
}

/** The parts of xstate's StateNode the image reads. */
interface StateNodeLike {
  readonly id: string;
  readonly type: string;
  readonly description?: string;
  readonly states: Readonly<Record<string, StateNodeLike>>;
  readonly initial?: { readonly target?: readonly { readonly id: string }[] };
  readonly entry: readonly unknown[];
  readonly exit: readonly unknown[];
  readonly transitions: ReadonlyMap<string, readonly TransitionLike[]>;
  readonly always?: readonly TransitionLike[];
}

interface TransitionLike {
  readonly guard?: unknown;
  readonly target?: readonly { readonly id: string }[];
  readonly actions: readonly unknown[];
  readonly reenter: boolean;
}

function walk(node: StateNodeLike, ancestors: readonly StateNodeLike[], visit: (node: StateNodeLike, ancestors: readonly StateNodeLike[]) => void): void {
  visit(node, ancestors);
  for (const child of Object.values(node.states)) walk(child, [...ancestors, node], visit);
}

function transitionImage(t: TransitionLike): TransitionImage {
  return { guard: t.guard === undefined ? null : guardImage(t.guard), target: (t.target ?? []).map((s) => s.id), actions: t.actions.map(actionName), reenter: t.reenter };
}

/** The `check` functions xstate attaches to its guard combinators, to recognise them. */
const checkOf = (g: unknown): unknown => (g as { check?: unknown }).check;
const CHECKS = { and: checkOf(and([])), or: checkOf(or([])), not: checkOf(not('x')), stateIn: checkOf(stateIn({})) } as const;

function guardImage(g: unknown): GuardImage {
  if (typeof g === 'string') return g;
  if (typeof g === 'function') {
    const f = g as { check?: unknown; guards?: unknown[]; stateValue?: unknown };
    if (f.check === CHECKS.and) return { and: (f.guards ?? []).map(guardImage) };
    if (f.check === CHECKS.or) return { or: (f.guards ?? []).map(guardImage) };
    if (f.check === CHECKS.not) return { not: guardImage(f.guards?.[0]) };
    if (f.check === CHECKS.stateIn) return { stateIn: f.stateValue };
    return '<inline>';
  }
  if (g && typeof g === 'object' && typeof (g as { type?: unknown }).type === 'string') return (g as { type: string }).type;
  return '<inline>';
}

function actionName(a: unknown): string {
  if (typeof a === 'string') return a;
  const type = (a as { type?: unknown } | null)?.type;
  return typeof type === 'string' ? type : '<inline>';
}

function sortedUnique(xs: readonly string[]): string[] {
  return [...new Set(xs)].sort(cmp);
}

/** The message `type` of each message interface's type, by declaration node. */
function messageTypeIndex(project: Project, root: string, model: ProtocolModel): Map<Node, string> {
  const index = new Map<Node, string>();
  for (const file of model.sources) {
    const sf = project.getSourceFileOrThrow(path.resolve(root, file));
    for (const decl of sf.getInterfaces()) {
      const m = model.messages.find((x) => x.name === decl.getName());
      if (m) index.set(decl, m.type);
    }
  }
  return index;
}

interface Member {
  readonly node: TypeNode;
  readonly doc: string;
}

/** The members of a union alias as written, through aliases of unions, in source order. */
function unionMembers(node: TypeNode, previousEnd: number, sf: SourceFile, out: Member[]): void {
  if (Node.isUnionTypeNode(node)) {
    let end = node.getPos();
    for (const child of node.getTypeNodes()) {
      unionMembers(child, end, sf, out);
      end = child.getEnd();
    }
    return;
  }
  if (Node.isParenthesizedTypeNode(node) && Node.isUnionTypeNode(node.getTypeNode())) return unionMembers(node.getTypeNode(), previousEnd, sf, out);
  if (Node.isTypeReference(node)) {
    let symbol = node.getTypeName().getSymbol();
    symbol = symbol?.getAliasedSymbol() ?? symbol;
    const decl = symbol?.getDeclarations()[0];
    if (decl && Node.isTypeAliasDeclaration(decl)) {
      const inner = decl.getTypeNode();
      if (inner && Node.isUnionTypeNode(inner)) return unionMembers(inner, inner.getPos(), decl.getSourceFile(), out);
    }
    if (decl && (Node.isInterfaceDeclaration(decl) || Node.isTypeAliasDeclaration(decl))) {
      out.push({ node, doc: docOf(decl).doc });
      return;
    }
  }
  // A doc comment before the `|` of this member belongs to it.
  const between = sf.getFullText().slice(previousEnd, node.getStart());
  const docs = [...between.matchAll(/\/\*\*([\s\S]*?)\*\//g)];
  const last = docs[docs.length - 1];
  out.push({ node, doc: last ? last[1]!.split('\n').map((l) => l.replace(/^\s*\* ?/, '').trimEnd()).join('\n').trim() : leadingDocText(node) });
}

function readUnion(root: string, project: Project, where: MachineSource['events'], messageTypes: ReadonlyMap<Node, string>, model: ProtocolModel): Record<string, UnionMemberImage> {
  const sf = project.addSourceFileAtPath(path.resolve(root, where.file));
  project.resolveSourceFileDependencies();
  const alias = sf.getTypeAliasOrThrow(where.type);
  const typeNode = alias.getTypeNodeOrThrow();
  const members: Member[] = [];
  unionMembers(typeNode, typeNode.getPos(), sf, members);
  const out: Record<string, UnionMemberImage> = {};
  for (const { node, doc } of members) {
    const type = node.getType();
    const disc = type.getProperty(where.discriminant)?.getTypeAtLocation(node);
    if (!disc?.isStringLiteral()) throw new GeneratorError(`${locationOf(root, node)}: a member of ${where.type} has no string-literal \`${where.discriminant}\``);
    const name = disc.getLiteralValue() as string;
    if (out[name]) throw new GeneratorError(`${locationOf(root, node)}: ${where.type} has two members with ${where.discriminant} "${name}"`);
    out[name] = { name, summary: (doc.split(/\n\s*\n/)[0] ?? '').replace(/\s*\n\s*/g, ' '), carries: carriesOf(root, node, type, name, doc, messageTypes, model, where.discriminant) };
  }
  return Object.fromEntries(Object.entries(out).sort(([a], [b]) => cmp(a, b)));
}

function carriesOf(root: string, node: Node, type: Type, name: string, doc: string, messageTypes: ReadonlyMap<Node, string>, model: ProtocolModel, discriminant: string): Carry[] {
  const carries: Carry[] = [];
  const message = discriminant === 'type' ? model.messages.find((m) => m.type === name) : undefined;
  if (message) {
    const decl = [...messageTypes.entries()].find(([, t]) => t === name)?.[0];
    if (!decl || !type.isAssignableTo(decl.getType())) throw new GeneratorError(`${locationOf(root, node)}: event "${name}" has a message's type but is not assignable to ${message.name}`);
    carries.push({ message: name, via: '$' });
  }
  for (const prop of type.getProperties()) {
    const propType = prop.getTypeAtLocation(node);
    for (const [inner, suffix] of unwrap(propType)) {
      for (const t of inner.isUnion() ? inner.getUnionTypes() : [inner]) {
        const decl = t.getSymbol()?.getDeclarations()[0];
        const m = decl ? messageTypes.get(decl) : undefined;
        if (m) carries.push({ message: m, via: `$.${prop.getName()}${suffix}` });
      }
    }
  }
  // `stream.barrier` carries `barrier`: an event named `<prefix>.<message type>` stands for the message.
  const dot = name.lastIndexOf('.');
  if (dot > 0 && !message && model.messages.some((m) => m.type === name.slice(dot + 1))) carries.push({ message: name.slice(dot + 1), via: 'name' });
  for (const match of doc.matchAll(/\bSend `([A-Za-z0-9_]+)`/g)) {
    const m = model.messages.find((x) => x.type === match[1]);
    if (m) carries.push({ message: m.type, via: 'doc' });
  }
  return carries.sort((a, b) => cmp(a.message, b.message) || cmp(a.via, b.via));
}

/** A type without `null`/`undefined`, and the element type of arrays (with `[]`). */
function unwrap(type: Type): [Type, string][] {
  const parts = type.isUnion() ? type.getUnionTypes().filter((t) => !t.isNull() && !t.isUndefined()) : [type];
  const out: [Type, string][] = [];
  const rest: Type[] = [];
  for (const p of parts) {
    if (p.isArray() || p.isReadonlyArray()) {
      const element = p.getTypeArguments()[0];
      if (element) out.push([element, '[]']);
    } else rest.push(p);
  }
  if (rest.length === 1) out.push([rest[0] as Type, '']);
  else if (rest.length > 1) for (const r of rest) out.push([r, '']);
  return out;
}
