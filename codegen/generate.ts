/**
 * The generator's entry: reads the spec and the machines, and returns every output file in
 * memory (writing and checking are in `files.ts`). Output paths and contents are a pure function
 * of the inputs and the generator version.
 * @packageDocumentation
 */
import path from 'node:path';
import { createOutputProject } from './_internals/output.js';
import { emitAsyncApi } from './emit-asyncapi.js';
import { emitEndpoints, emitTransportBinding } from './emit-bindings.js';
import { emitCodecs } from './emit-codecs.js';
import { emitImage } from './emit-image.js';
import { emitMessages } from './emit-messages.js';
import { emitReadme } from './emit-readme.js';
import type { Preamble } from './preamble.js';
import { generatorVersion, notice, stampOf, tsHeader } from './preamble.js';
import type { MachineImage, MachineSource } from './read-machines.js';
import { readMachine } from './read-machines.js';
import type { ApiImage } from './read-api.js';
import { readApi } from './read-api.js';
import type { ConfigImage, ConfigSource } from './read-config.js';
import { readConfig } from './read-config.js';
import type { PropertiesSource, PropertyImage } from './read-properties.js';
import { readProperties } from './read-properties.js';
import type { PersistedImage, PersistedSource } from './read-shapes.js';
import { readPersisted } from './read-shapes.js';
import { readSpec } from './read-spec.js';
import type { FormatRules } from './read-types.js';
import type { TransportSpec } from './transports.js';
import { TRANSPORTS } from './transports.js';

/** What to generate from, and where it goes. */
export interface GenerateOptions {
  /** The repository root; every other path is relative to it. */
  readonly root: string;
  /** The files holding the messages, in output order. */
  readonly messageFiles: readonly string[];
  /** The machines of the protocol image (none: the image has no machines). */
  readonly machines: readonly MachineSource[];
  /** The output directory; generated files import each other and the contract relative to it. */
  readonly outDir: string;
  /** Format rules; defaults to the tables of `formats.ts`. */
  readonly formats?: FormatRules;
  /** Transport kinds; defaults to {@link TRANSPORTS}. */
  readonly transports?: readonly TransportSpec[];
  /** The runtime contract module; defaults to `adapters/runtime/contract.ts`. */
  readonly contractModule?: string;
  /** The generator version in headers; defaults to the package version. */
  readonly version?: string;
  /** What else the protocol image describes for the audit; each part is left out when not given. */
  readonly image?: ImageSources;
}

/** The optional parts of the protocol image and where they are read. */
export interface ImageSources {
  /** The configuration and its defaults (timeouts, intervals). */
  readonly config?: ConfigSource;
  /** The declared named properties. */
  readonly properties?: PropertiesSource;
  /** The persisted data (completed checkpoints, snapshot contents). */
  readonly persisted?: readonly PersistedSource[];
  /** The public API: entry file by package export path. */
  readonly api?: Readonly<Record<string, string>>;
}

/** The optional parts of the protocol image, as read. */
export interface ImageExtras {
  /** See {@link ImageSources.config}. */
  readonly config?: ConfigImage;
  /** See {@link ImageSources.properties}. */
  readonly properties?: Readonly<Record<string, PropertyImage>>;
  /** See {@link ImageSources.persisted}. */
  readonly persisted?: PersistedImage;
  /** See {@link ImageSources.api}. */
  readonly api?: ApiImage;
}

/** One output file. */
export interface GeneratedFile {
  /** Path relative to the output directory, with `/`. */
  readonly path: string;
  /** The full text. */
  readonly content: string;
}

/**
 * Generates every output file.
 * @param options - inputs and output location.
 * @returns the files, sorted by path.
 * @throws GeneratorError when the input cannot be generated from (with file and line).
 */
export async function generate(options: GenerateOptions): Promise<GeneratedFile[]> {
  const { root } = options;
  const version = options.version ?? generatorVersion();
  const transports = options.transports ?? TRANSPORTS;
  const { model, project } = readSpec({ root, messageFiles: options.messageFiles, formats: options.formats });
  const machines: Record<string, MachineImage> = {};
  for (const m of options.machines) machines[m.role] = await readMachine(root, project, model, m);
  const sources = options.image ?? {};
  const extras: ImageExtras = {
    ...(sources.config ? { config: await readConfig(root, project, sources.config) } : {}),
    ...(sources.properties ? { properties: await readProperties(root, sources.properties) } : {}),
    ...(sources.persisted ? { persisted: readPersisted(root, project, sources.persisted) } : {}),
    ...(sources.api ? { api: readApi(root, project, sources.api) } : {}),
  };
  const hasExtras = Object.keys(extras).length > 0;

  const stamp = stampOf(version, JSON.stringify(model), JSON.stringify(machines));
  const specPreamble: Preamble = { version, sources: model.sources, stamp };
  const machineSources = options.machines.flatMap((m) => [m.module, m.events.file, m.commands.file]);
  const extraSources = [sources.config?.file, sources.properties?.file, ...(sources.persisted ?? []).map((p) => p.file), ...Object.values(sources.api ?? {})].filter((f): f is string => f !== undefined);
  const imagePreamble: Preamble = {
    version,
    sources: [...model.sources, ...machineSources, ...extraSources],
    stamp: hasExtras ? stampOf(version, JSON.stringify(model), JSON.stringify(machines), JSON.stringify(extras)) : stamp,
  };
  const contract = options.contractModule ?? 'adapters/runtime/contract.ts';
  const spec = (from: string, to: string) => {
    const rel = path.posix.relative(path.posix.join(options.outDir, from), to).replace(/\.ts$/, '.js');
    return rel.startsWith('.') ? rel : `./${rel}`;
  };

  const out = createOutputProject();
  const header = tsHeader(specPreamble);
  const files: GeneratedFile[] = [
    { path: 'messages.gen.ts', content: emitMessages(out, model, header) },
    { path: 'codecs.gen.ts', content: emitCodecs(out, model, header, { contract: spec('.', contract), messages: './messages.gen.js' }) },
    {
      path: 'bindings/endpoints.gen.ts',
      content: emitEndpoints(out, model, header, { contract: spec('bindings', contract), codecs: '../codecs.gen.js', messages: '../messages.gen.js' }, transports[0] as TransportSpec),
    },
    ...transports.map((t) => ({ path: `bindings/${t.kind}.gen.ts`, content: emitTransportBinding(out, model, header, t, spec('bindings', contract)) })),
    { path: 'asyncapi.json', content: emitAsyncApi(model, transports, { notice: notice(specPreamble), version }) },
    { path: 'protocol-image.json', content: emitImage(model, machines, notice(imagePreamble), extras) },
  ];
  // Reviews collapse generated files; the attributes file is generated too, so `--check` knows it.
  files.push({ path: '.gitattributes', content: `# ${notice(specPreamble)}\n* linguist-generated=true\n` });
  files.push({ path: 'README.md', content: emitReadme(imagePreamble, files.map((f) => f.path)) });
  return files.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}
