/**
 * `codegen --check`: a fresh in-memory generation against a directory on disk, reporting missing,
 * stale and extra files, through the library and through the real binary run from another
 * working directory. Temporary copies only: the real `generated/` is never touched (except read).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compareGenerated, isClean, listFiles, writeGenerated } from '../../codegen/files.js';
import type { GeneratedFile } from '../../codegen/generate.js';
import { isGeneratorError } from '../../codegen/model.js';
import { formatDrift } from '../../cli/commands/codegen.js';
import { generateRepository, ROOT } from './helpers.js';

const BIN = path.join(ROOT, 'cli', 'bin.js');
let files: GeneratedFile[];
let scratch: string;

/** Runs the real binary from the scratch directory (not the repository). */
const run = (...args: string[]) => spawnSync(process.execPath, [BIN, 'codegen', ...args], { cwd: scratch, encoding: 'utf8' });

describe('codegen --check', () => {
  beforeAll(async () => {
    files = await generateRepository();
    scratch = mkdtempSync(path.join(tmpdir(), 'snapwright-codegen-'));
    // A cold generation type-checks the whole spec and the machines: seconds on a loaded machine.
  }, 60_000);
  afterAll(() => rmSync(scratch, { recursive: true, force: true }));

  it('finds a freshly written copy clean, and reports a stale, a missing and an extra file', () => {
    const dir = path.join(scratch, 'lib');
    writeGenerated(dir, files);
    expect(listFiles(dir)).toEqual(files.map((f) => f.path));
    expect(isClean(compareGenerated(dir, files))).toBe(true);
    writeFileSync(path.join(dir, 'codecs.gen.ts'), `${readFileSync(path.join(dir, 'codecs.gen.ts'), 'utf8')}// edited by hand\n`);
    unlinkSync(path.join(dir, 'bindings', 'nats.gen.ts'));
    writeFileSync(path.join(dir, 'bindings', 'kafka.gen.ts'), '// left over\n');
    const report = compareGenerated(dir, files);
    expect(report).toEqual({ missing: ['bindings/nats.gen.ts'], stale: ['codecs.gen.ts'], extra: ['bindings/kafka.gen.ts'] });
    expect(formatDrift('lib', report)).toEqual([
      'lib/ is out of date (3 files):',
      '  missing  lib/bindings/nats.gen.ts',
      '  stale    lib/codecs.gen.ts',
      '  extra    lib/bindings/kafka.gen.ts',
      'run `npm run codegen` (or `snapwright codegen`) and commit the result',
    ]);
    // Rewriting wipes first: the extra file goes, the others come back.
    writeGenerated(dir, files);
    expect(isClean(compareGenerated(dir, files))).toBe(true);
  });

  it('reports every file as missing when the directory does not exist', () => {
    expect(compareGenerated(path.join(scratch, 'nowhere'), files).missing).toEqual(files.map((f) => f.path));
  });

  it('refuses to wipe a directory that looks like a project root', () => {
    let error: unknown;
    try {
      writeGenerated(ROOT, files);
    } catch (e) {
      error = e;
    }
    expect(isGeneratorError(error)).toBe(true);
  });

  it('runs from another working directory: writes, passes, then fails listing the drifted files', () => {
    const written = run('--out', 'copy');
    expect(written.stdout).toContain(`wrote ${files.length} files to copy/`);
    expect(written.status).toBe(0);
    expect(run('--check', '--out', 'copy').status).toBe(0);
    unlinkSync(path.join(scratch, 'copy', 'asyncapi.json'));
    writeFileSync(path.join(scratch, 'copy', 'messages.gen.ts'), '// stale\n');
    writeFileSync(path.join(scratch, 'copy', 'notes.txt'), 'untracked\n');
    const checked = run('--check', '--out', 'copy');
    expect(checked.status).toBe(1);
    expect(checked.stderr.split('\n').slice(0, 4)).toEqual(['copy/ is out of date (3 files):', '  missing  copy/asyncapi.json', '  stale    copy/messages.gen.ts', '  extra    copy/notes.txt']);
  });

  it('rejects unknown options with status 2', () => {
    expect(run('--chek').status).toBe(2);
  });

  it('finds the committed generated/ up to date (rebuild with `npm run codegen` when this fails)', () => {
    const report = compareGenerated(path.join(ROOT, 'generated'), files);
    expect(report).toEqual({ missing: [], stale: [], extra: [] });
  });
});
