/**
 * Bad input: every message that is malformed or does not belong gets a typed rejection and leaves
 * the coordinator's state exactly as it was; a malformed configuration fails fast and names the
 * option.
 */
import { describe, expect, it } from 'vitest';
import type { RejectionCode } from '../../spec/index.js';
import { ConfigError, EMPTY_METRICS, MAX_MIN_PAUSE, resolveConfig } from '../../spec/index.js';
import type { CoordinatorCommand, CoordinatorEvent } from '../../machines/coordinator/index.js';
import { createCoordinator } from '../../runtime/coordinator/create-coordinator.js';
import { canonical } from '../support/canonical.js';
import type { Fixture } from '../support/coordinator-fixture.js';
import { SIMPLE_JOB, startFixture, useProtocolMonitors } from '../support/coordinator-fixture.js';
import { MachineHarness } from '../support/machine-harness.js';

useProtocolMonitors();

/** A coordinator with sink#0 at attempt 1 and checkpoint 1 pending, acknowledged by src#0 only. */
async function busyFixture(): Promise<Fixture> {
  const f = await startFixture({ config: { maxConcurrent: 2 } });
  f.report('sink#0', 'running', 1);
  void f.c.triggerCheckpoint();
  f.ack('src#0', 1);
  f.clearLog();
  return f;
}

/** Delivers `message` and checks it was rejected with `code` at `path`, and changed nothing. */
function expectRejected(f: Fixture, message: unknown, code: RejectionCode, path?: string): void {
  const before = f.c.actor.getSnapshot();
  const context = canonical(before.context);
  const r = f.c.receive(message);
  expect(r, JSON.stringify(message)).toMatchObject({ ok: false, rejection: { code, ...(path ? { path } : {}) } });
  const after = f.c.actor.getSnapshot();
  expect(after.value).toEqual(before.value);
  expect(canonical(after.context)).toBe(context);
  expect(f.sent).toEqual([]);
  expect(f.commands.filter((c) => c.kind !== 'rejected' && c.kind !== 'discardState')).toEqual([]);
}

const ack = (over: Record<string, unknown> = {}) => ({
  type: 'acknowledgeCheckpoint',
  jobId: 'job',
  taskId: 'src#1',
  attempt: 0,
  checkpointId: 1,
  metrics: EMPTY_METRICS,
  state: { key: 'k', sizeBytes: 1 },
  ...over,
});

describe('messages that do not belong', () => {
  it('a wrong job id is rejected for every message type, and its state is kept', async () => {
    const f = await busyFixture();
    expectRejected(f, ack({ jobId: 'other' }), 'wrong-job', '$.jobId');
    expectRejected(f, { type: 'declineCheckpoint', jobId: 'other', taskId: 'src#1', attempt: 0, checkpointId: 1, reason: 'CHECKPOINT_DECLINED' }, 'wrong-job');
    expectRejected(f, { type: 'taskStateChanged', jobId: 'other', taskId: 'src#1', attempt: 0, state: 'failed' }, 'wrong-job');
    expectRejected(f, { type: 'reportCheckpointMetrics', jobId: 'other', taskId: 'src#1', attempt: 0, checkpointId: 1, metrics: EMPTY_METRICS }, 'wrong-job');
    expect(f.discarded).toEqual([]);
  });

  it('an unknown task is rejected for every message type', async () => {
    const f = await busyFixture();
    expectRejected(f, ack({ taskId: 'src#2' }), 'unknown-task', '$.taskId');
    expectRejected(f, ack({ taskId: 'mystery#0' }), 'unknown-task');
    expectRejected(f, { type: 'declineCheckpoint', jobId: 'job', taskId: 'nope', attempt: 0, checkpointId: 1, reason: 'CHECKPOINT_DECLINED' }, 'unknown-task');
    expectRejected(f, { type: 'taskStateChanged', jobId: 'job', taskId: 'nope', attempt: 0, state: 'running' }, 'unknown-task');
  });

  it('a stale attempt is rejected for every message type', async () => {
    const f = await busyFixture(); // sink#0 is at attempt 1
    expectRejected(f, ack({ taskId: 'sink#0', attempt: 0 }), 'stale-attempt', '$.attempt');
    expectRejected(f, { type: 'declineCheckpoint', jobId: 'job', taskId: 'sink#0', attempt: 0, checkpointId: 1, reason: 'CHECKPOINT_DECLINED' }, 'stale-attempt');
    expectRejected(f, { type: 'taskStateChanged', jobId: 'job', taskId: 'sink#0', attempt: 0, state: 'failed' }, 'stale-attempt');
    expectRejected(f, ack({ taskId: 'src#1', attempt: 4 }), 'stale-attempt', '$.attempt'); // never deployed
  });

  it('an id never handed out is rejected, however large', async () => {
    const f = await busyFixture();
    expectRejected(f, ack({ checkpointId: 2 }), 'unknown-checkpoint', '$.checkpointId');
    expectRejected(f, ack({ checkpointId: 2 ** 40 }), 'unknown-checkpoint');
    expectRejected(f, ack({ checkpointId: Number.MAX_SAFE_INTEGER }), 'unknown-checkpoint');
    expectRejected(f, { type: 'declineCheckpoint', jobId: 'job', taskId: 'src#1', attempt: 0, checkpointId: 99, reason: 'CHECKPOINT_DECLINED' }, 'unknown-checkpoint');
  });
});

describe('malformed messages', () => {
  it('a negative, zero, fractional, unsafe or non-numeric id is malformed', async () => {
    const f = await busyFixture();
    for (const checkpointId of [-1, 0, 1.5, 2 ** 53, Number.MAX_SAFE_INTEGER + 2, Infinity, NaN, '1', null]) {
      expectRejected(f, ack({ checkpointId }), 'malformed', '$.checkpointId');
    }
    expect(f.discarded).toEqual([]);
  });

  it('a negative or fractional attempt is malformed', async () => {
    const f = await busyFixture();
    for (const attempt of [-1, 0.5, '0', 2 ** 60]) expectRejected(f, ack({ attempt }), 'malformed', '$.attempt');
  });

  it('missing and extra fields are malformed, with the path of the field', async () => {
    const f = await busyFixture();
    const { metrics: _m, ...noMetrics } = ack();
    expectRejected(f, noMetrics, 'malformed', '$.metrics');
    const { state: _s, ...noState } = ack();
    expectRejected(f, noState, 'malformed', '$.state');
    expectRejected(f, ack({ extra: true }), 'malformed', '$.extra');
    expectRejected(f, ack({ metrics: { ...EMPTY_METRICS, bonus: 1 } }), 'malformed', '$.metrics.bonus');
    expectRejected(f, ack({ metrics: { ...EMPTY_METRICS, bytesPersisted: -5 } }), 'malformed', '$.metrics.bytesPersisted');
    expectRejected(f, ack({ state: { key: '', sizeBytes: 1 } }), 'malformed', '$.state.key');
    expectRejected(f, ack({ jobId: '' }), 'malformed', '$.jobId');
  });

  it('unknown types, messages meant for tasks and non-objects are malformed', async () => {
    const f = await busyFixture();
    expectRejected(f, { ...ack(), type: 'acknowledge' }, 'malformed', '$.type');
    expectRejected(f, { type: 'notifyCheckpointComplete', jobId: 'job', taskId: 'src#0', attempt: 0, checkpointId: 1, timestamp: 0, lastSubsumedCheckpointId: -1 }, 'malformed', '$.type');
    for (const input of [null, undefined, 42, 'ack', [], [ack()]]) expectRejected(f, input, 'malformed', '$');
  });

  it('a decline with a reason tasks may not give, or a bogus task state, is malformed', async () => {
    const f = await busyFixture();
    expectRejected(f, { type: 'declineCheckpoint', jobId: 'job', taskId: 'src#1', attempt: 0, checkpointId: 1, reason: 'CHECKPOINT_EXPIRED' }, 'malformed', '$.reason');
    expectRejected(f, { type: 'taskStateChanged', jobId: 'job', taskId: 'src#1', attempt: 0, state: 'sleeping' }, 'malformed', '$.state');
  });

  it('a malformed acknowledgement in a batch is rejected and the rest applies', async () => {
    const f = await busyFixture();
    const rejections = f.c.receiveBatch([ack({ checkpointId: -3 }), ack(), { nonsense: true }, ack({ taskId: 'sink#0', attempt: 1 })]);
    expect(rejections.map((r) => [r.code, r.path])).toEqual([
      ['malformed', '$.checkpointId'],
      ['malformed', '$.type'],
    ]);
    expect(f.c.state().completed).toEqual([1]);
  });
});

describe('the pure machine', () => {
  const unchanged = (h: MachineHarness, event: CoordinatorEvent, code: RejectionCode): CoordinatorCommand[] => {
    const before = h.snapshot;
    const commands = h.send(event);
    expect(h.snapshot.value).toEqual(before.value);
    expect(canonical(h.snapshot.context)).toBe(canonical(before.context));
    expect(commands.filter((c) => c.kind === 'rejected').map((c) => c.kind === 'rejected' && c.rejection.code)).toEqual([code]);
    return commands;
  };

  it('rejects events that do not fit its state and changes nothing', () => {
    const h = new MachineHarness({ autoReply: false });
    h.send({ type: 'request.checkpoint', requestId: 'r', checkpointType: 'configured' });
    unchanged(h, { type: 'counter.allocated', seq: 99, checkpointId: 1 }, 'invalid-request');
    unchanged(h, { type: 'finalize.succeeded', checkpointId: 1 }, 'invalid-request');
    unchanged(h, { type: 'clock.tick', now: -5 }, 'invalid-request');
    unchanged(h, { type: 'scheduler.start', random: 0.5 }, 'invalid-request');
    unchanged(h, { type: 'restore', scope: 'regional', tasks: ['ghost#0'] }, 'unknown-task');
  });

  it('rejects acknowledgements with ids it never handed out, without touching its context', () => {
    const h = new MachineHarness();
    h.send({ type: 'request.checkpoint', requestId: 'r', checkpointType: 'configured' });
    for (const checkpointId of [-1, 0, 1.5, 2 ** 53, 2]) {
      const commands = unchanged(h, { type: 'acknowledgeCheckpoint', jobId: 'job', taskId: 'src#0', attempt: 0, checkpointId, metrics: EMPTY_METRICS, state: null }, 'unknown-checkpoint');
      expect(commands).toHaveLength(1);
    }
  });

  it('after shutdown rejects everything but requests, which fail', () => {
    const h = new MachineHarness();
    h.send({ type: 'shutdown' });
    unchanged(h, { type: 'acknowledgeCheckpoint', jobId: 'job', taskId: 'src#0', attempt: 0, checkpointId: 1, metrics: EMPTY_METRICS, state: null }, 'shut-down');
    unchanged(h, { type: 'shutdown' }, 'shut-down');
    expect(h.send({ type: 'request.savepoint', requestId: 's' })).toEqual([{ kind: 'requestFailed', requestId: 's', snapshot: 'savepoint', reason: 'CHECKPOINT_COORDINATOR_SHUTDOWN' }]);
  });
});

describe('malformed configuration fails fast and names the option', () => {
  const cases: Array<[string, Record<string, unknown>]> = [
    ['timeout', { timeout: -1 }],
    ['timeout', { timeout: 0 }],
    ['timeout', { timeout: Number.NaN }],
    ['maxConcurrent', { maxConcurrent: 0 }],
    ['maxConcurrent', { maxConcurrent: 1.5 }],
    ['retained', { retained: 0 }],
    ['interval', { interval: 500, minPause: 1000 }],
    ['interval', { interval: 0 }],
    ['minPause', { minPause: -1 }],
    ['minPause', { minPause: MAX_MIN_PAUSE + 1 }],
    ['tolerableFailures', { tolerableFailures: -1 }],
    ['tolerableFailures', { tolerableFailures: 0.5 }],
    ['maxQueuedRequests', { maxQueuedRequests: 0 }],
    ['mode', { mode: 'exactly-twice' }],
    ['unaligned', { unaligned: true, mode: 'at-least-once' }],
    ['alignedCheckpointTimeout', { alignedCheckpointTimeout: 10 }],
    ['retention', { retention: 'forever' }],
    ['hooks', { hooks: ['a', 'a'] }],
    ['hooks', { hooks: [' '] }],
    ['intervall', { intervall: 1000 }],
  ];

  it.each(cases)('%s: %j', (option, config) => {
    let error: unknown;
    try {
      resolveConfig(config as never);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).option).toBe(option);
    expect((error as ConfigError).message).toContain(option);
  });

  it('createCoordinator rejects before it starts anything', async () => {
    const sent: unknown[] = [];
    let loaded = false;
    const creating = createCoordinator({
      topology: SIMPLE_JOB,
      config: { maxConcurrent: 0 },
      transport: { send: (m) => void sent.push(m) },
      store: {
        load: () => {
          loaded = true;
          return [];
        },
        add: () => {},
      },
    });
    await expect(creating).rejects.toMatchObject({ name: 'ConfigError', option: 'maxConcurrent' });
    expect(loaded).toBe(false);
    expect(sent).toEqual([]);
  });

  it('createCoordinator rejects a malformed topology, a hook without implementation and a missing transport', async () => {
    await expect(createCoordinator({ topology: { jobId: 'j', vertices: [{ id: 'a', parallelism: 0, inputs: [] }] }, transport: { send: () => {} } })).rejects.toMatchObject({
      option: 'topology.vertices[0].parallelism',
    });
    await expect(
      createCoordinator({ topology: { jobId: 'j', vertices: [{ id: 'a', parallelism: 1, inputs: [{ from: 'b', pattern: 'all-to-all' }] }] }, transport: { send: () => {} } }),
    ).rejects.toMatchObject({ option: 'topology.vertices[0].inputs[0].from' });
    await expect(createCoordinator({ topology: SIMPLE_JOB, config: { hooks: ['h'] }, transport: { send: () => {} } })).rejects.toMatchObject({ option: 'hooks' });
    await expect(createCoordinator({ topology: SIMPLE_JOB, transport: undefined as never })).rejects.toMatchObject({ option: 'transport' });
  });
});
