/**
 * The catalogue's patches still apply to the machines exactly as written (a machine edit that
 * moves their text fails here, naming the mutant), and the patching machinery is strict: the text
 * must occur exactly once, the copy holds only what the entries import, and nothing is written
 * when a patch does not apply.
 */
import { existsSync, lstatSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { MUTANTS } from '../../checker/mutants/catalog.js';
import { applyPatch, occurrencesOf, PatchError } from '../../checker/mutants/patch.js';
import { REPOSITORY_ROOT, runMutants, selectMutants } from '../../checker/mutants/run.js';
import { importClosure, relativeImports, Sandbox } from '../../checker/mutants/sandbox.js';
import type { Mutant } from '../../checker/mutants/types.js';
import { decide } from '../../machines/coordinator/request-queue.js';

describe('the catalogue of seeded bugs', () => {
  it('has at least 15 mutants with distinct kebab-case ids, each patching a machine file', () => {
    expect(MUTANTS.length).toBeGreaterThanOrEqual(15);
    expect(new Set(MUTANTS.map((m) => m.id)).size).toBe(MUTANTS.length);
    for (const m of MUTANTS) {
      expect(m.id).toMatch(/^[a-z0-9]+(-[a-z0-9]+)*$/);
      expect(m.file).toMatch(/^machines\/.+\.ts$/);
      expect(m.find).not.toBe(m.replace);
    }
  });

  for (const m of MUTANTS) {
    it(`${m.id}: its text occurs exactly once in ${m.file}`, () => {
      const source = readFileSync(join(REPOSITORY_ROOT, m.file), 'utf8');
      expect(occurrencesOf(source, m.find), `mutant ${m.id} no longer applies to ${m.file}: update its find text`).toBe(1);
      expect(applyPatch(source, m)).toContain(m.replace);
    });
  }
});

const fake = (find: string): Mutant => ({ id: 'fake-mutant', description: 'a test patch', file: 'machines/coordinator/request-queue.ts', find, replace: 'X' });

describe('applying a patch', () => {
  it('replaces the one occurrence and nothing else', () => {
    expect(applyPatch('a b c', { ...fake('b'), replace: 'B' })).toBe('a B c');
  });

  it('fails, naming the mutant, when the text is missing or occurs twice', () => {
    expect(() => applyPatch('a c', fake('b'))).toThrow(PatchError);
    expect(() => applyPatch('a c', fake('b'))).toThrow(/mutant fake-mutant: the text to replace occurs 0 times in machines\/coordinator\/request-queue\.ts/);
    expect(() => applyPatch('b b', fake('b'))).toThrow(/occurs 2 times/);
    expect(() => applyPatch('b', { ...fake('b'), replace: 'b' })).toThrow(PatchError);
  });

  it('a mutant whose patch no longer applies stops the run loudly, and no copy is left behind', async () => {
    const before = readdirSync(tmpdir()).filter((d) => d.startsWith('snapwright-mutant-fake-mutant-')).length;
    const stale = fake('this text is not in the machine');
    await expect(runMutants({ mutants: [stale], baseline: false, tiers: ['checker'], seed: 1 })).rejects.toThrow(/mutant fake-mutant: the text to replace occurs 0 times/);
    expect(() => Sandbox.create(REPOSITORY_ROOT, ['machines/coordinator/index.ts'], stale)).toThrow(PatchError);
    expect(readdirSync(tmpdir()).filter((d) => d.startsWith('snapwright-mutant-fake-mutant-')).length).toBe(before);
  });

  it('an unknown mutant id is an error naming it', () => {
    expect(() => selectMutants(MUTANTS, ['no-such-mutant'])).toThrow(/unknown mutant no-such-mutant/);
  });
});

describe('the sandbox', () => {
  it('reads relative imports, re-exports and dynamic imports, not packages', () => {
    const source = "import { a } from './a.js';\nimport type { B } from '../b.js';\nexport * from './c.js';\nconst d = await import('./d.js');\nimport x from 'xstate';";
    expect(relativeImports(source)).toEqual(['./a.js', '../b.js', './c.js', './d.js']);
  });

  it('copies the import closure of its entries, with the patch applied and node_modules linked', async () => {
    const mutant = MUTANTS.find((m) => m.file === 'machines/coordinator/request-queue.ts') as Mutant;
    const files = importClosure(REPOSITORY_ROOT, ['machines/coordinator/index.ts']);
    expect(files).toContain('machines/coordinator/request-queue.ts');
    expect(files).toContain('spec/index.ts');
    expect(files.some((f) => f.startsWith('runtime/') || f.startsWith('checker/') || f.startsWith('test/'))).toBe(false);
    const sandbox = Sandbox.create(REPOSITORY_ROOT, ['machines/coordinator/index.ts'], mutant);
    try {
      expect(sandbox.files).toEqual(files);
      expect(readFileSync(join(sandbox.dir, mutant.file), 'utf8')).toContain(mutant.replace);
      expect(readFileSync(join(sandbox.dir, 'machines/coordinator/plan.ts'), 'utf8')).toBe(readFileSync(join(REPOSITORY_ROOT, 'machines/coordinator/plan.ts'), 'utf8'));
      expect(lstatSync(join(sandbox.dir, 'node_modules')).isSymbolicLink()).toBe(true);
      // The patched module loads and is not the shipped one.
      const patched = await sandbox.load<{ decide: typeof decide }>('machines/coordinator/request-queue.ts');
      expect(typeof patched.decide).toBe('function');
      expect(patched.decide).not.toBe(decide);
      await expect(sandbox.load('runtime/index.ts')).rejects.toThrow(/was not copied/);
    } finally {
      sandbox.dispose();
    }
    expect(existsSync(sandbox.dir)).toBe(false);
  });
});
