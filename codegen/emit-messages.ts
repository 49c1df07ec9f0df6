/**
 * Emits `messages.gen.ts`: the message types as generated interfaces (with the aliases and nested
 * interfaces they use), the message unions, and a descriptor per message (its doc tags as data).
 * @packageDocumentation
 */
import { StructureKind, VariableDeclarationKind } from 'ts-morph';
import type { Project } from 'ts-morph';
import { createOutputFile, jsDoc, outputText } from './_internals/output.js';
import { propName, str, typeText } from './_internals/ts-text.js';
import type { ProtocolModel } from './model.js';

/**
 * The text of `messages.gen.ts`.
 * @param project - the output project.
 * @param model - the model.
 * @param header - the file header.
 */
export function emitMessages(project: Project, model: ProtocolModel, header: readonly string[]): string {
  const file = createOutputFile(project, 'messages.gen.ts');
  for (const alias of model.aliases) {
    file.addTypeAlias({
      name: alias.name,
      isExported: true,
      type: typeText({ ...alias.target, alias: undefined } as typeof alias.target),
      docs: [jsDoc(alias.doc, [['generated', `from ${alias.source}#${alias.name}`]])],
    });
  }
  for (const def of model.interfaces) {
    file.addInterface({
      name: def.name,
      isExported: true,
      docs: [jsDoc(def.doc, [...def.tags.map((t) => [t.name, t.text] as const), ['generated', `from ${def.source}#${def.name}`]])],
      properties: def.fields.map((f) => ({
        kind: StructureKind.PropertySignature,
        name: propName(f.name),
        isReadonly: true,
        hasQuestionToken: f.optional,
        type: typeText(f.schema),
        docs: f.doc ? [jsDoc(f.doc)] : [],
      })),
    });
  }
  for (const union of model.unions) {
    const names = union.members.map((type) => model.messages.find((m) => m.type === type)?.name ?? type);
    file.addTypeAlias({
      name: union.name,
      isExported: true,
      type: names.join(' | '),
      docs: [jsDoc(union.doc, [['generated', union.synthesized ? 'by the generator: the messages of one channel' : `from ${union.source}#${union.name}`]])],
    });
  }
  file.addTypeAlias({
    name: 'MessageType',
    isExported: true,
    type: model.messages.map((m) => str(m.type)).join(' | '),
    docs: [jsDoc('The `type` of every message.')],
  });
  file.addInterface({
    name: 'MessageDescriptor',
    isExported: true,
    docs: [jsDoc('What the doc tags of a message say, as data.')],
    properties: [
      ['name', 'string', 'The interface name.'],
      ['direction', "'coordinator-to-task' | 'task-to-coordinator' | 'task-to-task'", 'Who sends it to whom (`@direction`).'],
      ['channel', "'control' | 'data'", 'The channel kind (`@channel`).'],
      ['delivery', "'at-most-once' | 'at-least-once' | 'ordered-exactly-once'", 'The weakest delivery the protocol tolerates (`@delivery`).'],
      ['idempotencyKey', 'readonly string[]', 'The field paths that identify the message (`@idempotencyKey`).'],
    ].map(([name, type, doc]) => ({ kind: StructureKind.PropertySignature, name: name as string, type: type as string, isReadonly: true, docs: [jsDoc(doc as string)] })),
  });
  file.addVariableStatement({
    isExported: true,
    declarationKind: VariableDeclarationKind.Const,
    docs: [jsDoc('The descriptor of every message, by `type`, in message order.')],
    declarations: [
      {
        name: 'MESSAGE_DESCRIPTORS',
        type: '{ readonly [K in MessageType]: MessageDescriptor }',
        initializer: (w) => {
          w.write('Object.freeze(').inlineBlock(() => {
            for (const m of model.messages) {
              w.writeLine(
                `${propName(m.type)}: { name: ${str(m.name)}, direction: ${str(m.direction)}, channel: ${str(m.channel)}, delivery: ${str(m.delivery)}, idempotencyKey: [${m.idempotencyKey.map(str).join(', ')}] },`,
              );
            }
          });
          w.write(')');
        },
      },
    ],
  });
  return outputText(file, header);
}
