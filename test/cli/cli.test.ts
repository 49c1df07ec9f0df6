/**
 * The command line: help, version, the demo, and usage errors, through `main` and through the
 * real `snapwright` binary.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { main } from '../../cli/main.js';

const version = (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;

describe('snapwright CLI', () => {
  afterEach(() => vi.restoreAllMocks());

  it('lists the commands with --help and exits 0', async () => {
    const log = vi.spyOn(console, 'log').mockImplementation(() => {});
    expect(await main(['--help'])).toBe(0);
    const text = log.mock.calls.map((c) => String(c[0])).join('\n');
    expect(text).toContain('demo');
    expect(text).toContain('version');
  });

  it('prints the package version', async () => {
    const log = vi.spyOn(console, 'log').mockImplementation(() => {});
    expect(await main(['version'])).toBe(0);
    expect(log).toHaveBeenCalledWith(`snapwright ${version}`);
  });

  it('fails with status 2 on an unknown command or a bad option', async () => {
    vi.spyOn(console, 'error').mockImplementation(() => {});
    expect(await main(['frobnicate'])).toBe(2);
    expect(await main(['demo', '--checkpoints', 'many'])).toBe(2);
    expect(await main(['demo', '--checkpoints', '0'])).toBe(2);
  });

  it('runs the demo through the real binary: barriers align at the join and both sinks commit', () => {
    const out = execFileSync(process.execPath, ['cli/bin.js', 'demo', '--json', '--checkpoints', '2'], { encoding: 'utf8' });
    const entries = out.trim().split('\n').map((l) => JSON.parse(l) as { kind: string; from?: string; to?: string; text?: string; status?: string });
    expect(entries.filter((e) => e.kind === 'outcome').map((e) => e.status)).toEqual(['completed', 'completed']);
    expect(entries.filter((e) => e.kind === 'data' && e.to === 'join#0').map((e) => e.from)).toEqual(expect.arrayContaining(['source#0', 'source#1']));
    expect(entries.filter((e) => e.kind === 'commit').map((e) => e.from).sort()).toEqual(['sink#0', 'sink#0', 'sink#1', 'sink#1']);
  });

  it('exits 2 from the binary on a usage error', () => {
    const r = spawnSync(process.execPath, ['cli/bin.js', 'nope'], { encoding: 'utf8' });
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('unknown command');
  });
});
