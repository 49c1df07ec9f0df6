/**
 * Emits `codecs.gen.ts`: per message and per message union a `check` (straight-line, allocation
 * free on success, `malformed` rejection with the exact `$.a.b` path of the first problem),
 * an `is` guard and a `validate` returning the typed value; per union also `encode`/`decode`
 * between messages and JSON bytes.
 *
 * The checks follow `spec/validate.ts` rule for rule (required fields in declaration order, then
 * optional ones, then extra fields), so the two agree on every input, paths included.
 * @packageDocumentation
 */
import { VariableDeclarationKind } from 'ts-morph';
import type { CodeBlockWriter, Project, SourceFile } from 'ts-morph';
import { createOutputFile, jsDoc, outputText } from './_internals/output.js';
import { str } from './_internals/ts-text.js';
import { BOOLEAN_FORMAT, NUMBER_FORMATS, STRING_FORMATS } from './formats.js';
import type { FieldSchema, InterfaceDef, MessageDef, ProtocolModel, TypeSchema } from './model.js';
import { GeneratorError, interfaceOf } from './model.js';

/** Where the generated codecs import the runtime contract from, and the message types. */
export interface CodecImports {
  /** Module specifier of `adapters/runtime/contract.ts`, relative to the output file. */
  readonly contract: string;
  /** Module specifier of `messages.gen.ts`. */
  readonly messages: string;
}

/** A path into the value: constant text and loop indices, rendered only when a check fails. */
type PathPart = { readonly text: string } | { readonly index: string };

/** The per-file state of the emitter: the constant sets it declared. */
interface CodecFile {
  readonly model: ProtocolModel;
  /** Set constants by name, with their values, in order of first use. */
  readonly sets: Map<string, readonly string[]>;
}

/**
 * The text of `codecs.gen.ts`.
 * @param project - the output project.
 * @param model - the model.
 * @param header - the file header.
 * @param imports - module specifiers.
 */
export function emitCodecs(project: Project, model: ProtocolModel, header: readonly string[], imports: CodecImports): string {
  const file = createOutputFile(project, 'codecs.gen.ts');
  const state: CodecFile = { model, sets: new Map() };
  const typeNames = [...new Set([...model.messages.map((m) => m.name), ...model.unions.map((u) => u.name)])].sort();
  file.addImportDeclaration({ isTypeOnly: true, moduleSpecifier: imports.contract, namedImports: ['Decoded', 'Rejection'] });
  file.addImportDeclaration({ isTypeOnly: true, moduleSpecifier: imports.messages, namedImports: typeNames });
  addHelpers(file);
  const firstSet = file.getStatements().length;
  for (const m of model.messages) addMessageCodec(file, state, m);
  for (const u of model.unions) addUnionCodec(file, model, u.name, u.members, u.synthesized ? 'the generator (channel union)' : `${u.source}#${u.name}`);
  // Constant sets go before the functions that use them, in order of first use.
  let index = firstSet;
  for (const [name, values] of state.sets) {
    file.insertVariableStatement(index++, {
      declarationKind: VariableDeclarationKind.Const,
      declarations: [{ name, type: 'ReadonlySet<string>', initializer: `new Set([${values.map(str).join(', ')}])` }],
    });
  }
  return outputText(file, header);
}

function addHelpers(file: SourceFile): void {
  file.addFunction({
    name: 'malformed',
    docs: [jsDoc('A `malformed` rejection at `path`.')],
    parameters: [
      { name: 'path', type: 'string' },
      { name: 'message', type: 'string' },
    ],
    returnType: 'Rejection',
    statements: "return { code: 'malformed', path, message };",
  });
  file.addFunction({
    name: 'isRecord',
    docs: [jsDoc('Whether `v` is a non-null, non-array object.')],
    parameters: [{ name: 'v', type: 'unknown' }],
    returnType: 'v is { readonly [key: string]: unknown }',
    statements: "return v !== null && typeof v === 'object' && !Array.isArray(v);",
  });
  file.addFunction({
    name: 'ownKeyCount',
    docs: [
      jsDoc(
        'The number of enumerable keys of `v`, without allocating (`Object.keys` allocates). Inherited keys count too: they only send the check to `extraField`, which looks at own keys, so they never change the verdict.',
      ),
    ],
    parameters: [{ name: 'v', type: 'object' }],
    returnType: 'number',
    statements: ['let n = 0;', 'for (const _ in v) n++;', 'return n;'],
  });
  file.addFunction({
    name: 'extraField',
    docs: [jsDoc('The rejection of the first own key of `v` that is not in `known` (null when there is none).')],
    parameters: [
      { name: 'v', type: 'object' },
      { name: 'known', type: 'ReadonlySet<string>' },
      { name: 'path', type: 'string' },
    ],
    returnType: 'Rejection | null',
    statements: ["for (const key of Object.keys(v)) if (!known.has(key)) return malformed(path + '.' + key, 'is not a field of this message');", 'return null;'],
  });
  file.addVariableStatement({
    declarationKind: VariableDeclarationKind.Const,
    declarations: [
      { name: 'ENCODER', initializer: 'new TextEncoder()' },
      { name: 'DECODER', initializer: 'new TextDecoder(\'utf-8\', { fatal: true })' },
    ],
  });
}

function addMessageCodec(file: SourceFile, state: CodecFile, m: MessageDef): void {
  const def = interfaceOf(state.model, m.name);
  const source = `${def.source}#${def.name}`;
  file.addFunction({
    name: `check${m.name}`,
    isExported: true,
    docs: [
      jsDoc(`Checks that \`input\` is exactly a {@link ${m.name}} (\`${m.type}\`): every field present with the right type and range, no extra field. Allocates nothing when it is.`, [
        ['param', 'input - untrusted input (e.g. parsed JSON).'],
        ['returns', 'null when valid, else a `malformed` rejection with the path of the first problem.'],
        ['generated', `from ${source}`],
      ]),
    ],
    parameters: [{ name: 'input', type: 'unknown' }],
    returnType: 'Rejection | null',
    statements: (w) => {
      writeObjectCheck(w, state, def, 'input', [{ text: '$' }], 0);
      w.writeLine('return null;');
    },
  });
  addGuards(file, m.name, source);
}

function addGuards(file: SourceFile, name: string, source: string): void {
  file.addFunction({
    name: `is${name}`,
    isExported: true,
    docs: [jsDoc(`Whether \`input\` is a valid {@link ${name}}.`, [['param', 'input - untrusted input.'], ['generated', `from ${source}`]])],
    parameters: [{ name: 'input', type: 'unknown' }],
    returnType: `input is ${name}`,
    statements: `return check${name}(input) === null;`,
  });
  file.addFunction({
    name: `validate${name}`,
    isExported: true,
    docs: [jsDoc(`\`input\` typed as a {@link ${name}}, or the rejection of its first problem.`, [['param', 'input - untrusted input.'], ['generated', `from ${source}`]])],
    parameters: [{ name: 'input', type: 'unknown' }],
    returnType: `Decoded<${name}>`,
    statements: [`const rejection = check${name}(input);`, `return rejection === null ? { ok: true, value: input as ${name} } : { ok: false, rejection };`],
  });
}

function addUnionCodec(file: SourceFile, model: ProtocolModel, name: string, members: readonly string[], source: string): void {
  const messages = members.map((type) => model.messages.find((m) => m.type === type) as MessageDef);
  file.addFunction({
    name: `check${name}`,
    isExported: true,
    docs: [
      jsDoc(`Checks that \`input\` is exactly one of the messages of {@link ${name}}: known \`type\`, every field present with the right type and range, no extra field. Allocates nothing when it is.`, [
        ['param', 'input - untrusted input (e.g. parsed JSON).'],
        ['returns', 'null when valid, else a `malformed` rejection with the path of the first problem.'],
        ['generated', `from ${source}`],
      ]),
    ],
    parameters: [{ name: 'input', type: 'unknown' }],
    returnType: 'Rejection | null',
    statements: (w) => {
      w.writeLine("if (!isRecord(input)) return malformed('$', 'must be an object');");
      w.write("switch (input['type'])").block(() => {
        for (const m of messages) w.writeLine(`case ${str(m.type)}: return check${m.name}(input);`);
        w.writeLine(`default: return malformed('$.type', ${str(`must be one of ${members.join(', ')}`)});`);
      });
    },
  });
  addGuards(file, name, source);
  file.addFunction({
    name: `encode${name}`,
    isExported: true,
    docs: [jsDoc(`Encodes a {@link ${name}} as UTF-8 JSON.`, [['param', 'message - the message.'], ['generated', `from ${source}`]])],
    parameters: [{ name: 'message', type: name }],
    returnType: 'Uint8Array',
    statements: 'return ENCODER.encode(JSON.stringify(message));',
  });
  file.addFunction({
    name: `decode${name}`,
    isExported: true,
    docs: [
      jsDoc(`Decodes UTF-8 JSON bytes into a {@link ${name}}, checking it like {@link check${name}}; bytes that are not UTF-8 JSON are rejected at \`$\`.`, [
        ['param', 'bytes - the received bytes.'],
        ['generated', `from ${source}`],
      ]),
    ],
    parameters: [{ name: 'bytes', type: 'Uint8Array' }],
    returnType: `Decoded<${name}>`,
    statements: (w) => {
      w.writeLine('let input: unknown;');
      w.write('try').block(() => w.writeLine('input = JSON.parse(DECODER.decode(bytes));'));
      w.write(' catch').block(() => w.writeLine("return { ok: false, rejection: malformed('$', 'is not valid UTF-8 JSON') };"));
      w.writeLine(`return validate${name}(input);`);
    },
  });
}

/** The JavaScript expression of a path, e.g. `'$.acks[' + i0 + '].jobId'`. */
function pathExpr(parts: readonly PathPart[]): string {
  const tokens: PathPart[] = [];
  for (const p of parts.flatMap((q): PathPart[] => ('text' in q ? [q] : [{ text: '[' }, q, { text: ']' }]))) {
    const last = tokens[tokens.length - 1];
    if ('text' in p && last && 'text' in last) tokens[tokens.length - 1] = { text: last.text + p.text };
    else tokens.push(p);
  }
  return tokens.map((p) => ('text' in p ? str(p.text) : p.index)).join(' + ');
}

function fieldPath(parts: readonly PathPart[], name: string): PathPart[] {
  return [...parts, { text: `.${name}` }];
}

/** A local variable name for the value at a path. */
function localName(parts: readonly PathPart[]): string {
  const text = parts
    .map((p) => ('text' in p ? p.text : '_e'))
    .join('')
    .replace(/^\$/, '')
    .replace(/[^A-Za-z0-9_]/g, '_');
  return `v${text}`;
}

function writeObjectCheck(w: CodeBlockWriter, state: CodecFile, def: InterfaceDef | { name: string; fields: readonly FieldSchema[] }, v: string, path: readonly PathPart[], depth: number): void {
  if (depth > 16) throw new GeneratorError(`${def.name}: nesting deeper than 16 levels (a recursive type?) is not supported`);
  const fieldsSet = `${def.name.replace(/[^A-Za-z0-9_]/g, '_')}_FIELDS`;
  const n = v === 'input' ? 'n' : `${v}_n`;
  w.writeLine(`if (!isRecord(${v})) return malformed(${pathExpr(path)}, 'must be an object');`);
  w.writeLine(`let ${n} = 0;`);
  const required = def.fields.filter((f) => !f.optional);
  const optional = def.fields.filter((f) => f.optional);
  for (const f of required) {
    const p = fieldPath(path, f.name);
    const x = localName(p);
    w.writeLine(`const ${x} = ${v}[${str(f.name)}];`);
    w.writeLine(`if (${x} === undefined && !Object.hasOwn(${v}, ${str(f.name)})) return malformed(${pathExpr(p)}, 'is missing');`);
    writeValueCheck(w, state, f.schema, x, p, depth + 1, `${def.name}.${f.name}`);
    w.writeLine(`${n}++;`);
  }
  for (const f of optional) {
    const p = fieldPath(path, f.name);
    const x = localName(p);
    w.write(`if (Object.hasOwn(${v}, ${str(f.name)}))`).block(() => {
      w.writeLine(`${n}++;`);
      w.writeLine(`const ${x} = ${v}[${str(f.name)}];`);
      w.write(`if (${x} !== undefined)`).block(() => writeValueCheck(w, state, f.schema, x, p, depth + 1, `${def.name}.${f.name}`));
    });
  }
  const known = def.fields.map((f) => f.name);
  if (!state.sets.has(fieldsSet)) state.sets.set(fieldsSet, known);
  else if (state.sets.get(fieldsSet)?.join() !== known.join()) throw new GeneratorError(`internal: two field sets named ${fieldsSet}`);
  w.write(`if (ownKeyCount(${v}) !== ${n})`).block(() => {
    w.writeLine(`const extra = extraField(${v}, ${fieldsSet}, ${pathExpr(path)});`);
    w.writeLine('if (extra !== null) return extra;');
  });
}

function writeValueCheck(w: CodeBlockWriter, state: CodecFile, schema: TypeSchema, x: string, path: readonly PathPart[], depth: number, owner: string): void {
  const fail = (message: string) => `return malformed(${pathExpr(path)}, ${str(message)});`;
  const leaf = (condition: string, message: string): void => void w.writeLine(`if (!(${condition.replace(/\bx\b/g, x)})) ${fail(message)}`);
  switch (schema.kind) {
    case 'string':
      return leaf(STRING_FORMATS[schema.format].condition, STRING_FORMATS[schema.format].message);
    case 'number':
      return leaf(NUMBER_FORMATS[schema.format].condition, NUMBER_FORMATS[schema.format].message);
    case 'boolean':
      return leaf(BOOLEAN_FORMAT.condition, BOOLEAN_FORMAT.message);
    case 'literal':
      w.writeLine(`if (${x} !== ${str(schema.value)}) ${fail(`must be ${JSON.stringify(schema.value)}`)}`);
      return;
    case 'enum': {
      const set = `${(schema.alias ?? owner).replace(/[^A-Za-z0-9_]/g, '_')}_VALUES`;
      const existing = state.sets.get(set);
      if (existing && existing.join() !== schema.values.join()) throw new GeneratorError(`internal: two value sets named ${set}`);
      state.sets.set(set, schema.values);
      return leaf(`typeof x === 'string' && ${set}.has(x)`, `must be one of ${schema.values.join(', ')}`);
    }
    case 'ref':
      return writeObjectCheck(w, state, interfaceOf(state.model, schema.name), x, path, depth);
    case 'object':
      return writeObjectCheck(w, state, { name: owner, fields: schema.fields }, x, path, depth);
    case 'nullable':
      w.write(`if (${x} !== null)`).block(() => writeValueCheck(w, state, schema.inner, x, path, depth, owner));
      return;
    case 'array': {
      const i = `i${depth}`;
      const element = `${x}_e`;
      w.writeLine(`if (!Array.isArray(${x})) ${fail('must be an array')}`);
      w.write(`for (let ${i} = 0; ${i} < ${x}.length; ${i}++)`).block(() => {
        w.writeLine(`const ${element}: unknown = ${x}[${i}];`);
        writeValueCheck(w, state, schema.element, element, [...path, { index: i }], depth + 1, owner);
      });
      return;
    }
  }
}
