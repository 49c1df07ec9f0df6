/**
 * The main job across processes: a coordinator process and one process per task, spawned as
 * `snapwright run --role ...` over HTTP, RabbitMQ and NATS (real localhost ports, the real broker
 * and server, names unique to the run and removed afterwards). A task process is SIGKILLed in the
 * middle of a checkpoint (frozen with SIGSTOP first, so the REST endpoint can confirm that the
 * checkpoint still waits for it), the coordinator notices by heartbeat timeout, the process is
 * started again, and the committed output is exactly the input processed once. The coordinator
 * process is killed and restarted too: it takes a new leader epoch and continues checkpoint ids.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { RemoteResult } from '../../job/remote/coordinator-process.js';
import type { Proc } from './support/remote-cluster.js';
import { Cluster, completedIds, getJson, HEARTBEAT_TIMEOUT, killMidCheckpoint, restOf, resultOf as anyResultOf, TASKS } from './support/remote-cluster.js';
import type { CheckpointStats } from './support/remote-cluster.js';

/** The verdict of a coordinator that led to the end. */
const resultOf = (p: Proc): RemoteResult => {
  const r = anyResultOf(p);
  if (r.outcome !== 'judged') throw new Error(`the coordinator ended ${r.outcome}`);
  return r;
};

describe('the main job across processes', () => {
  let cluster: Cluster | null = null;
  afterEach(async () => {
    await cluster?.cleanup();
    cluster = null;
  });

  for (const kind of ['http', 'amqp', 'nats'] as const) {
    it(`over ${kind}: a task process SIGKILLed mid-checkpoint is lost by heartbeat timeout, restarted, and the output is exactly once`, async () => {
      const c = (cluster = new Cluster(kind, 4000));
      const coordinator = await c.coordinator();
      const rest = await restOf(coordinator);
      const tasks = new Map(TASKS.map((id) => [id, c.task(id)]));
      await coordinator.waitFor(/^checkpoint \d+ completed/);
      const interrupted = await killMidCheckpoint(rest, tasks.get('sink#0') as Proc);
      const lost = await coordinator.waitFor(/^task sink#0 attempt (\d+) lost: no heartbeat for (\d+) ms$/);
      expect(Number(lost[2])).toBeGreaterThan(HEARTBEAT_TIMEOUT);
      expect((await getJson<CheckpointStats>(`${rest}/details/${interrupted}`)).status).toBe('FAILED');
      const restarted = c.task('sink#0');
      await restarted.waitFor(/deployed attempt \d+ from checkpoint \d+/);
      expect(await coordinator.exited).toBe(0);
      const r = resultOf(coordinator);
      expect(r).toMatchObject({ exactlyOnce: true, lostRecords: 0, duplicateRecords: 0, inconsistentKeys: 0, inputRecords: 8000, committedRecords: 8000, timedOut: false });
      expect(r.recoveries).toBeGreaterThanOrEqual(1);
      // Only the killed task is lost: the live ones' heartbeats keep arriving (none dropped as a redelivery).
      expect(r.tasksLost.map((t) => t.taskId)).toEqual(['sink#0']);
      expect(completedIds(coordinator)).not.toContain(interrupted);
      for (const p of [...tasks.values(), restarted]) if (p !== tasks.get('sink#0')) expect(await p.exited).toBe(0);
    }, 120_000);
  }

  for (const kind of ['http', 'amqp', 'nats'] as const) {
    it(`over ${kind}: a coordinator process SIGKILLed and restarted takes a new leader epoch, continues checkpoint ids and stays exactly once`, async () => {
      const c = (cluster = new Cluster(kind, 4000));
      const first = await c.coordinator();
      TASKS.forEach((id) => c.task(id));
      await first.waitFor(/^checkpoint \d+ completed/);
      await first.waitFor(/^checkpoint [2-9]\d* completed/);
      first.child.kill('SIGKILL');
      await first.exited;
      const before = completedIds(first);
      const second = await c.coordinator();
      const deployed = await second.waitFor(/^deploying attempt (\d+) of every task from checkpoint (\d+)$/);
      expect(Number(deployed[2])).toBeGreaterThanOrEqual(Math.max(...before));
      expect(await second.exited).toBe(0);
      const r = resultOf(second);
      expect(r).toMatchObject({ exactlyOnce: true, lostRecords: 0, duplicateRecords: 0, leaderEpoch: 2 });
      expect(Number(deployed[1])).toBeGreaterThan(20_000);
      const after = completedIds(second);
      expect(after.length).toBeGreaterThan(0);
      expect(Math.min(...after)).toBeGreaterThan(Math.max(...before));
    }, 120_000);
  }

  it('over http: a task process frozen past the heartbeat timeout is declared lost, its late heartbeats are rejected as stale-attempt, and it is deployed again', async () => {
    const c = (cluster = new Cluster('http', 4000));
    const coordinator = await c.coordinator();
    const tasks = new Map(TASKS.map((id) => [id, c.task(id)]));
    await coordinator.waitFor(/^checkpoint \d+ completed/);
    const source = tasks.get('deposits#0') as Proc;
    source.child.kill('SIGSTOP');
    const lost = await coordinator.waitFor(/^task deposits#0 attempt (\d+) lost: no heartbeat/);
    source.child.kill('SIGCONT');
    await source.waitFor(new RegExp(`deployed attempt (?!${lost[1]}$)\\d+ from`));
    expect(await coordinator.exited).toBe(0);
    const r = resultOf(coordinator);
    expect(r).toMatchObject({ exactlyOnce: true, lostRecords: 0, duplicateRecords: 0 });
    expect(r.tasksLost.map((t) => t.taskId)).toEqual(['deposits#0']);
    expect(r.rejected['stale-attempt'] ?? 0).toBeGreaterThanOrEqual(1);
    expect(await source.exited).toBe(0);
  }, 120_000);
});
