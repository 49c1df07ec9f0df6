/**
 * A sandbox: a copy, in a temporary directory, of the source files some entry modules import
 * (transitively, through relative imports), with `node_modules` linked to the repository's, and
 * at most one mutant's patch applied. Modules are loaded from it by dynamic import (tsx or vitest
 * compile the TypeScript), so the machines, the runtime and the test support code loaded from one
 * sandbox all run the same patched machines.
 * @packageDocumentation
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { pathToFileURL } from 'node:url';
import { applyPatch } from './patch.js';
import type { Mutant } from './types.js';

const IMPORT = /(?:import|export)\s[^'"]*?from\s*['"](\.{1,2}\/[^'"]+)['"]|import\(\s*['"](\.{1,2}\/[^'"]+)['"]\s*\)/g;

/**
 * The relative imports of a module's source (`.js` suffixes name the `.ts` files).
 * @param source - the module's text.
 */
export function relativeImports(source: string): string[] {
  const found: string[] = [];
  for (const m of source.matchAll(IMPORT)) found.push((m[1] ?? m[2]) as string);
  return found;
}

/**
 * Every file the entries import, transitively, relative to `root` (entries included), sorted.
 * @param root - the repository root.
 * @param entries - entry modules, relative to `root`.
 * @throws Error naming a module that does not exist.
 */
export function importClosure(root: string, entries: readonly string[]): string[] {
  const seen = new Set<string>();
  const todo = entries.map((e) => resolve(root, e));
  while (todo.length > 0) {
    const file = todo.pop() as string;
    if (seen.has(file)) continue;
    if (!existsSync(file)) throw new Error(`sandbox: ${relative(root, file)} does not exist`);
    seen.add(file);
    if (!file.endsWith('.ts')) continue;
    for (const spec of relativeImports(readFileSync(file, 'utf8'))) {
      const target = resolve(dirname(file), spec);
      todo.push(target.endsWith('.js') && !existsSync(target) ? `${target.slice(0, -3)}.ts` : target);
    }
  }
  return [...seen].map((f) => relative(root, f)).sort();
}

/** A copy of part of the source tree, maybe patched. */
export class Sandbox {
  /** The temporary directory (the copy's root). */
  readonly dir: string;
  /** The files copied, relative to the root. */
  readonly files: readonly string[];

  private constructor(dir: string, files: readonly string[]) {
    this.dir = dir;
    this.files = files;
  }

  /**
   * Copies the import closure of `entries` and applies `mutant`'s patch (if any) to the copy.
   * @param root - the repository root.
   * @param entries - entry modules, relative to `root`.
   * @param mutant - the patch, or null for an unpatched copy.
   * @throws PatchError when the mutant's patch does not apply; Error when it patches a file outside the copy.
   */
  static create(root: string, entries: readonly string[], mutant: Mutant | null): Sandbox {
    const files = importClosure(root, entries);
    if (mutant && !files.includes(mutant.file)) throw new Error(`mutant ${mutant.id}: ${mutant.file} is not among the sandbox's files`);
    // The patch is checked before anything is written.
    const patched = mutant ? applyPatch(readFileSync(join(root, mutant.file), 'utf8'), mutant) : null;
    const dir = mkdtempSync(join(tmpdir(), `snapwright-mutant-${mutant ? mutant.id : 'baseline'}-`));
    try {
      for (const file of files) {
        const target = join(dir, file);
        mkdirSync(dirname(target), { recursive: true });
        writeFileSync(target, mutant && file === mutant.file ? (patched as string) : readFileSync(join(root, file)));
      }
      symlinkSync(join(root, 'node_modules'), join(dir, 'node_modules'), 'dir');
      writeFileSync(join(dir, 'package.json'), JSON.stringify({ type: 'module', private: true }));
    } catch (e) {
      rmSync(dir, { recursive: true, force: true });
      throw e;
    }
    return new Sandbox(dir, files);
  }

  /**
   * Imports a module of the copy.
   * @param file - its path relative to the root (`.ts`).
   * @throws Error when the file was not copied.
   */
  async load<T>(file: string): Promise<T> {
    const normalized = file.split('/').join(sep);
    if (!this.files.includes(file) && !this.files.includes(normalized)) throw new Error(`sandbox: ${file} was not copied`);
    return (await import(pathToFileURL(join(this.dir, file)).href)) as T;
  }

  /** Removes the copy. */
  dispose(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}
