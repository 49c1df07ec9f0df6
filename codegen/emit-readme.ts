/**
 * Emits `README.md` of the output directory: do not edit, how to rebuild, what each file is.
 * @packageDocumentation
 */
import type { Preamble } from './preamble.js';
import { notice } from './preamble.js';

const WHAT: Readonly<Record<string, string>> = {
  '.gitattributes': 'marks every file here `linguist-generated`, so reviews collapse them',
  'messages.gen.ts': 'the message types as interfaces, their unions, and a descriptor (doc tags as data) per message',
  'codecs.gen.ts': 'check / is / validate per message and union, encode / decode (UTF-8 JSON) per union',
  'bindings/endpoints.gen.ts': 'typed endpoints per role and channel kind, shared by every transport',
  'asyncapi.json': 'the protocol as an AsyncAPI 3.0 document (channels, operations, messages, AMQP/NATS/HTTP bindings)',
  'protocol-image.json': 'the normalized protocol image: messages, schemas, channels, machine states and transitions',
};

/**
 * The text of `README.md`.
 * @param p - the preamble (the widest sources).
 * @param files - the other output files.
 */
export function emitReadme(p: Preamble, files: readonly string[]): string {
  const list = [...files, 'README.md'].sort().map((f) => `- \`${f}\`: ${WHAT[f] ?? (f.startsWith('bindings/') ? `typed factories for the ${f.slice(9, -7)} transport` : 'this file')}`);
  return [
    `<!-- ${notice(p)} Inputs: ${p.stamp}. -->`,
    '# generated/',
    '',
    'Do not edit anything here: every file is written by the generator in `codegen/` from `spec/` and the',
    'machines, and committed. `npm run codegen` wipes this directory and rebuilds it;',
    '`snapwright codegen --check` exits 1 and lists every missing, stale or extra file.',
    '',
    ...list,
    '',
  ].join('\n');
}
