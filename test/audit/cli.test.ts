/**
 * `snapwright audit` as a command: exit statuses, `--accept` rewriting the lock, the JSON
 * document's shape, the text and Markdown reports, bad input (git refs: `git.serial.test.ts`).
 * Images are edited copies of the committed one in a temp directory; the real lock is never touched.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AUDIT_REPORT_FORMAT } from '../../audit/report-json.js';
import { baseImage, editable, IMAGE, runAudit } from './helpers.js';

let dir: string;
let basePath: string;
let breakingPath: string;
let riskyPath: string;

beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'snapwright-audit-'));
  basePath = path.join(dir, 'base.json');
  writeFileSync(basePath, readFileSync(IMAGE, 'utf8'));
  const breaking = editable(baseImage());
  breaking.schemas.DeclineCheckpoint.fields = breaking.schemas.DeclineCheckpoint.fields.filter((f: { name: string }) => f.name !== 'reason');
  breakingPath = path.join(dir, 'breaking.json');
  writeFileSync(breakingPath, JSON.stringify(breaking));
  const risky = editable(baseImage());
  risky.config.options.timeout.default = 1_000;
  riskyPath = path.join(dir, 'risky.json');
  writeFileSync(riskyPath, JSON.stringify(risky));
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('snapwright audit', () => {
  it('exits 0 without findings when the head equals the base', async () => {
    const r = await runAudit(['--base', basePath, '--head', basePath]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('0 breaking, 0 risky, 0 safe; no breaking change');
  });

  it('exits 1 on a breaking change and 0 on a risky one', async () => {
    const breaking = await runAudit(['--base', basePath, '--head', breakingPath]);
    expect(breaking.code).toBe(1);
    expect(breaking.stdout).toMatch(/breaking \(1\):\n {2}WIRE {5}FIELD_REMOVED \[compatible: neither\] \/messages\/declineCheckpoint\/\$\.reason/);
    const risky = await runAudit(['--base', basePath, '--head', riskyPath]);
    expect(risky.code).toBe(0);
    expect(risky.stdout).toContain('PEER     DEFAULT_DECREASED [compatible: forward] /config/options/timeout/default');
  });

  it('--accept rewrites the lock with the head, exits 0, and the next audit is clean', async () => {
    const lock = path.join(dir, 'accept.lock.json');
    writeFileSync(lock, readFileSync(basePath, 'utf8'));
    const before = readFileSync(lock, 'utf8');
    const refused = await runAudit(['--lock', lock, '--head', breakingPath]);
    expect(refused.code).toBe(1);
    expect(readFileSync(lock, 'utf8')).toBe(before);
    const accepted = await runAudit(['--lock', lock, '--head', breakingPath, '--accept']);
    expect(accepted.code).toBe(0);
    expect(accepted.stdout).toContain(`accepted: ${lock} now holds the head image`);
    const written = JSON.parse(readFileSync(lock, 'utf8'));
    const { $comment: comment, ...rest } = written;
    const { $comment: _ignored, ...head } = JSON.parse(readFileSync(breakingPath, 'utf8'));
    expect(rest).toEqual(head);
    expect(comment).toContain('snapwright audit --accept');
    const again = await runAudit(['--lock', lock, '--head', breakingPath]);
    expect(again.code).toBe(0);
    expect(again.stdout).toContain('0 breaking, 0 risky, 0 safe');
  });

  it('--accept without a lock creates it from the head', async () => {
    const lock = path.join(dir, 'fresh.lock.json');
    const r = await runAudit(['--lock', lock, '--head', riskyPath, '--accept']);
    expect(r.code).toBe(0);
    expect(JSON.parse(readFileSync(lock, 'utf8')).config.options.timeout.default).toBe(1_000);
  });

  it('prints a versioned JSON document whose exit code and counts match the findings', async () => {
    const r = await runAudit(['--base', basePath, '--head', breakingPath, '--format', 'json']);
    const doc = JSON.parse(r.stdout);
    expect(Object.keys(doc).sort()).toEqual(['acceptedInto', 'base', 'breaking', 'byCategory', 'counts', 'exitCode', 'findings', 'format', 'head', 'notCompared']);
    expect(doc).toMatchObject({ format: AUDIT_REPORT_FORMAT, base: basePath, head: breakingPath, breaking: true, acceptedInto: null, exitCode: 1, notCompared: [] });
    expect(r.code).toBe(doc.exitCode);
    expect(doc.counts).toEqual({ breaking: 1, risky: 0, safe: 0 });
    expect(doc.byCategory).toEqual({ WIRE: 1, PEER: 0, RECOVERY: 0, PROPERTY: 0, SOURCE: 0 });
    expect(doc.findings).toEqual([
      { category: 'WIRE', rule: 'FIELD_REMOVED', severity: 'breaking', compatible: 'neither', subject: '/messages/declineCheckpoint/$.reason', message: expect.any(String) },
    ]);
  });

  it('prints Markdown for a pull request: verdict, counts per category, a table per severity', async () => {
    const r = await runAudit(['--base', basePath, '--head', breakingPath, '--format', 'markdown']);
    expect(r.code).toBe(1);
    const lines = r.stdout.split('\n');
    expect(lines[0]).toBe('## Protocol audit');
    expect(lines).toContain('| WIRE | 1 | 0 | 0 |');
    expect(lines).toContain('### Breaking (1)');
    expect(lines.find((l) => l.startsWith('| WIRE | FIELD_REMOVED'))).toContain('`/messages/declineCheckpoint/$.reason`');
  });

  it('rejects what it cannot read with status 2 and a message naming it, and bad options with a usage error', async () => {
    const notImage = path.join(dir, 'not-image.json');
    writeFileSync(notImage, '{"hello": 1}');
    const bad = await runAudit(['--base', notImage, '--head', basePath]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('not a protocol image');
    const noLock = await runAudit(['--lock', path.join(dir, 'missing.lock.json'), '--head', basePath]);
    expect(noLock.code).toBe(2);
    expect(noLock.stderr).toContain('create it with `snapwright audit --accept`');
    await expect(runAudit(['--format', 'yaml', '--head', basePath])).rejects.toThrow('--format must be text, markdown or json, got yaml');
    await expect(runAudit(['--bogus'])).rejects.toThrow('unexpected --bogus');
    await expect(runAudit(['--compose'])).rejects.toThrow('--compose needs --base <git-ref>');
    await expect(runAudit(['--compose', '--base', basePath])).rejects.toThrow('--compose needs --base <git-ref>');
    await expect(runAudit(['--compose', '--base', 'HEAD', '--head', basePath])).rejects.toThrow('it cannot take --head');
  });

  it('audits the working tree (generated in memory) against a lock accepted from it: clean', async () => {
    const lock = path.join(dir, 'tree.lock.json');
    expect((await runAudit(['--lock', lock, '--accept'])).code).toBe(0);
    const r = await runAudit(['--lock', lock, '--format', 'json']);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ head: 'working tree', counts: { breaking: 0, risky: 0, safe: 0 } });
  });
});
