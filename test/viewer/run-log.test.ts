/**
 * The run log (`demo --log`) and its page: a job recorded through {@link RunLogRecorder} reads back
 * with the real actors' states after the last step and every checkpoint's outcome; `demo --log`
 * writes a file `view` turns into a page that refers to nothing outside itself; a broken log is
 * a clear error naming its line.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { parseArgs, UsageError } from '../../cli/args.js';
import { demoCommand } from '../../cli/commands/demo.js';
import { viewCommand } from '../../cli/commands/view.js';
import type { JobTopology } from '../../spec/index.js';
import { LocalJob } from '../../runtime/harness/index.js';
import { parseRunLog, RunLogError, RunLogRecorder, runOfRunLog } from '../../viewer/run-log.js';

const TOPOLOGY: JobTopology = {
  jobId: 'logged',
  vertices: [
    { id: 'source', parallelism: 2, inputs: [] },
    { id: 'sink', parallelism: 1, inputs: [{ from: 'source', pattern: 'all-to-all' }] },
  ],
};

describe('the run log', () => {
  afterEach(() => vi.restoreAllMocks());

  it('reads back the real final states and every checkpoint outcome, across a failover', async () => {
    const lines: string[] = [];
    const recorder = new RunLogRecorder((l) => lines.push(l), TOPOLOGY.jobId);
    const job = await LocalJob.create({ topology: TOPOLOGY, onTrace: recorder.onTrace, inspect: recorder.inspect });
    recorder.attach(job);
    job.time.advance(100);
    const first = await job.checkpoint();
    // The second checkpoint is cut short by a failover: triggered, a few deliveries, then the failure.
    job.time.advance(100);
    void job.coordinator.triggerCheckpoint();
    job.deliver(2);
    job.failover('sink#0');
    job.time.advance(100);
    const third = await job.checkpoint();
    expect([first.status, third.status]).toEqual(['completed', 'completed']);

    const run = runOfRunLog(lines.join('\n'));
    expect(run.actors.map((a) => a.id)).toEqual(['coordinator', ...job.taskIdList]);
    expect(run.steps).toHaveLength(lines.filter((l) => l.startsWith('{"t":"msg"')).length);
    const final = run.steps[run.steps.length - 1]?.states ?? {};
    expect(final.coordinator?.value).toEqual(job.coordinator.actor.getSnapshot().value);
    for (const [id, task] of job.tasks) expect(final[id]).toEqual({ value: task.snapshot().value, attempt: task.config.attempt });
    const outcome = (kind: string) => run.checkpoints.filter((m) => m.kind === kind).map((m) => m.checkpointId);
    const completedIds = [first, third].map((o) => ('checkpointId' in o ? o.checkpointId : -1));
    expect(outcome('completed')).toEqual(completedIds);
    expect(outcome('stored')).toEqual(completedIds);
    expect(outcome('pending')).toEqual([completedIds[0], completedIds[0]! + 1, completedIds[1]]);
    const aborted = run.checkpoints.filter((m) => m.kind === 'aborted');
    expect(aborted.map((m) => m.checkpointId)).toEqual([completedIds[0]! + 1]);
    expect(aborted[0]?.detail).toMatch(/^[A-Z_]+$/);
    // Marks come after their step's message: the completion of the first is not at step 0.
    for (const m of run.checkpoints) expect(m.step).toBeGreaterThan(0);
    job.stop();
  });

  it('is written by `demo --log` and shown by `view` in a page that refers to nothing outside itself', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'snapwright-runlog-'));
    const file = join(dir, 'demo.jsonl');
    const log = vi.spyOn(console, 'log').mockImplementation(() => {});
    expect(await demoCommand(parseArgs(['--checkpoints', '2', '--log', file]))).toBe(0);
    const { header, records } = parseRunLog(readFileSync(file, 'utf8'));
    expect(header).toEqual({ snapwright: 'run-log', version: 1, jobId: 'demo-job' });
    expect(records.filter((r) => r.t === 'obs' && r.obs.kind === 'completed')).toHaveLength(2);
    expect(await viewCommand(parseArgs([file]))).toBe(0);
    expect(log.mock.calls.map((c) => String(c[0])).at(-1)).toContain(`wrote ${join(dir, 'demo.html')}`);
    const html = readFileSync(join(dir, 'demo.html'), 'utf8');
    expect(html).toContain('<title>snapwright: run of demo-job</title>');
    expect(html).not.toMatch(/<(script|img|iframe)[^>]*\ssrc=|<link\b|url\((?!#)|@import|https?:\/\/(?!www\.w3\.org\/2000\/svg)/);
    expect(html.match(/<details class="actor-panel"/g)).toHaveLength(6);
  });

  it('says which line of a broken log is wrong, and view turns that into a usage error', async () => {
    const good = '{"snapwright":"run-log","version":1,"jobId":"j"}';
    expect(() => parseRunLog('{"snapwright":"trace"}')).toThrow(new RunLogError(1, 'not a snapwright run log (version 1) header'));
    expect(() => parseRunLog(`${good}\n{"t":"msg","kind":"control","from":"a","to":"b","text":"x"}\n{"t":"state","actor":"a"}`)).toThrow('line 3: attempt must be a number');
    expect(() => parseRunLog(`${good}\nnot json`)).toThrow(/^line 2: not JSON/);
    expect(() => parseRunLog(`${good}\n{"t":"msg","kind":"smoke","from":"a","to":"b","text":"x"}`)).toThrow('line 2: unknown message kind "smoke"');
    const dir = mkdtempSync(join(tmpdir(), 'snapwright-runlog-'));
    writeFileSync(join(dir, 'bad.jsonl'), `${good}\n{"t":"nope"}\n`);
    await expect(viewCommand(parseArgs([join(dir, 'bad.jsonl')]))).rejects.toThrow(new UsageError(`${join(dir, 'bad.jsonl')} is not a valid run log: line 2: unknown record type "nope"`));
    writeFileSync(join(dir, 'other.json'), '{"hello":1}');
    await expect(viewCommand(parseArgs([join(dir, 'other.json')]))).rejects.toThrow(/is not a snapwright trace/);
  });
});
