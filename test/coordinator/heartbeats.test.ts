/**
 * Heartbeat supervision of task attempts (`heartbeatTimeout`), and the leader epoch stamped on
 * the coordinator's messages.
 */
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../spec/index.js';
import { createCoordinator } from '../../runtime/coordinator/create-coordinator.js';
import { ManualTime } from '../../runtime/time.js';
import type { CoordinatorToTaskMessage } from '../../spec/index.js';
import { flush, SIMPLE_JOB, startFixture, track, useProtocolMonitors } from '../support/coordinator-fixture.js';

useProtocolMonitors();

const beat = (taskId: string, attempt = 0) => ({ type: 'heartbeat', jobId: 'job', taskId, attempt });

describe('heartbeat supervision', () => {
  it('declares an attempt silent past the timeout failed: its unacknowledged checkpoint aborts with TASK_FAILURE, taskLost is emitted', async () => {
    const f = await startFixture({ config: { heartbeatTimeout: 1000 } });
    const outcome = track(f.c.triggerCheckpoint());
    await flush();
    f.ack('src#0', 1);
    f.ack('sink#0', 1);
    // src#0 and sink#0 keep beating; src#1 falls silent.
    for (let t = 0; t < 4; t++) {
      f.time.advance(400);
      expect(f.c.receive(beat('src#0')).ok).toBe(true);
      expect(f.c.receive(beat('sink#0')).ok).toBe(true);
    }
    await flush();
    expect(f.commandsOf('taskLost')).toMatchObject([{ taskId: 'src#1', attempt: 0 }]);
    expect(f.commandsOf('taskLost')[0]?.silentForMs).toBeGreaterThan(1000);
    expect(outcome.value).toEqual({ status: 'aborted', checkpointId: 1, snapshot: 'checkpoint', reason: 'TASK_FAILURE' });
    expect(f.c.actor.getSnapshot().context.tasks.get('src#1')).toEqual({ attempt: 0, state: 'failed' });
  });

  it('rejects a late heartbeat of the declared-dead attempt and changes nothing; a new attempt is supervised again', async () => {
    const f = await startFixture({ config: { heartbeatTimeout: 1000 } });
    f.time.advance(1600);
    expect(f.commandsOf('taskLost').map((c) => c.taskId)).toEqual(['src#0', 'src#1', 'sink#0']);
    // (the first delivery also moves the coordinator's clock to now)
    expect(f.c.receive(beat('src#0'))).toMatchObject({ ok: false, rejection: { code: 'stale-attempt', path: '$.attempt' } });
    const before = f.c.actor.getSnapshot().context;
    expect(f.c.receive(beat('src#0'))).toMatchObject({ ok: false, rejection: { code: 'stale-attempt', path: '$.attempt' } });
    expect(f.c.actor.getSnapshot().context).toBe(before);
    f.clearLog();
    expect(f.report('src#0', 'running', 1).ok).toBe(true);
    f.time.advance(600);
    expect(f.c.receive(beat('src#0', 1)).ok).toBe(true);
    f.time.advance(600);
    expect(f.commandsOf('taskLost')).toEqual([]);
    f.time.advance(1000);
    expect(f.commandsOf('taskLost')).toMatchObject([{ taskId: 'src#0', attempt: 1 }]);
  });

  it('checks heartbeats like every task message: wrong job, unknown task, malformed', async () => {
    const f = await startFixture({ config: { heartbeatTimeout: 1000 } });
    const before = f.c.actor.getSnapshot().context;
    expect(f.c.receive({ ...beat('src#0'), jobId: 'other' })).toMatchObject({ ok: false, rejection: { code: 'wrong-job' } });
    expect(f.c.receive(beat('nope#0'))).toMatchObject({ ok: false, rejection: { code: 'unknown-task' } });
    expect(f.c.receive({ ...beat('src#0'), attempt: -1 })).toMatchObject({ ok: false, rejection: { code: 'malformed', path: '$.attempt' } });
    expect(f.c.actor.getSnapshot().context).toBe(before);
  });

  it('stops supervising at shutdown: the heartbeat timer is cancelled', async () => {
    const f = await startFixture({ config: { heartbeatTimeout: 1000 } });
    expect(f.time.pending().map((p) => p.name)).toContain('heartbeat');
    f.c.shutdown();
    expect(f.time.pending()).toEqual([]);
    f.time.advance(5000);
    expect(f.commandsOf('taskLost')).toEqual([]);
  });

  it('is off by default: heartbeats are accepted, nothing is tracked, nobody is declared lost', async () => {
    const f = await startFixture();
    expect(f.c.receive(beat('src#0')).ok).toBe(true);
    f.time.advance(10 * 600_000);
    expect(f.commandsOf('taskLost')).toEqual([]);
    expect(f.c.actor.getSnapshot().context.lastSeen.size).toBe(0);
    expect(f.time.pending().map((p) => p.name)).not.toContain('heartbeat');
  });

  it('fails fast on a bad heartbeatTimeout, naming the option', async () => {
    await expect(createCoordinator({ topology: SIMPLE_JOB, transport: { send() {} }, config: { heartbeatTimeout: -1 } })).rejects.toThrow(ConfigError);
    await expect(createCoordinator({ topology: SIMPLE_JOB, transport: { send() {} }, config: { heartbeatTimeout: -1 } })).rejects.toThrow(/heartbeatTimeout/);
  });
});

describe('leader epoch', () => {
  it('is stamped on every message to the tasks; absent for epoch 0', async () => {
    const time = new ManualTime(1000);
    const sent: CoordinatorToTaskMessage[] = [];
    const c = await createCoordinator({ topology: SIMPLE_JOB, transport: { send: (m) => void sent.push(m) }, clock: time, timers: time, leaderEpoch: 3 });
    for (const t of ['src#0', 'src#1', 'sink#0']) c.receive({ type: 'taskStateChanged', jobId: 'job', taskId: t, attempt: 0, state: 'running' });
    void c.triggerCheckpoint();
    await flush();
    expect(sent.length).toBeGreaterThan(0);
    expect(sent.every((m) => m.leaderEpoch === 3)).toBe(true);
    const f = await startFixture();
    void f.c.triggerCheckpoint();
    await flush();
    expect(f.sent.every((m) => !('leaderEpoch' in m))).toBe(true);
  });

  it('fails fast on a bad leaderEpoch, naming the option', async () => {
    await expect(createCoordinator({ topology: SIMPLE_JOB, transport: { send() {} }, leaderEpoch: 1.5 })).rejects.toThrow(/leaderEpoch/);
  });
});
