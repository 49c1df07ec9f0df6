/**
 * Reads the declared named properties (invariants) for the protocol image: name, kind and
 * description of each, as the spec's property list defines them.
 * @packageDocumentation
 */
import { importExport } from './_internals/import-export.js';
import { GeneratorError } from './model.js';

/** Where the property list is. */
export interface PropertiesSource {
  /** The file, relative to the root. */
  readonly file: string;
  /** The export: an array of `{ name, kind, description }`. */
  readonly exportName: string;
}

/** One declared property. */
export interface PropertyImage {
  /** `always`, `sometimes` or `eventually`. */
  readonly kind: string;
  /** What it says. */
  readonly description: string;
}

/**
 * Reads the properties, by name, in declaration order.
 * @param root - the repository root.
 * @param source - where they are.
 * @throws GeneratorError when the export is not a list of named properties.
 */
export async function readProperties(root: string, source: PropertiesSource): Promise<Record<string, PropertyImage>> {
  const list = await importExport(root, source.file, source.exportName);
  if (!Array.isArray(list)) throw new GeneratorError(`${source.file}: ${source.exportName} is not an array`);
  const out: Record<string, PropertyImage> = {};
  for (const p of list as unknown[]) {
    const { name, kind, description } = (p ?? {}) as Record<string, unknown>;
    if (typeof name !== 'string' || typeof kind !== 'string' || typeof description !== 'string') {
      throw new GeneratorError(`${source.file}: every entry of ${source.exportName} needs string name, kind and description`);
    }
    if (name in out) throw new GeneratorError(`${source.file}: property ${name} is declared twice`);
    out[name] = { kind, description };
  }
  return out;
}
