/**
 * Old and new machines composed in the model checker. The "old" version is a copy of the working
 * tree's `machines/` and `spec/` in a temp directory (imported from there, so it is a separate
 * module), optionally edited; the new version is the working tree's.
 */
import { cpSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { composeVersions, machinesIn } from '../../audit/compose.js';
import { coordinatorMachine, taskMachine } from '../../machines/index.js';
import { ROOT } from './helpers.js';

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

function copyOfTree(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'snapwright-audit-compose-'));
  dirs.push(dir);
  for (const sub of ['machines', 'spec']) cpSync(path.join(ROOT, sub), path.join(dir, sub), { recursive: true });
  symlinkSync(path.join(ROOT, 'node_modules'), path.join(dir, 'node_modules'), 'dir');
  return dir;
}

function edit(dir: string, file: string, from: string, to: string): void {
  const abs = path.join(dir, file);
  const text = readFileSync(abs, 'utf8');
  expect(text, `${file} must contain ${from}`).toContain(from);
  writeFileSync(abs, text.replaceAll(from, to));
}

describe('composing old and new machines in the model checker', () => {
  it('finds both mixed deployments equivalent when the versions are the same code', async () => {
    const old = await machinesIn(copyOfTree());
    expect(old.coordinatorMachine).not.toBe(coordinatorMachine);
    const result = composeVersions(old, { coordinatorMachine, taskMachine });
    expect(result.notCompared).toEqual([]);
    expect(result.findings.map((f) => [f.rule, f.severity, f.subject])).toEqual([
      ['MIXED_VERSIONS_CHECKED', 'safe', '/compose/new-coordinator-with-old-tasks'],
      ['MIXED_VERSIONS_CHECKED', 'safe', '/compose/old-coordinator-with-new-tasks'],
    ]);
  });

  it('reports an outcome a mixed deployment never reaches: old tasks whose acknowledgements the new coordinator does not take', async () => {
    const dir = copyOfTree();
    edit(dir, 'machines/task/snapshots.ts', "type: 'acknowledgeCheckpoint'", "type: 'acknowledgeCheckpointV0'");
    const result = composeVersions(await machinesIn(dir), { coordinatorMachine, taskMachine });
    expect(result.notCompared).toEqual([]);
    const lost = result.findings.filter((f) => f.rule === 'LOST_REACHABILITY' && f.subject === '/compose/new-coordinator-with-old-tasks');
    expect(lost.map((f) => f.message)).toContain('new coordinator with old tasks: "checkpoint-completes" is never reached, though the new version alone reaches it (the old one alone does not either)');
    expect(lost.every((f) => f.category === 'PEER' && f.severity === 'risky')).toBe(true);
    expect(result.findings.some((f) => f.rule === 'MIXED_VERSIONS_CHECKED' && f.subject === '/compose/new-coordinator-with-old-tasks')).toBe(false);
  });
});
