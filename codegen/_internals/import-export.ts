/**
 * Importing one export of a repository module by path (the generator reads data such as default
 * configurations and property lists as the code defines them). Node imports a module once per
 * process and path, so a file edited after its first import is read as it was then.
 * @packageDocumentation
 */
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { GeneratorError } from '../model.js';

/**
 * The value of export `name` of the module at `file`.
 * @param root - the repository root.
 * @param file - the module, relative to the root.
 * @param name - the export.
 * @throws GeneratorError when the module has no such export.
 */
export async function importExport(root: string, file: string, name: string): Promise<unknown> {
  const mod = (await import(pathToFileURL(path.resolve(root, file)).href)) as Record<string, unknown>;
  if (!(name in mod)) throw new GeneratorError(`${file}: no export named ${name}`);
  return mod[name];
}
