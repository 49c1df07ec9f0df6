/**
 * Fixtures for the durable-store tests: temporary directories, and the checkpoints of
 * `fixtures/checkpoints.ts`.
 * @packageDocumentation
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach } from 'vitest';
import type { CompletedCheckpoint } from '../../machines/coordinator/index.js';
export { checkpointOf, plain } from './fixtures/checkpoints.js';

const dirs: string[] = [];

/** Removes every directory {@link tempDir} made, after each test. */
export function useTempDirs(): void {
  afterEach(async () => {
    for (const d of dirs.splice(0)) await rm(d, { recursive: true, force: true });
  });
}

/** A new empty temporary directory (removed after the test by {@link useTempDirs}). */
export async function tempDir(): Promise<string> {
  const d = await mkdtemp(join(tmpdir(), 'snapwright-store-'));
  dirs.push(d);
  return d;
}

/**
 * The ids of checkpoints, in order.
 * @param cs - the checkpoints.
 */
export const idsOf = (cs: readonly CompletedCheckpoint[]): number[] => cs.map((c) => c.checkpointId);
