/**
 * Emits `bindings/endpoints.gen.ts` (the typed endpoints every transport shares: per role and
 * channel kind, one `send` per message and one `subscribe` per received channel, encoding and
 * checking through the generated codecs) and one `bindings/<transport>.gen.ts` per transport kind
 * (its address templates, adapter constants and typed factories).
 * @packageDocumentation
 */
import { StructureKind, VariableDeclarationKind } from 'ts-morph';
import type { Project, SourceFile } from 'ts-morph';
import { createOutputFile, jsDoc, outputText } from './_internals/output.js';
import { isIdentifier, jsLiteral, str } from './_internals/ts-text.js';
import type { ChannelDef, ChannelKind, Delivery, Direction, MessageDef, ProtocolModel } from './model.js';
import { GeneratorError, interfaceOf } from './model.js';
import { pascal } from './read-spec.js';
import type { TransportSpec } from './transports.js';
import { ADDRESS_PARAMS, templateParams } from './transports.js';

/** A protocol role. */
export type Role = 'coordinator' | 'task';

const DELIVERIES: readonly Delivery[] = ['at-most-once', 'at-least-once', 'ordered-exactly-once'];

/** The sender and receiver roles of a direction. */
export function rolesOf(direction: Direction): { readonly sender: Role; readonly receiver: Role } {
  const [sender, receiver] = direction.split('-to-') as [Role, Role];
  return { sender, receiver };
}

/** One generated binding: a role's side of the channels of one kind. */
export interface BindingDef {
  /** The interface name, e.g. `CoordinatorControlBinding`. */
  readonly name: string;
  /** The role. */
  readonly role: Role;
  /** The channel kind. */
  readonly kind: ChannelKind;
  /** Channels the role sends on. */
  readonly sends: readonly ChannelDef[];
  /** Channels the role receives on. */
  readonly receives: readonly ChannelDef[];
  /** The strongest delivery any of those channels needs. */
  readonly delivery: Delivery;
}

/**
 * The bindings of a model: per role (in order of first appearance) and channel kind.
 * @param model - the model.
 */
export function bindingsOf(model: ProtocolModel): BindingDef[] {
  const roles: Role[] = [];
  const kinds: ChannelKind[] = [];
  for (const c of model.channels) {
    const { sender, receiver } = rolesOf(c.direction);
    for (const r of [sender, receiver]) if (!roles.includes(r)) roles.push(r);
    if (!kinds.includes(c.kind)) kinds.push(c.kind);
  }
  const out: BindingDef[] = [];
  for (const role of roles) {
    for (const kind of kinds) {
      const sends = model.channels.filter((c) => c.kind === kind && rolesOf(c.direction).sender === role);
      const receives = model.channels.filter((c) => c.kind === kind && rolesOf(c.direction).receiver === role);
      if (sends.length + receives.length === 0) continue;
      const delivery = [...sends, ...receives].map((c) => c.delivery).reduce((a, b) => (DELIVERIES.indexOf(b) > DELIVERIES.indexOf(a) ? b : a));
      out.push({ name: `${pascal(role)}${pascal(kind)}Binding`, role, kind, sends, receives, delivery });
    }
  }
  return out;
}

/** Module specifiers the bindings import. */
export interface BindingImports {
  /** `adapters/runtime/contract.ts`, relative to `bindings/`. */
  readonly contract: string;
  /** `codecs.gen.ts`, relative to `bindings/`. */
  readonly codecs: string;
  /** `messages.gen.ts`, relative to `bindings/`. */
  readonly messages: string;
}

/** How one address placeholder is filled when sending or subscribing. */
function paramSource(model: ProtocolModel, channel: ChannelDef, role: Role, param: string, action: 'send' | 'receive'): string {
  const everyMessageHas = (field: string) =>
    channel.messages.every((type) => interfaceOf(model, (model.messages.find((m) => m.type === type) as MessageDef).name).fields.some((f) => f.name === field && !f.optional));
  const needTaskConfig = () => {
    if (role !== 'task') throw new GeneratorError(`channel ${channel.id}: {${param}} needs the task's own id, but the ${role} ${action}s on it`);
    return 'config.taskId';
  };
  switch (param) {
    case 'jobId':
      return action === 'send' && everyMessageHas('jobId') ? 'message.jobId' : 'config.jobId';
    case 'taskId':
      if (action === 'send') return everyMessageHas('taskId') ? 'message.taskId' : 'to';
      return needTaskConfig();
    case 'fromTaskId':
      return action === 'send' ? needTaskConfig() : 'from';
    case 'toTaskId':
      return action === 'send' ? 'to' : needTaskConfig();
    default:
      throw new GeneratorError(`channel ${channel.id}: unknown address placeholder {${param}}; use ${ADDRESS_PARAMS.join(', ')}`);
  }
}

function channelArgs(model: ProtocolModel, channel: ChannelDef, role: Role, template: string, action: 'send' | 'receive'): { args: string[]; fill: string } {
  const sources = templateParams(template).map((p) => [p, paramSource(model, channel, role, p, action)] as const);
  const args = [...new Set(sources.map(([, s]) => s).filter((s) => s === 'to' || s === 'from'))];
  return { args, fill: `{ ${sources.map(([p, s]) => `${p}: ${s}`).join(', ')} }` };
}

function configType(role: Role): string {
  return role === 'task' ? '{ readonly jobId: string; readonly taskId: string }' : '{ readonly jobId: string }';
}

function messagesOf(model: ProtocolModel, channel: ChannelDef): MessageDef[] {
  return channel.messages.map((type) => model.messages.find((m) => m.type === type) as MessageDef);
}

/**
 * The text of `bindings/endpoints.gen.ts`.
 * @param project - the output project.
 * @param model - the model.
 * @param header - the file header.
 * @param imports - module specifiers.
 * @param template - the address templates of any one transport (placeholders are the same for all).
 */
export function emitEndpoints(project: Project, model: ProtocolModel, header: readonly string[], imports: BindingImports, template: TransportSpec): string {
  const file = createOutputFile(project, 'bindings/endpoints.gen.ts');
  const bindings = bindingsOf(model);
  const usedUnions = [...new Set(bindings.flatMap((b) => [...b.sends, ...b.receives].map((c) => c.union)))].sort();
  const usedMessages = [...new Set(bindings.flatMap((b) => [...b.sends, ...b.receives].flatMap((c) => messagesOf(model, c).map((m) => m.name))))].sort();
  for (const m of model.messages) {
    if (!isIdentifier(m.type) || m.type === 'rejected') throw new GeneratorError(`${m.name}: type "${m.type}" cannot name a handler method; use an identifier other than "rejected"`);
  }
  file.addImportDeclaration({ isTypeOnly: true, moduleSpecifier: imports.contract, namedImports: ['CONTRACT_VERSION', 'Rejection', 'Transport', 'TransportKind', 'Unsubscribe'] });
  file.addImportDeclaration({ moduleSpecifier: imports.contract, namedImports: ['fillAddress', 'requireTransport'] });
  const codecNames = usedUnions.flatMap((u) => [`decode${u}`, `encode${u}`]).sort();
  file.addImportDeclaration({ moduleSpecifier: imports.codecs, namedImports: codecNames });
  file.addImportDeclaration({ isTypeOnly: true, moduleSpecifier: imports.messages, namedImports: [...new Set([...usedMessages, ...usedUnions])].sort() });

  file.addVariableStatement({
    isExported: true,
    declarationKind: VariableDeclarationKind.Const,
    docs: [jsDoc('The version of the runtime contract (`adapters/runtime/contract.ts`) these bindings were generated for; `tsc` fails here when the contract changed.')],
    declarations: [{ name: 'GENERATED_FOR_CONTRACT', type: 'typeof CONTRACT_VERSION', initializer: '1' }],
  });
  file.addInterface({
    name: 'AddressTemplates',
    isExported: true,
    docs: [jsDoc('The address template of every logical channel on one transport (placeholders: see `codegen/transports.ts`).')],
    properties: model.channels.map((c) => ({ kind: StructureKind.PropertySignature, name: c.id, type: 'string', isReadonly: true, docs: [jsDoc(`The \`${c.id}\` channel (${c.kind}, ${c.direction}).`)] })),
  });
  for (const c of model.channels) {
    file.addInterface({
      name: `${pascal(c.id)}Handlers`,
      isExported: true,
      docs: [jsDoc(`Handlers for the messages arriving on the \`${c.id}\` channel.`)],
      methods: [
        ...messagesOf(model, c).map((m) => ({
          kind: StructureKind.MethodSignature as const,
          name: m.type,
          parameters: [{ name: 'message', type: m.name }],
          returnType: 'void | Promise<void>',
          docs: [jsDoc(`A valid \`${m.type}\` arrived.`)],
        })),
        {
          kind: StructureKind.MethodSignature as const,
          name: 'rejected',
          parameters: [
            { name: 'rejection', type: 'Rejection' },
            { name: 'bytes', type: 'Uint8Array' },
          ],
          returnType: 'void',
          docs: [jsDoc('Bytes arrived that are not a valid message of this channel; they changed nothing.')],
        },
      ],
    });
  }
  for (const b of bindings) addBinding(file, model, b, template);
  return outputText(file, header);
}

function sendName(b: BindingDef, c: ChannelDef): string {
  return b.sends.length === 1 ? 'send' : `send${pascal(c.id)}`;
}

function subscribeName(b: BindingDef, c: ChannelDef): string {
  return b.receives.length === 1 ? 'subscribe' : `subscribe${pascal(c.id)}`;
}

function addBinding(file: SourceFile, model: ProtocolModel, b: BindingDef, transport: TransportSpec): void {
  const methods = [];
  for (const c of b.sends) {
    const { args } = channelArgs(model, c, b.role, transport.addresses[c.direction], 'send');
    const params = [...args.map((a) => ({ name: a, type: 'string' })), { name: 'message', type: c.union }];
    methods.push({ kind: StructureKind.MethodSignature as const, name: sendName(b, c), parameters: params, returnType: 'Promise<void>', docs: [jsDoc(`Encodes and sends any message of the \`${c.id}\` channel.`)] });
    for (const m of messagesOf(model, c)) {
      methods.push({
        kind: StructureKind.MethodSignature as const,
        name: `send${m.name}`,
        parameters: [...args.map((a) => ({ name: a, type: 'string' })), { name: 'message', type: m.name }],
        returnType: 'Promise<void>',
        docs: [jsDoc(`Encodes and sends one \`${m.type}\` on the \`${c.id}\` channel.`)],
      });
    }
  }
  for (const c of b.receives) {
    const { args } = channelArgs(model, c, b.role, transport.addresses[c.direction], 'receive');
    methods.push({
      kind: StructureKind.MethodSignature as const,
      name: subscribeName(b, c),
      parameters: [...args.map((a) => ({ name: a, type: 'string' })), { name: 'handlers', type: `${pascal(c.id)}Handlers` }],
      returnType: 'Unsubscribe',
      docs: [jsDoc(`Receives the \`${c.id}\` channel: each arrival is decoded, checked and handed to its handler (or to \`rejected\`).`)],
    });
  }
  file.addInterface({
    name: b.name,
    isExported: true,
    docs: [jsDoc(`The ${b.role}'s side of the ${b.kind} channels: sends ${b.sends.map((c) => `\`${c.id}\``).join(', ') || 'nothing'}, receives ${b.receives.map((c) => `\`${c.id}\``).join(', ') || 'nothing'}.`)],
    methods,
  });
  file.addFunction({
    name: `create${b.name}`,
    isExported: true,
    docs: [
      jsDoc(`The ${b.role}'s ${b.kind} binding on \`transport\`. Transport-specific factories (\`bindings/<transport>.gen.ts\`) call this with their addresses.`, [
        ['param', 'transport - the transport runtime.'],
        ['param', 'kind - the transport kind the caller was generated for.'],
        ['param', 'addresses - that transport\'s address templates.'],
        ['param', `config - the ${b.role}'s identity.`],
        ['param', 'api - the public factory, named in errors.'],
        ['throws', `TypeError when the transport is of another kind or offers less than ${b.delivery} delivery.`],
      ]),
    ],
    parameters: [
      { name: 'transport', type: 'Transport' },
      { name: 'kind', type: 'TransportKind' },
      { name: 'addresses', type: 'AddressTemplates' },
      { name: 'config', type: configType(b.role) },
      { name: 'api', type: 'string' },
    ],
    returnType: b.name,
    statements: (w) => {
      w.writeLine(`requireTransport(transport, kind, ${str(b.delivery)}, api);`);
      for (const c of b.sends) {
        const { args, fill } = channelArgs(model, c, b.role, transport.addresses[c.direction], 'send');
        const params = [...args.map((a) => `${a}: string`), `message: ${c.union}`].join(', ');
        w.writeLine(`const send${pascal(c.id)} = (${params}): Promise<void> =>`);
        w.indent(() => w.writeLine(`transport.send({ channel: ${str(c.id)}, address: fillAddress(addresses.${c.id}, ${fill}) }, encode${c.union}(message));`));
      }
      w.write('return ').inlineBlock(() => {
        for (const c of b.sends) {
          w.writeLine(`${sendName(b, c)}: send${pascal(c.id)},`);
          for (const m of messagesOf(model, c)) w.writeLine(`send${m.name}: send${pascal(c.id)},`);
        }
        for (const c of b.receives) {
          const { args, fill } = channelArgs(model, c, b.role, transport.addresses[c.direction], 'receive');
          w.writeLine(`${subscribeName(b, c)}: (${[...args, 'handlers'].join(', ')}) =>`);
          w.indent(() => {
            w.write(`transport.subscribe({ channel: ${str(c.id)}, address: fillAddress(addresses.${c.id}, ${fill}) }, (bytes) => `).inlineBlock(() => {
              w.writeLine(`const decoded = decode${c.union}(bytes);`);
              w.writeLine('if (!decoded.ok) return handlers.rejected(decoded.rejection, bytes);');
              w.writeLine('const message = decoded.value;');
              w.write('switch (message.type)').block(() => {
                for (const m of messagesOf(model, c)) w.writeLine(`case ${str(m.type)}: return handlers.${m.type}(message);`);
              });
            });
            w.write('),').newLine();
          });
        }
      });
      w.write(';').newLine();
    },
  });
}

/**
 * The text of `bindings/<transport>.gen.ts`.
 * @param project - the output project.
 * @param model - the model.
 * @param header - the file header.
 * @param transport - the transport kind.
 * @param contract - module specifier of the runtime contract, relative to `bindings/`.
 */
export function emitTransportBinding(project: Project, model: ProtocolModel, header: readonly string[], transport: TransportSpec, contract: string): string {
  const file = createOutputFile(project, `bindings/${transport.kind}.gen.ts`);
  const bindings = bindingsOf(model);
  const upper = transport.kind.replace(/-/g, '_').toUpperCase();
  const an = /^[aeiou]/.test(transport.kind) ? 'an' : 'a';
  file.addImportDeclaration({ isTypeOnly: true, moduleSpecifier: contract, namedImports: ['Transport'] });
  file.addImportDeclaration({ moduleSpecifier: './endpoints.gen.js', namedImports: bindings.map((b) => `create${b.name}`) });
  file.addImportDeclaration({ isTypeOnly: true, moduleSpecifier: './endpoints.gen.js', namedImports: ['AddressTemplates', ...bindings.map((b) => b.name)].sort() });
  file.addVariableStatement({
    isExported: true,
    declarationKind: VariableDeclarationKind.Const,
    docs: [jsDoc(`The ${transport.kind} address template of every channel: ${transport.summary}.`)],
    declarations: [{ name: `${upper}_ADDRESSES`, type: 'AddressTemplates', initializer: `Object.freeze(${jsLiteral(Object.fromEntries(model.channels.map((c) => [c.id, transport.addresses[c.direction]])))})` }],
  });
  if (transport.channelInfo) {
    const info = transport.channelInfo;
    file.addVariableStatement({
      isExported: true,
      declarationKind: VariableDeclarationKind.Const,
      docs: [jsDoc(`What ${an} ${transport.kind} adapter needs per channel beyond the address (AsyncAPI binding fields).`)],
      declarations: [{ name: `${upper}_CHANNELS`, initializer: `Object.freeze(${jsLiteral(Object.fromEntries(model.channels.map((c) => [c.id, info[c.direction]])))} as const)` }],
    });
  }
  for (const b of bindings) {
    const api = `create${transport.stem}${b.name}`;
    file.addFunction({
      name: api,
      isExported: true,
      docs: [
        jsDoc(`The ${b.role}'s ${b.kind} binding over ${transport.kind} (${transport.summary}).`, [
          ['param', `transport - ${an} ${transport.kind} transport offering at least ${b.delivery} delivery.`],
          ['param', `config - the ${b.role}'s identity.`],
          ['throws', 'TypeError when the transport cannot carry the channels.'],
        ]),
      ],
      parameters: [
        { name: 'transport', type: 'Transport' },
        { name: 'config', type: configType(b.role) },
      ],
      returnType: b.name,
      statements: `return create${b.name}(transport, ${str(transport.kind)}, ${upper}_ADDRESSES, config, ${str(api)});`,
    });
  }
  return outputText(file, header);
}
