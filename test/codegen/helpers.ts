/**
 * Shared set-up of the codegen tests: the tiny fixture's generator options, and generating the
 * real repository once per test file.
 */
import { fileURLToPath } from 'node:url';
import { repositoryOptions } from '../../codegen/config.js';
import type { GeneratedFile, GenerateOptions } from '../../codegen/generate.js';
import { generate } from '../../codegen/generate.js';

/** The repository root. */
export const ROOT = fileURLToPath(new URL('../..', import.meta.url)).replace(/[\\/]$/, '');

/** The fixture directory, relative to the root. */
export const FIXTURES = 'test/codegen/fixtures';

/** Options generating from the tiny fixture spec and machine, with a fixed version. */
export function tinyOptions(): GenerateOptions {
  const machine = `${FIXTURES}/tiny-machine.ts`;
  return {
    root: ROOT,
    messageFiles: [`${FIXTURES}/tiny-spec.ts`],
    machines: [
      {
        role: 'coordinator',
        module: machine,
        exportName: 'tinyMachine',
        events: { file: machine, type: 'TinyEvent', discriminant: 'type' },
        commands: { file: machine, type: 'TinyCommand', discriminant: 'kind' },
      },
    ],
    outDir: 'generated',
    version: '0.0.0-test',
    formats: { byAlias: {}, byField: {} },
  };
}

let repository: Promise<GeneratedFile[]> | undefined;

/** A fresh in-memory generation of the repository's `generated/` (computed once). */
export function generateRepository(): Promise<GeneratedFile[]> {
  repository ??= generate(repositoryOptions(ROOT));
  return repository;
}

/**
 * The content of one generated file.
 * @param files - a generation.
 * @param path - the file's path in the output directory.
 */
export function fileOf(files: readonly GeneratedFile[], path: string): string {
  const f = files.find((x) => x.path === path);
  if (!f) throw new Error(`no generated file ${path}; have ${files.map((x) => x.path).join(', ')}`);
  return f.content;
}
