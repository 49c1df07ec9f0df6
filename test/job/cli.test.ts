/**
 * `snapwright run` on the command line: `--json` prints one object with the verdict and the
 * figures and exits 0 when exactly once; bad flags fail fast, naming the option, before anything
 * runs.
 */
import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { parseArgs, UsageError } from '../../cli/args.js';
import { runCommand } from '../../cli/commands/run.js';

const run = (argv: string[]) => runCommand(parseArgs(argv));

describe('snapwright run (command line)', () => {
  afterEach(() => vi.restoreAllMocks());

  it('--json prints one object with the verdict and the figures, and exits 0', async () => {
    const log = vi.spyOn(console, 'log').mockImplementation(() => {});
    const dir = mkdtempSync(join(tmpdir(), 'snapwright-cli-test-'));
    expect(await run(['--json', '--records', '3000', '--interval', '20', '--kill-task', '--seed', '5', '--dir', dir])).toBe(0);
    expect(log).toHaveBeenCalledTimes(1);
    const out = JSON.parse(String(log.mock.calls[0]?.[0])) as Record<string, unknown>;
    expect(out).toMatchObject({ exactlyOnce: true, lostRecords: 0, duplicateRecords: 0, seed: 5, dir });
    for (const key of ['checkpointsCompleted', 'checkpointsAborted', 'recoveries', 'checkpointP50Ms', 'checkpointP99Ms', 'recordsPerSecond', 'snapshotBytes']) expect(typeof out[key], key).toBe('number');
    expect(out.recoveries).toBe(1);
    expect(out.abortedByReason).toBeTypeOf('object');
    expect(readdirSync(dir).sort()).toEqual(['sink', 'state', 'store']);
  });

  it('prints plain lines and the verdict when the output is not a terminal', async () => {
    const chunks: string[] = [];
    vi.spyOn(process.stdout, 'write').mockImplementation((c: string | Uint8Array) => (chunks.push(String(c)), true));
    expect(await run(['--records', '2000', '--interval', '10', '--dir', mkdtempSync(join(tmpdir(), 'snapwright-cli-test-'))])).toBe(0);
    const text = chunks.join('');
    expect(text).toMatch(/^snapwright run: job snapwright-job, seed 1, checkpoints every 10 ms\n/);
    expect(text).toMatch(/checkpoint \d+ completed in \d+ ms/);
    expect(text).toContain('verdict                 EXACTLY ONCE');
    expect(text).not.toContain('\x1b[');
  });

  const bad: Array<[string[], RegExp]> = [
    [['--frobnicate'], /unknown option --frobnicate/],
    [['--drop', '2'], /--drop: must be a probability/],
    [['--dup', 'often'], /--dup takes a number/],
    [['--interval', '-5'], /--interval: must be an integer/],
    [['--kill-task', '1.5'], /--kill-task: must be an integer/],
    [['--kill-coordinator', 'x'], /--kill-coordinator takes a number/],
    [['--delay', '-1'], /--delay: must be an integer/],
    [['--rest-port', '70000'], /--rest-port: must be an integer/],
    [['--records'], /--records needs a value/],
    [['--json', 'yes'], /--json takes no value/],
    [['extra'], /unexpected argument "extra"/],
  ];
  for (const [argv, message] of bad) {
    it(`fails fast on ${argv.join(' ')}, naming the option`, async () => {
      const write = vi.spyOn(process.stdout, 'write');
      await expect(run(argv)).rejects.toThrow(UsageError);
      await expect(run(argv)).rejects.toThrow(message);
      expect(write).not.toHaveBeenCalled();
    });
  }
});
