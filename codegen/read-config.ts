/**
 * Reads the configuration for the protocol image: the options of the configuration interface
 * (name, optional, doc, type as written) and their default values, as the code defines them.
 * Timeouts and intervals are defaults here, so the audit sees a shortened timeout.
 * @packageDocumentation
 */
import path from 'node:path';
import type { Project } from 'ts-morph';
import { docOf } from './_internals/docs.js';
import { importExport } from './_internals/import-export.js';
import { GeneratorError } from './model.js';

/** Where the configuration is. */
export interface ConfigSource {
  /** The file, relative to the root. */
  readonly file: string;
  /** The configuration interface. */
  readonly type: string;
  /** The export holding the defaults. */
  readonly defaults: string;
}

/** One option. */
export interface ConfigOption {
  /** Declared with `?`. */
  readonly optional: boolean;
  /** The doc comment's summary. */
  readonly doc: string;
  /** The type as written, whitespace collapsed. */
  readonly type: string;
  /** The default, as JSON (non-finite numbers as their name, e.g. `"Infinity"`); absent when none. */
  readonly default?: unknown;
}

/** The configuration part of the image. */
export interface ConfigImage {
  /** Where it was read. */
  readonly source: string;
  /** Options by name, in declaration order. */
  readonly options: Readonly<Record<string, ConfigOption>>;
}

/**
 * Reads the configuration.
 * @param root - the repository root.
 * @param project - the ts-morph project.
 * @param source - where it is.
 * @throws GeneratorError when the interface or the defaults are missing.
 */
export async function readConfig(root: string, project: Project, source: ConfigSource): Promise<ConfigImage> {
  const sf = project.addSourceFileAtPath(path.resolve(root, source.file));
  const decl = sf.getInterface(source.type);
  if (!decl) throw new GeneratorError(`${source.file}: no interface ${source.type}`);
  const defaults = await importExport(root, source.file, source.defaults);
  if (defaults === null || typeof defaults !== 'object') throw new GeneratorError(`${source.file}: ${source.defaults} is not an object`);
  const options: Record<string, ConfigOption> = {};
  for (const prop of decl.getProperties()) {
    const name = prop.getName();
    const value = (defaults as Record<string, unknown>)[name];
    options[name] = {
      optional: prop.hasQuestionToken(),
      doc: docOf(prop).doc,
      type: (prop.getTypeNode()?.getText() ?? prop.getType().getText(prop)).replace(/\s+/g, ' '),
      ...(value === undefined ? {} : { default: jsonValue(value) }),
    };
  }
  return { source: source.file, options };
}

function jsonValue(value: unknown): unknown {
  if (typeof value === 'number' && !Number.isFinite(value)) return String(value);
  if (Array.isArray(value)) return value.map(jsonValue);
  if (value !== null && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, jsonValue(v)]));
  return value;
}
