/**
 * The audit against git and real sources: a base read at a ref from any working directory, an
 * unknown ref, and real spec edits: the sources are copied to a temp directory, the copies of the
 * spec are edited there, the protocol image is generated from an unedited and an edited copy, and
 * the audit must classify exactly those edits. Serial: it spawns git.
 */
import { cpSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { audit } from '../../audit/audit.js';
import { loadImageAtRef, parseImage } from '../../audit/image.js';
import type { ProtocolImage } from '../../audit/image.js';
import { repositoryOptions } from '../../codegen/config.js';
import { generate } from '../../codegen/generate.js';
import { IMAGE, ROOT, runAudit } from './helpers.js';

let dir: string;

beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'snapwright-audit-git-'));
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function imageOf(root: string): Promise<ProtocolImage> {
  const files = await generate(repositoryOptions(root));
  const file = files.find((f) => f.path === 'protocol-image.json');
  if (!file) throw new Error('no protocol image generated');
  return parseImage(file.content, root);
}

function edit(root: string, file: string, from: string | RegExp, to: string): void {
  const abs = path.join(root, file);
  const text = readFileSync(abs, 'utf8');
  const next = text.replace(from, to);
  expect(next, `the edit of ${file} must apply: ${String(from)}`).not.toBe(text);
  writeFileSync(abs, next);
}

describe('snapwright audit with git', () => {
  it('reads the base at a git ref (the lock there, else the generated image) from any working directory', async () => {
    const loaded = loadImageAtRef('HEAD', ROOT);
    expect(loaded.origin).toMatch(/^HEAD:(spec\/protocol\.lock\.json|generated\/protocol-image\.json)$/);
    expect(Object.keys(loaded.image.machines).sort()).toEqual(['coordinator', 'task']);
    const cwd = process.cwd();
    process.chdir(dir);
    try {
      const r = await runAudit(['--base', 'HEAD', '--head', IMAGE, '--format', 'json']);
      expect(r.stderr).toBe('');
      expect(JSON.parse(r.stdout).base).toBe(loaded.origin);
      expect([0, 1]).toContain(r.code);
    } finally {
      process.chdir(cwd);
    }
  });

  it('names an unknown ref and exits 2', async () => {
    const r = await runAudit(['--base', 'no-such-ref-anywhere', '--head', IMAGE]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--base no-such-ref-anywhere: neither an image file nor a git ref');
  });

  it('classifies real edits of a copy of the spec: a field removed, a required field added, a shorter timeout default', async () => {
    // Two copies of the working tree's sources (the generator in use is the working tree's):
    // modules are imported once per path, so the edited spec must live at another one.
    const [original, tree] = ['original', 'edited'].map((name) => {
      const root = path.join(dir, name);
      for (const entry of ['spec', 'machines', 'runtime', 'index.ts', 'tsconfig.json', 'package.json']) cpSync(path.join(ROOT, entry), path.join(root, entry), { recursive: true });
      symlinkSync(path.join(ROOT, 'node_modules'), path.join(root, 'node_modules'), 'dir');
      return root;
    }) as [string, string];
    const before = await imageOf(original);
    edit(tree, 'spec/messages.ts', /\n\s*\/\*\* The completed checkpoint's timestamp\. \*\/\n\s*readonly timestamp: number;/, '');
    edit(tree, 'spec/messages.ts', 'readonly reason: DeclineReason;', 'readonly reason: DeclineReason;\n  /** Whether the task may take part in the next checkpoint. */\n  readonly retryable: boolean;');
    edit(tree, 'spec/config.ts', /\btimeout: 600_000,/, 'timeout: 60_000,');
    const after = await imageOf(tree);
    const result = audit(before, after);
    const outside = result.findings.filter((f) => f.category !== 'SOURCE').map((f) => [f.category, f.rule, f.severity, f.compatible, f.subject]);
    expect(outside).toEqual([
      ['WIRE', 'REQUIRED_FIELD_ADDED', 'breaking', 'neither', '/messages/declineCheckpoint/$.retryable'],
      ['WIRE', 'FIELD_REMOVED', 'breaking', 'neither', '/messages/notifyCheckpointComplete/$.timestamp'],
      ['PEER', 'DEFAULT_DECREASED', 'risky', 'forward', '/config/options/timeout/default'],
    ]);
    const source = result.findings.filter((f) => f.category === 'SOURCE').map((f) => f.subject);
    expect(source).toContain('/api/DeclineCheckpoint');
    expect(source).toContain('/api/NotifyCheckpointComplete');
    expect(result.breaking).toBe(true);
  });
});
