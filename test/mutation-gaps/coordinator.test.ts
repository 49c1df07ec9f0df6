/**
 * Behaviour the scenario tests left unpinned, found by mutation testing (Stryker left these
 * mutants of `machines/coordinator/` alive): declines while a checkpoint is stored, the typed
 * rejections of task messages, what an abort discards, hook notices only with hooks, a plan that
 * outlives a harmless task change, the order of queued requests, the options of savepoints, and
 * how deferred restores merge.
 */
import { describe, expect, it } from 'vitest';
import { resolveConfig } from '../../spec/index.js';
import { optionsFor } from '../../machines/coordinator/index.js';
import { flush, startFixture, track, useProtocolMonitors } from '../support/coordinator-fixture.js';
import { DeferredCounter, DeferredStore } from '../support/deferred-ports.js';

useProtocolMonitors();

describe('a checkpoint being stored', () => {
  it('is not aborted by a decline that arrives meanwhile: the store decides', async () => {
    const store = new DeferredStore();
    const f = await startFixture({ store });
    const p = f.c.triggerCheckpoint();
    f.ackAll(1);
    expect(f.c.state().pending).toMatchObject([{ checkpointId: 1, stage: 'finalizing' }]);
    expect(f.decline('src#0', 1)).toEqual({ ok: true });
    await store.release();
    expect(await p).toEqual({ status: 'completed', checkpointId: 1, snapshot: 'checkpoint' });
    expect(f.commandsOf('checkpointAborted')).toEqual([]);
  });
});

describe('typed rejections of task messages', () => {
  it('name the problem and the ids involved', async () => {
    const f = await startFixture();
    void f.c.triggerCheckpoint();
    const rejected = (r: unknown) => (r as { rejection: unknown }).rejection;
    expect(rejected(f.ack('src#0', 1, { jobId: 'other-job' }))).toEqual({ code: 'wrong-job', path: '$.jobId', message: expect.stringContaining('other-job') });
    expect(rejected(f.ack('nope#0', 1))).toEqual({ code: 'unknown-task', path: '$.taskId', message: expect.stringContaining('nope#0') });
    expect(rejected(f.ack('src#0', 1, { attempt: 3 }))).toEqual({ code: 'stale-attempt', path: '$.attempt', message: expect.stringMatching(/attempt 3 of src#0 was never deployed/) });
    expect(rejected(f.ack('src#0', 99))).toEqual({ code: 'unknown-checkpoint', path: '$.checkpointId', message: expect.stringContaining('99') });
    expect(rejected(f.decline('src#0', 99))).toEqual({ code: 'unknown-checkpoint', path: '$.checkpointId', message: expect.stringContaining('99') });
    expect(rejected(f.c.receive({ type: 'reportCheckpointMetrics', jobId: f.jobId, taskId: 'src#0', attempt: 3, checkpointId: 1, metrics: { bytesProcessedDuringAlignment: 0, alignmentDurationMs: 0, syncDurationMs: 0, asyncDurationMs: 0, checkpointStartDelayMs: 0, bytesPersisted: 0, unaligned: false } }))).toMatchObject({ code: 'stale-attempt' });
    // A task's newer attempt acknowledging a checkpoint planned with the older one (which acknowledged it already).
    f.ack('src#0', 1);
    f.report('src#0', 'running', 1);
    expect(rejected(f.ack('src#0', 1, { attempt: 1 }))).toEqual({ code: 'stale-attempt', path: '$.attempt', message: expect.stringMatching(/checkpoint 1 waits for attempt 0 of src#0/) });
    expect(rejected(f.ack('src#0', 1, { attempt: 0 }))).toEqual({ code: 'stale-attempt', path: '$.attempt', message: expect.stringMatching(/attempt 0 of src#0 is older than the current attempt 1/) });
    expect(f.c.state().pending.map((p) => p.checkpointId)).toEqual([1]);
  });
});

describe('an abort', () => {
  it('discards exactly the states the checkpoint holds, and sends no discard when it holds none', async () => {
    const f = await startFixture({ config: { maxConcurrent: 2 } });
    const one = f.c.triggerCheckpoint();
    const two = f.c.triggerCheckpoint();
    f.ack('src#0', 1, { state: null });
    f.ack('src#1', 1);
    f.decline('sink#0', 1);
    expect(await one).toMatchObject({ status: 'aborted', reason: 'CHECKPOINT_DECLINED' });
    expect(f.commandsOf('discardState').map((c) => [c.checkpointId, c.handles.map((h) => h.key)])).toEqual([[1, ['src#1@1']]]);
    f.decline('sink#0', 2);
    expect(await two).toMatchObject({ status: 'aborted' });
    expect(f.commandsOf('discardState').map((c) => c.checkpointId)).toEqual([1]);
  });

  it('and a completion notify no hooks when none is configured', async () => {
    const f = await startFixture({ config: { maxConcurrent: 2 } });
    const one = f.c.triggerCheckpoint();
    f.ackAll(1);
    expect((await one).status).toBe('completed');
    const two = f.c.triggerCheckpoint();
    f.decline('src#0', 2);
    expect((await two).status).toBe('aborted');
    expect(f.commandsOf('notifyHooks')).toEqual([]);
  });
});

describe('a plan made while the id is allocated', () => {
  it('stays valid when a task changes without losing its attempt (it finished)', async () => {
    const counter = new DeferredCounter();
    const f = await startFixture({ counter, config: { checkpointsAfterTasksFinish: true } });
    const p = track(f.c.triggerCheckpoint());
    f.report('sink#0', 'finished');
    await counter.release();
    await flush();
    expect(p.value).toBeUndefined();
    expect(f.sentOf('triggerCheckpoint').map((m) => m.checkpointId)).toEqual([1, 1]);
    f.ackAll(1);
    expect(await p.promise).toMatchObject({ status: 'completed', checkpointId: 1 });
  });

  it('is dropped when a planned task failed or was canceled meanwhile', async () => {
    for (const state of ['failed', 'canceled'] as const) {
      const counter = new DeferredCounter();
      const f = await startFixture({ counter });
      const p = f.c.triggerCheckpoint();
      f.report('src#1', state);
      await counter.release();
      expect(await p, state).toMatchObject({ status: 'aborted', checkpointId: 1, reason: 'TASK_FAILURE' });
    }
  });
});

describe('queued requests', () => {
  it('of equal priority run in the order they were made', async () => {
    const f = await startFixture({ config: { maxConcurrent: 1 } });
    const first = f.c.triggerCheckpoint();
    const second = f.c.triggerCheckpoint();
    const third = f.c.triggerCheckpoint();
    f.ackAll(1);
    expect(await first).toMatchObject({ checkpointId: 1 });
    f.ackAll(2);
    expect(await second).toMatchObject({ status: 'completed', checkpointId: 2 });
    f.ackAll(3);
    expect(await third).toMatchObject({ status: 'completed', checkpointId: 3 });
  });
});

describe('the options a request is triggered with', () => {
  it('carry the aligned-checkpoint timeout for checkpoints, never for savepoints', () => {
    const unaligned = resolveConfig({ unaligned: true, alignedCheckpointTimeout: 100 });
    expect(optionsFor(unaligned, 'checkpoint')).toEqual({ snapshot: 'checkpoint', alignment: 'aligned', alignedCheckpointTimeoutMs: 100 });
    expect(optionsFor(unaligned, 'savepoint')).toEqual({ snapshot: 'savepoint', alignment: 'aligned', alignedCheckpointTimeoutMs: 0 });
    // (Without unaligned checkpoints the configuration refuses a timeout: the option is 0 then.)
    expect(optionsFor(resolveConfig({}), 'checkpoint')).toEqual({ snapshot: 'checkpoint', alignment: 'aligned', alignedCheckpointTimeoutMs: 0 });
  });
});

describe('restores asked for while a checkpoint is stored', () => {
  it('merge: a global one covers regional ones, before or after them', async () => {
    for (const order of [['regional', 'global'], ['global', 'regional']] as const) {
      const store = new DeferredStore();
      const f = await startFixture({ store });
      const p = f.c.triggerCheckpoint();
      f.ackAll(1);
      for (const scope of order) f.c.restore(scope, scope === 'regional' ? ['sink#0'] : undefined);
      expect(f.restores).toEqual([]);
      await store.release();
      expect((await p).status).toBe('completed');
      expect(f.restores.map((r) => [r.scope, r.checkpoint?.checkpointId, [...r.tasks]]), order.join(' then ')).toEqual([['global', 1, ['src#0', 'src#1', 'sink#0']]]);
    }
  });
});
