/**
 * `snapwright check` and `snapwright replay` on the command line: the `--json` object, the exit
 * statuses (0 only for a complete, all-green run), usage errors, witnesses replayed on the real
 * actors, and the real binary.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { main } from '../../cli/main.js';

const SMALL = ['--max-ids', '2'];

async function run(argv: string[]): Promise<{ status: number; out: string; err: string }> {
  const log = vi.spyOn(console, 'log').mockImplementation(() => {});
  const error = vi.spyOn(console, 'error').mockImplementation(() => {});
  const status = await main(argv);
  const out = log.mock.calls.map((c) => String(c[0])).join('\n');
  const err = error.mock.calls.map((c) => String(c[0])).join('\n');
  log.mockRestore();
  error.mockRestore();
  return { status, out, err };
}

describe('snapwright check', () => {
  afterEach(() => vi.restoreAllMocks());

  it('--transport explores exactly the faults the transport declares', async () => {
    const config = async (kind: string) => {
      const { out } = await run(['check', ...SMALL, '--crashes', '0', '--transport', kind, '--json', '--quiet']);
      const report = JSON.parse(out) as { complete: boolean; configuration: { loss: boolean; duplication: boolean; reorder: boolean } };
      expect(report.complete).toBe(true);
      return report.configuration;
    };
    expect(await config('nats')).toMatchObject({ loss: false, duplication: true, reorder: true });
    for (const kind of ['in-process', 'http', 'amqp']) expect(await config(kind)).toMatchObject({ loss: false, duplication: false, reorder: false });
    expect((await run(['check', '--transport', 'kafka'])).status).toBe(2);
    expect((await run(['check', '--transport', 'nats', '--no-loss'])).err).toMatch(/--transport sets the network faults/);
  });

  it('prints one JSON object with --json and exits 0 when complete and green', async () => {
    const { status, out } = await run(['check', ...SMALL, '--json', '--quiet']);
    expect(status).toBe(0);
    const report = JSON.parse(out) as Record<string, unknown> & { properties: Array<{ name: string; kind: string; status: string }> };
    expect(Object.keys(report)).toEqual(expect.arrayContaining(['configuration', 'complete', 'states', 'transitions', 'maxDepth', 'seconds', 'statesPerSecond', 'properties']));
    expect(report).toMatchObject({ complete: true, states: 113_106, maxDepth: 22, configuration: { maxIds: 2, sources: 2, twoInputTask: true, maxConcurrent: 2, crashes: 1, loss: true, duplication: true, reorder: true } });
    expect(typeof report.transitions).toBe('number');
    expect(typeof report.seconds).toBe('number');
    expect(typeof report.statesPerSecond).toBe('number');
    for (const p of report.properties) {
      expect(Object.keys(p)).toEqual(['name', 'kind', 'status']);
      expect(p.status).toBe('holds');
    }
    expect(report.properties.map((p) => p.name)).toEqual(expect.arrayContaining(['completion-requires-all-acks', 'commit-only-completed', 'checkpoint-completes', 'recovery-happens', 'savepoint-completes']));
  });

  it('exits 1 when a sometimes property is not reached (no crash: no recovery)', async () => {
    const { status, out } = await run(['check', ...SMALL, '--crashes', '0', '--json', '--quiet']);
    expect(status).toBe(1);
    const report = JSON.parse(out) as { complete: boolean; properties: Array<{ name: string; status: string }> };
    expect(report.complete).toBe(true);
    expect(report.properties.find((p) => p.name === 'recovery-happens')?.status).toBe('not-reached');
  });

  it('exits 1 and claims nothing when a bound stops the run', async () => {
    const { status, out } = await run(['check', '--max-states', '200', '--json', '--quiet']);
    expect(status).toBe(1);
    const report = JSON.parse(out) as { complete: boolean; stoppedBy: string; properties: Array<{ kind: string; status: string }> };
    expect(report.complete).toBe(false);
    expect(report.stoppedBy).toBe('max-states');
    expect(report.properties.some((p) => p.kind === 'always' && p.status === 'holds')).toBe(false);
    const text = await run(['check', '--max-states', '200', '--quiet']);
    expect(text.out).toContain('INCOMPLETE');
  });

  it('checks liveness on request and lists what it did not check otherwise', async () => {
    const without = JSON.parse((await run(['check', ...SMALL, '--json', '--quiet'])).out) as { notChecked: string[] };
    expect(without.notChecked).toEqual(['pending-resolves', 'progress']);
    const live = await run(['check', '--max-ids', '2', '--crashes', '0', '--savepoints', '0', '--no-loss', '--liveness', '--json', '--quiet']);
    const report = JSON.parse(live.out) as { configuration: { symmetry: boolean }; properties: Array<{ name: string; kind: string; status: string }> };
    expect(report.configuration.symmetry).toBe(false);
    expect(report.properties.filter((p) => p.kind === 'eventually').map((p) => [p.name, p.status])).toEqual([
      ['pending-resolves', 'holds'],
      ['progress', 'holds'],
    ]);
  });

  it('fails with status 2 on bad options', async () => {
    expect((await run(['check', '--frobnicate'])).status).toBe(2);
    expect((await run(['check', '--max-ids', 'many'])).status).toBe(2);
    expect((await run(['check', '--max-ids', '0'])).status).toBe(2);
    expect((await run(['check', '--no-loss', 'yes'])).status).toBe(2);
    expect((await run(['check', '--witness', 'bounded-concurrency', ...SMALL])).status).toBe(2);
  });

  it('prints a readable report', async () => {
    const { out } = await run(['check', ...SMALL, '--quiet']);
    expect(out).toContain('complete: 113,106 states');
    expect(out).toMatch(/always\s+restore-latest\s+holds/);
    expect(out).toContain('PASS');
  });
});

describe('snapwright replay', () => {
  afterEach(() => vi.restoreAllMocks());

  it('replays a witness saved by check on the real actors (exit 0)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'snapwright-'));
    const file = join(dir, 'recovery.json');
    const checked = await run(['check', ...SMALL, '--witness', 'recovery-happens', '--trace-out', file, '--quiet']);
    expect(checked.status).toBe(0);
    expect(checked.out).toContain('witness for recovery-happens');
    const trace = JSON.parse(readFileSync(file, 'utf8')) as { kind: string; steps: unknown[] };
    expect(trace.kind).toBe('sometimes');
    const replayed = await run(['replay', file]);
    expect(replayed.status).toBe(0);
    expect(replayed.out).toContain(`the real actors reach recovery-happens at step ${trace.steps.length}`);
    const json = JSON.parse((await run(['replay', file, '--json'])).out) as { reproduced: boolean; diverged: unknown };
    expect(json).toMatchObject({ reproduced: true, diverged: null });
  });

  it('exits 1 when the real actors do not follow the trace', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'snapwright-'));
    const file = join(dir, 'completes.json');
    await run(['check', ...SMALL, '--witness', 'checkpoint-completes', '--trace-out', file, '--quiet']);
    const trace = JSON.parse(readFileSync(file, 'utf8')) as { steps: Array<{ action: unknown }> };
    // Tamper: the first step delivers a message that was never sent.
    trace.steps[0] = { ...trace.steps[0], action: { kind: 'deliver', to: 'coordinator', duplicate: false, message: { type: 'declineCheckpoint', jobId: 'checked-job', taskId: 'source#0', attempt: 0, checkpointId: 9, reason: 'CHECKPOINT_DECLINED' } } };
    writeFileSync(file, JSON.stringify(trace));
    const r = await run(['replay', file]);
    expect(r.status).toBe(1);
    expect(r.out).toContain('DIVERGED at step 1');
  });

  it('fails with status 2 on a missing or malformed trace', async () => {
    expect((await run(['replay'])).status).toBe(2);
    expect((await run(['replay', '/nonexistent/trace.json'])).status).toBe(2);
    const dir = mkdtempSync(join(tmpdir(), 'snapwright-'));
    writeFileSync(join(dir, 'x.json'), '{"hello":1}');
    expect((await run(['replay', join(dir, 'x.json')])).status).toBe(2);
  });
});

describe('the real binary', () => {
  it('runs check --json and exits with its status', () => {
    const r = spawnSync(process.execPath, ['cli/bin.js', 'check', '--max-ids', '1', '--crashes', '0', '--savepoints', '0', '--json', '--quiet'], { encoding: 'utf8' });
    expect(r.status).toBe(1); // complete and safe, but recovery and savepoints are not reached without them
    const report = JSON.parse(r.stdout) as { complete: boolean; properties: Array<{ kind: string; status: string }> };
    expect(report.complete).toBe(true);
    expect(report.properties.filter((p) => p.kind === 'always').every((p) => p.status === 'holds')).toBe(true);
  }, 60_000);

  it('lists check and replay in the help', () => {
    const r = spawnSync(process.execPath, ['cli/bin.js', '--help'], { encoding: 'utf8' });
    expect(r.stdout).toContain('check');
    expect(r.stdout).toContain('replay');
  }, 60_000);
});
