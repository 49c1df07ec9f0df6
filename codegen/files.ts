/**
 * Writing the output directory from scratch, and comparing it with a fresh generation.
 * @packageDocumentation
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { GeneratedFile } from './generate.js';
import { GeneratorError } from './model.js';

/** How a directory differs from a fresh generation. Paths are relative to the directory. */
export interface DriftReport {
  /** Generated files that are not on disk. */
  readonly missing: readonly string[];
  /** Files on disk whose content differs from the generated one. */
  readonly stale: readonly string[];
  /** Files on disk the generator does not write (left over, or added by hand). */
  readonly extra: readonly string[];
}

/**
 * Every file under `dir`, relative, with `/`, sorted; none when `dir` does not exist.
 * @param dir - a directory.
 */
export function listFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  const out: string[] = [];
  const visit = (rel: string) => {
    for (const entry of readdirSync(path.join(dir, rel), { withFileTypes: true })) {
      const child = rel ? `${rel}/${entry.name}` : entry.name;
      if (entry.isDirectory()) visit(child);
      else out.push(child);
    }
  };
  visit('');
  return out.sort();
}

/**
 * Compares `dir` with `files`.
 * @param dir - the output directory on disk.
 * @param files - a fresh generation.
 */
export function compareGenerated(dir: string, files: readonly GeneratedFile[]): DriftReport {
  const onDisk = new Set(listFiles(dir));
  const missing: string[] = [];
  const stale: string[] = [];
  for (const f of files) {
    if (!onDisk.has(f.path)) missing.push(f.path);
    else if (readFileSync(path.join(dir, f.path), 'utf8') !== f.content) stale.push(f.path);
    onDisk.delete(f.path);
  }
  return { missing, stale, extra: [...onDisk].sort() };
}

/**
 * Whether a report shows no difference.
 * @param report - a drift report.
 */
export function isClean(report: DriftReport): boolean {
  return report.missing.length + report.stale.length + report.extra.length === 0;
}

/**
 * Wipes `dir` and writes `files` into it.
 * @param dir - the output directory.
 * @param files - the files.
 * @throws GeneratorError when `dir` looks like a project root (holds `package.json` or `.git`).
 */
export function writeGenerated(dir: string, files: readonly GeneratedFile[]): void {
  const abs = path.resolve(dir);
  if (abs === path.parse(abs).root || existsSync(path.join(abs, 'package.json')) || existsSync(path.join(abs, '.git'))) {
    throw new GeneratorError(`refusing to wipe ${abs}: it looks like a project root, not an output directory`);
  }
  if (existsSync(abs) && !statSync(abs).isDirectory()) throw new GeneratorError(`${abs} is not a directory`);
  rmSync(abs, { recursive: true, force: true });
  for (const f of files) {
    const target = path.join(abs, ...f.path.split('/'));
    mkdirSync(path.dirname(target), { recursive: true });
    writeFileSync(target, f.content);
  }
}
