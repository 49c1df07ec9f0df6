/**
 * Hot standby across processes: two `snapwright run --role coordinator` processes and the task
 * processes, spawned over HTTP, RabbitMQ and NATS (real ports, broker and server, names unique to
 * the run). The first coordinator leads; the second stands by for it. The leader is SIGKILLed in
 * the middle of a checkpoint (a task held back with SIGSTOP until the REST endpoint confirms the
 * checkpoint waits), and the standby takes over without any restart: leader epoch 2, checkpoint
 * ids above every earlier one, and output exactly once. The time from the SIGKILL to the
 * standby's first completed checkpoint is printed.
 *
 * A leader frozen with SIGSTOP past the lease timeout is taken over as well (over NATS the standby
 * runs the job meanwhile; over HTTP it waits for the port the frozen leader holds); resumed with
 * SIGCONT, the old leader finds itself deposed and exits (status 3) without judging, having
 * completed no checkpoint after it froze; no task deploys an attempt of its epoch again, and the
 * output is exactly once. A standby whose leader finishes the job exits without taking over.
 */
import { performance } from 'node:perf_hooks';
import { loadavg } from 'node:os';
import { afterEach, describe, expect, it } from 'vitest';
import { parseArgs } from '../../cli/args.js';
import { runCommand } from '../../cli/commands/run.js';
import { resolveJobOptions } from '../../job/options.js';
import type { DeposedResult, RemoteResult } from '../../job/remote/coordinator-process.js';
import { resolveRemoteJob } from '../../job/remote/roles.js';
import { ConfigError } from '../../spec/index.js';
import { ATTEMPTS_PER_EPOCH } from '../../job/remote/membership.js';
import type { Proc } from './support/remote-cluster.js';
import { Cluster, completedIds, freezeMidCheckpoint, restOf, resultOf, TASKS } from './support/remote-cluster.js';

const LEASE = ['--lease-timeout', '1500', '--lease-renew', '150'];

const judged = (p: Proc): RemoteResult => {
  const r = resultOf(p);
  if (r.outcome !== 'judged') throw new Error(`${p.name} ended ${r.outcome}`);
  return r;
};

/** Attempt numbers a task process deployed, in order, in `lines` of its output. */
const deployedAttempts = (lines: readonly string[]): number[] => lines.map((l) => /deployed attempt (\d+)/.exec(l)).filter((m) => m !== null).map((m) => Number(m[1]));

describe('a hot-standby coordinator', () => {
  let cluster: Cluster | null = null;
  afterEach(async (ctx) => {
    if (ctx.task.result?.state === 'fail' && cluster) console.log(cluster.tail());
    await cluster?.cleanup();
    cluster = null;
  });

  for (const kind of ['http', 'amqp', 'nats'] as const) {
    it(`over ${kind}: the standby takes over from a leader SIGKILLed mid-checkpoint, with a higher epoch, ids above every earlier one, exactly once`, async () => {
      const c = (cluster = new Cluster(kind, 4000));
      const leader = await c.coordinator(LEASE, 'leader');
      await leader.waitFor(/^leading: took leader epoch 1 /);
      const standby = await c.coordinator(LEASE, 'standby');
      await standby.waitFor(/^standing by for leader epoch 1's holder /);
      const rest = await restOf(leader);
      const tasks = new Map(TASKS.map((id) => [id, c.task(id)]));
      await leader.waitFor(/^checkpoint \d+ completed/);
      const sink = tasks.get('sink#0') as Proc;
      const interrupted = await freezeMidCheckpoint(rest, sink);
      leader.child.kill('SIGKILL');
      const killedAt = performance.now();
      sink.child.kill('SIGCONT');
      await leader.exited;
      const before = completedIds(leader);
      await standby.waitFor(/^leading: took leader epoch 2 /);
      const first = await standby.waitFor(/^checkpoint (\d+) completed/);
      const takeoverMs = Math.round(performance.now() - killedAt);
      console.log(`over ${kind}: leader SIGKILLed mid-checkpoint ${interrupted}; the standby's first checkpoint (${first[1]}) completed ${takeoverMs} ms later (lease timeout 1500 ms, renewal 150 ms); load average ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
      expect(await standby.exited).toBe(0);
      const r = judged(standby);
      expect(r).toMatchObject({ exactlyOnce: true, lostRecords: 0, duplicateRecords: 0, inconsistentKeys: 0, inputRecords: 8000, committedRecords: 8000, timedOut: false, leaderEpoch: 2 });
      const after = completedIds(standby);
      expect(after.length).toBeGreaterThan(0);
      expect(Math.min(...after)).toBeGreaterThan(Math.max(...before, interrupted));
      expect([...before, ...after]).not.toContain(interrupted);
      // No coordinator was restarted: the two spawned are the only ones, and the tasks follow epoch 2.
      expect(c.procs.filter((p) => p.name === 'leader' || p.name === 'standby')).toHaveLength(2);
      for (const p of tasks.values()) {
        expect(await p.exited).toBe(0);
        expect(deployedAttempts(p.lines).at(-1)).toBeGreaterThan(2 * ATTEMPTS_PER_EPOCH);
      }
    }, 150_000);
  }

  it('over amqp: when the leader finishes the job, the standby says so and exits 0 without taking over', async () => {
    const c = (cluster = new Cluster('amqp', 1000));
    const leader = await c.coordinator(LEASE, 'leader');
    await leader.waitFor(/^leading: took leader epoch 1 /);
    const standby = await c.coordinator(LEASE, 'standby');
    await standby.waitFor(/^standing by for leader epoch 1's holder /);
    TASKS.forEach((id) => c.task(id));
    expect(await leader.exited).toBe(0);
    expect(judged(leader)).toMatchObject({ exactlyOnce: true, committedRecords: 2000, leaderEpoch: 1 });
    expect(await standby.exited).toBe(0);
    expect(resultOf(standby)).toMatchObject({ outcome: 'job-done', leaderEpoch: 1 });
    expect(standby.lines.some((l) => l.startsWith('leading'))).toBe(false);
    await standby.waitFor(/^the job finished under leader epoch 1 /);
  }, 150_000);

  for (const kind of ['nats', 'http'] as const) {
    it(`over ${kind}: a leader frozen past the lease timeout is taken over; resumed, it finds itself deposed and exits without completing a checkpoint, and no task takes its epoch again`, async () => {
      const c = (cluster = new Cluster(kind, 4000));
      const leader = await c.coordinator(LEASE, 'leader');
      await leader.waitFor(/^leading: took leader epoch 1 /);
      const standby = await c.coordinator(LEASE, 'standby');
      await standby.waitFor(/^standing by for leader epoch 1's holder /);
      const tasks = new Map(TASKS.map((id) => [id, c.task(id)]));
      await leader.waitFor(/^checkpoint [2-9]\d* completed/);
      leader.child.kill('SIGSTOP');
      await standby.waitFor(/^leading: took leader epoch 2 /);
      // Over NATS the standby runs the job while the old leader is frozen (the tasks follow epoch 2);
      // over HTTP it waits for the port the frozen one still holds.
      await standby.waitFor(kind === 'nats' ? /^checkpoint \d+ completed/ : /^coordinator links: port in use/);
      const frozenLines = leader.lines.length;
      const before = completedIds(leader);
      const taskLines = new Map([...tasks].map(([id, p]) => [id, p.lines.length]));
      leader.child.kill('SIGCONT');
      expect(await leader.exited).toBe(3);
      await leader.waitFor(/^deposed: leader epoch 1 was taken over by epoch 2 /);
      const deposed = resultOf(leader) as DeposedResult;
      expect(deposed).toMatchObject({ outcome: 'deposed', leaderEpoch: 1, deposedBy: { epoch: 2 }, checkpointsCompleted: before.length });
      expect(completedIds(leader, frozenLines)).toEqual([]);
      expect(await standby.exited).toBe(0);
      const r = judged(standby);
      expect(r).toMatchObject({ exactlyOnce: true, lostRecords: 0, duplicateRecords: 0, inputRecords: 8000, committedRecords: 8000, leaderEpoch: 2 });
      expect(Math.min(...completedIds(standby))).toBeGreaterThan(Math.max(...before));
      for (const [id, p] of tasks) {
        expect(await p.exited).toBe(0);
        // After the old leader resumed, every attempt a task deployed is of epoch 2.
        const resumed = p.lines.slice(taskLines.get(id));
        expect(deployedAttempts(p.lines).at(-1)).toBeGreaterThan(2 * ATTEMPTS_PER_EPOCH);
        expect(deployedAttempts(resumed).every((a) => a > 2 * ATTEMPTS_PER_EPOCH)).toBe(true);
        // Whatever of epoch 1 reached a task after that was rejected as stale-epoch or ignored.
        for (const l of resumed.filter((x) => /stale-epoch|deposed leader epoch/.test(x))) expect(l).toMatch(/leader epoch 1\b/);
      }
    }, 150_000);
  }
});

describe('lease options', () => {
  const job = resolveJobOptions({ dir: '/shared/run', jobId: 'orders', parallelism: 1 });
  const coordinator = { role: 'coordinator' as const, transport: 'amqp' as const };

  it('default to a 3 s lease renewed every sixth of it; a coordinator takes both', () => {
    expect(resolveRemoteJob(job, coordinator).remote).toMatchObject({ leaseTimeout: 3000, leaseRenew: null });
    expect(resolveRemoteJob(job, { ...coordinator, leaseTimeout: 1000, leaseRenew: 499 }).remote).toMatchObject({ leaseTimeout: 1000, leaseRenew: 499 });
  });

  it.each([
    ['leaseTimeout', { ...coordinator, leaseTimeout: 99 }],
    ['leaseTimeout', { ...coordinator, leaseTimeout: 1500.5 }],
    ['leaseRenew', { ...coordinator, leaseTimeout: 1000, leaseRenew: 500 }],
    ['leaseRenew', { ...coordinator, leaseRenew: 5 }],
    ['leaseTimeout', { role: 'task' as const, transport: 'amqp' as const, taskId: 'sink#0', leaseTimeout: 3000 }],
    ['leaseRenew', { role: 'task' as const, transport: 'amqp' as const, taskId: 'sink#0', leaseRenew: 100 }],
  ])('names %s when it is bad', (option, input) => {
    expect(() => resolveRemoteJob(job, input)).toThrow(ConfigError);
    expect(() => resolveRemoteJob(job, input)).toThrow(expect.objectContaining({ option }) as Error);
  });

  it('the command line names the flag before anything runs', async () => {
    const run = (argv: string[]) => runCommand(parseArgs(argv));
    await expect(run(['--role', 'coordinator', '--transport', 'amqp', '--dir', '/tmp/x', '--lease-timeout', '50'])).rejects.toThrow(/^--lease-timeout: must be an integer from 100/);
    await expect(run(['--role', 'coordinator', '--transport', 'amqp', '--dir', '/tmp/x', '--lease-renew', '2000'])).rejects.toThrow(/^--lease-renew: must be an integer from 10 ms to below half/);
    await expect(run(['--role', 'task', '--task', 'sink#0', '--transport', 'amqp', '--dir', '/tmp/x', '--lease-timeout', '2000'])).rejects.toThrow(/^--lease-timeout: applies to --role coordinator only/);
    await expect(run(['--lease-timeout', '2000'])).rejects.toThrow(/--lease-timeout needs --role/);
  });
});
