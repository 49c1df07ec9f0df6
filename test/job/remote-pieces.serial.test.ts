/**
 * The pieces of a run across processes, without spawning processes: job-management messages and
 * their checks, the remote options (a bad one names itself before anything connects), the data
 * channel over a transport (order, credit-based back-pressure, malformed input, the refusal of a transport
 * that declares less than ordered-exactly-once: the real NATS transport), the source throttle, the
 * membership of task processes, and the coordinator's heartbeat-friendly redelivery window.
 * (Serial because one case connects to the real NATS server.)
 */
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createInProcessTransport } from '../../adapters/in-process/index.js';
import { createNatsTransport } from '../../adapters/nats/index.js';
import { DedupWindow, idempotencyKeyOf } from '../../adapters/shared/dedup.js';
import { parseArgs, UsageError } from '../../cli/args.js';
import { runCommand } from '../../cli/commands/run.js';
import { DataChannel } from '../../job/data-channel.js';
import type { InputRecord } from '../../job/input-log.js';
import { resolveJobOptions } from '../../job/options.js';
import { natsStreamOf } from '../../job/remote/links.js';
import type { ManagementMessage } from '../../job/remote/management.js';
import { decodeManagement, encodeManagement, taskDecision, TO_COORDINATOR, TO_TASK } from '../../job/remote/management.js';
import { ATTEMPTS_PER_EPOCH, JobMembership } from '../../job/remote/membership.js';
import { decodeCredit, decodeDataMessage, encodeCredit, encodeRecords, feedInput, RemoteOutput } from '../../job/remote/remote-channel.js';
import { resolveRemoteJob } from '../../job/remote/roles.js';
import { Throttle } from '../../job/remote/throttle.js';
import type { JobRecord } from '../../job/task-runner.js';
import { ConfigError } from '../../spec/index.js';
import type { StreamEvent } from '../../spec/index.js';
import { deleteStreams } from '../adapters/brokers/nats.js';

const ENCODER = new TextEncoder();
const record = (offset: number): InputRecord => ({ side: 0, partition: 0, offset, key: offset % 7, amount: 1 + (offset % 100) });
const barrier = (checkpointId: number): StreamEvent => ({ type: 'barrier', checkpointId, timestamp: 1000 + checkpointId, options: { snapshot: 'checkpoint', alignment: 'aligned', alignedCheckpointTimeoutMs: 0 } });

describe('job-management messages', () => {
  const messages: ManagementMessage[] = [
    { kind: 'hello', jobId: 'j', taskId: 'sink#0', instance: 'i-1', origin: 'http://10.0.0.2:8080', attempt: -1, exhausted: false },
    { kind: 'deployed', jobId: 'j', taskId: 'sink#0', attempt: 10001 },
    { kind: 'atEnd', jobId: 'j', taskId: 'deposits#0', checkpointId: 7 },
    { kind: 'committed', jobId: 'j', taskId: 'sink#0', checkpointId: 7 },
    { kind: 'deploy', jobId: 'j', taskId: 'sink#0', instance: 'i-1', epoch: 2, attempt: 20001, restore: null, peers: { 'sink#0': 'http://10.0.0.2:8080' } },
    { kind: 'start', jobId: 'j', taskId: 'sink#0', epoch: 2, attempt: 20001 },
    { kind: 'stop', jobId: 'j', taskId: 'sink#0', epoch: 2 },
  ];

  it('round-trips every kind in its direction', () => {
    for (const m of messages) {
      const allowed = (TO_TASK as readonly string[]).includes(m.kind) ? TO_TASK : TO_COORDINATOR;
      expect(decodeManagement(encodeManagement(m), allowed)).toEqual({ ok: true, value: m });
    }
  });

  it('refuses a message of the other direction, bad JSON and a bad field with a typed rejection naming the path', () => {
    expect(decodeManagement(encodeManagement(messages[4] as ManagementMessage), TO_COORDINATOR)).toMatchObject({ ok: false, rejection: { code: 'malformed', path: '$.kind' } });
    expect(decodeManagement(ENCODER.encode('{"kind":'), TO_TASK)).toMatchObject({ ok: false, rejection: { code: 'malformed', path: '$' } });
    expect(decodeManagement(ENCODER.encode('[1]'), TO_TASK)).toMatchObject({ ok: false, rejection: { path: '$' } });
    const badPeers = { ...(messages[4] as object), peers: { 'sink#0': 'ftp://x' } };
    expect(decodeManagement(ENCODER.encode(JSON.stringify(badPeers)), TO_TASK)).toMatchObject({ ok: false, rejection: { path: '$.peers' } });
    const badAttempt = { ...(messages[5] as object), attempt: 1.5 };
    expect(decodeManagement(ENCODER.encode(JSON.stringify(badAttempt)), TO_TASK)).toMatchObject({ ok: false, rejection: { path: '$.attempt' } });
  });
});

describe("a task process's fencing of job management", () => {
  const standing = { jobId: 'j', taskId: 'sink#0', instance: 'me', epoch: 2, attempt: 20001 };
  const deploy = { kind: 'deploy' as const, jobId: 'j', taskId: 'sink#0', instance: 'me', epoch: 2, attempt: 20002, restore: null, peers: {} };

  it('takes a newer attempt of the current or a higher epoch, meant for this process', () => {
    expect(taskDecision(deploy, standing)).toBe('deploy');
    expect(taskDecision({ ...deploy, epoch: 3, attempt: 30001 }, standing)).toBe('deploy');
    expect(taskDecision({ kind: 'start', jobId: 'j', taskId: 'sink#0', epoch: 2, attempt: 20001 }, standing)).toBe('start');
    expect(taskDecision({ kind: 'start', jobId: 'j', taskId: 'sink#0', epoch: 2, attempt: 20002 }, standing)).toBe('start-later');
    expect(taskDecision({ kind: 'stop', jobId: 'j', taskId: 'sink#0', epoch: 2 }, standing)).toBe('stop');
  });

  it("ignores a deposed coordinator's messages, another process's deploy, an old attempt, another job or task", () => {
    expect(taskDecision({ ...deploy, epoch: 1, attempt: 10009 }, standing)).toBe('ignore');
    expect(taskDecision({ kind: 'stop', jobId: 'j', taskId: 'sink#0', epoch: 1 }, standing)).toBe('ignore');
    expect(taskDecision({ ...deploy, instance: 'a-dead-process' }, standing)).toBe('ignore');
    expect(taskDecision({ ...deploy, attempt: 20001 }, standing)).toBe('ignore');
    expect(taskDecision({ kind: 'start', jobId: 'j', taskId: 'sink#0', epoch: 2, attempt: 20000 }, standing)).toBe('ignore');
    expect(taskDecision({ ...deploy, jobId: 'other' }, standing)).toBe('ignore');
    expect(taskDecision({ ...deploy, taskId: 'sink#1' }, standing)).toBe('ignore');
  });
});

describe('remote options', () => {
  const job = resolveJobOptions({ dir: '/shared/run', jobId: 'orders', parallelism: 1 });
  const ok = { role: 'task' as const, transport: 'http' as const, taskId: 'sink#0', coordinatorUrl: 'http://10.0.0.1:7000', token: 'x'.repeat(16) };

  it('accepts a complete task and coordinator', () => {
    expect(resolveRemoteJob(job, ok).remote).toMatchObject({ role: 'task', taskId: 'sink#0', heartbeatInterval: 200, heartbeatTimeout: 2000 });
    expect(resolveRemoteJob(job, { role: 'coordinator', transport: 'amqp' }).remote.role).toBe('coordinator');
    expect(resolveRemoteJob(job, { role: 'coordinator', transport: 'nats' }).remote.token).toBeNull();
  });

  it.each([
    ['role', { ...ok, role: 'worker' as never }],
    ['transport', { ...ok, transport: 'kafka' as never }],
    ['task', { ...ok, taskId: 'sink#3' }],
    ['task', { role: 'coordinator' as const, transport: 'amqp' as const, taskId: 'sink#0' }],
    ['coordinatorUrl', { ...ok, coordinatorUrl: null }],
    ['port', { role: 'coordinator' as const, transport: 'http' as const, token: 'x'.repeat(16) }],
    ['token', { ...ok, token: 'short' }],
    ['advertise', { ...ok, advertise: 'http://10.0.0.2:80' }],
    ['advertise', { ...ok, host: '0.0.0.0' }],
    ['heartbeatTimeout', { ...ok, heartbeatInterval: 500, heartbeatTimeout: 1000 }],
    ['rate', { ...ok, rate: -1 }],
  ])('names %s when it is bad', (option, input) => {
    expect(() => resolveRemoteJob(job, input)).toThrow(ConfigError);
    try {
      resolveRemoteJob(job, input);
    } catch (e) {
      expect((e as ConfigError).option).toBe(option);
    }
  });

  it('needs a shared --dir', () => {
    expect(() => resolveRemoteJob(resolveJobOptions({}), ok)).toThrow(expect.objectContaining({ option: 'dir' }) as Error);
  });

  it('the command line names the flag before anything runs', async () => {
    const run = (argv: string[]) => runCommand(parseArgs(argv));
    await expect(run(['--role', 'task', '--task', 'sink#9', '--dir', '/tmp/x'])).rejects.toThrow(/--task: must name a task/);
    await expect(run(['--role', 'coordinator', '--kill-task', '--dir', '/tmp/x'])).rejects.toThrow(/--kill-task does not apply with --role/);
    await expect(run(['--transport', 'amqp'])).rejects.toThrow(/--transport needs --role/);
    await expect(run(['--role', 'coordinator', '--transport', 'amqp', '--dir', '/tmp/x', '--heartbeat-timeout', '100'])).rejects.toThrow(/--heartbeat-timeout: must be an integer above/);
    const token = process.env.SNAPWRIGHT_TOKEN;
    delete process.env.SNAPWRIGHT_TOKEN;
    try {
      // A NATS run's tasks exchange data over HTTP, which authenticates every request.
      await expect(run(['--role', 'task', '--task', 'sink#0', '--transport', 'nats', '--dir', '/tmp/x'])).rejects.toThrow(UsageError);
      await expect(run(['--role', 'task', '--task', 'sink#0', '--transport', 'nats', '--dir', '/tmp/x'])).rejects.toThrow(/SNAPWRIGHT_TOKEN: /);
    } finally {
      if (token !== undefined) process.env.SNAPWRIGHT_TOKEN = token;
    }
  });
});

describe('data channels over a transport', () => {
  const at = (name: string) => ({ data: `${name}/data`, credit: `${name}/credit` });
  const settle = () => new Promise((r) => setTimeout(r, 20));
  const drain = (c: DataChannel<JobRecord>) => {
    const items: unknown[] = [];
    for (let item = c.take(); item !== undefined; item = c.take()) items.push(item);
    return items;
  };

  it('delivers records and barriers in one order; the sender counts what the receiving task has not taken until credit returns', async () => {
    const transport = createInProcessTransport();
    const input = new DataChannel<JobRecord>('deposits#0');
    const feed = feedInput(transport, at('a1'), input, 4096, () => {});
    const out = new RemoteOutput('deposits#0', transport, at('a1'), (e) => {
      throw e;
    });
    for (let i = 0; i < 1100; i++) out.push(record(i));
    out.push(barrier(1));
    out.push(record(1100));
    out.flush();
    await settle();
    expect(input.size).toBe(1102);
    expect(out.size).toBe(1102);
    const items = drain(input);
    expect(items[1100]).toMatchObject({ type: 'barrier', checkpointId: 1 });
    expect(items.filter((_, i) => i !== 1100).map((r) => (r as InputRecord).offset)).toEqual([...Array(1101).keys()]);
    expect(out.size).toBe(1102);
    feed.release();
    await settle();
    expect(out.size).toBe(0);
    feed.unsubscribe();
    out.close();
  });

  it('a channel blocked for alignment takes nothing: its sender stays full and the transport is held at the bound, until it drains', async () => {
    const transport = createInProcessTransport();
    const input = new DataChannel<JobRecord>('x');
    input.blocked = true;
    const feed = feedInput(transport, at('a2'), input, 256, () => {});
    const out = new RemoteOutput('x', transport, at('a2'), () => {});
    for (let i = 0; i < 1024; i++) out.push(record(i));
    out.flush();
    await settle();
    feed.release();
    await settle();
    // One batch of 256 fills the channel to its bound; the rest waits in the transport.
    expect(input.size).toBe(256);
    expect(out.size).toBe(1024);
    input.blocked = false;
    drain(input);
    feed.release();
    await settle();
    expect(out.size).toBe(1024 - 256);
    expect(input.size).toBe(256);
    feed.unsubscribe();
    out.close();
  });

  it('refuses malformed data and credit with a typed rejection at the sender', async () => {
    const transport = createInProcessTransport();
    const rejections: unknown[] = [];
    const input = new DataChannel<JobRecord>('x');
    feedInput(transport, at('a3'), input, 100, (r) => rejections.push(r));
    await expect(transport.send({ channel: 'taskToTask', address: 'a3/data' }, ENCODER.encode('{"records":[{"side":"0"}]}'))).rejects.toMatchObject({ code: 'rejected' });
    await expect(transport.send({ channel: 'taskToTask', address: 'a3/data' }, ENCODER.encode('{"type":"barrier"}'))).rejects.toMatchObject({ code: 'rejected' });
    expect(rejections).toMatchObject([{ code: 'malformed', path: '$.records[0]' }, { code: 'malformed' }]);
    expect(input.size).toBe(0);
    const errors: unknown[] = [];
    const out = new RemoteOutput('x', transport, at('a4'), (e) => errors.push(e));
    await expect(transport.send({ channel: 'taskToTask', address: 'a4/credit' }, encodeCredit(-1))).rejects.toMatchObject({ code: 'rejected' });
    expect(errors).toHaveLength(1);
    out.close();
    expect(decodeDataMessage(encodeRecords([record(5)]))).toEqual({ ok: true, records: [record(5)] });
    expect(decodeCredit(encodeCredit(42))).toBe(42);
  });

  it('refuses a transport that declares less than ordered-exactly-once (NATS JetStream)', async () => {
    const jobId = `rp-${randomBytes(4).toString('hex')}`;
    const nats = await createNatsTransport({ name: `sw-test-${jobId}`, stream: natsStreamOf(jobId) });
    try {
      expect(() => new RemoteOutput('x', nats, { data: 'snapwright.a.b', credit: 'snapwright.a.c' }, () => {})).toThrow(/ordered-exactly-once/);
      expect(() => feedInput(nats, { data: 'snapwright.a.b', credit: 'snapwright.a.c' }, new DataChannel<JobRecord>('x'), 10, () => {})).toThrow(/ordered-exactly-once/);
    } finally {
      await nats.close();
      await deleteStreams(natsStreamOf(jobId).name);
    }
  });
});

describe('the source throttle', () => {
  it('allows rate × elapsed, in bursts of a tenth of a second; 0 is unlimited', () => {
    let now = 0;
    const t = new Throttle(1000, () => now);
    expect(t.allowance(256)).toBe(0);
    now = 50;
    expect(t.allowance(256)).toBe(50);
    t.took(50);
    now = 10_000;
    expect(t.allowance(256)).toBe(100);
    expect(new Throttle(0, () => now).allowance(256)).toBe(256);
  });
});

describe('task processes and deployments', () => {
  const ids = ['deposits#0', 'sink#0'];
  const hello = (taskId: string, instance: string, attempt = -1, exhausted = false) => ({ kind: 'hello' as const, jobId: 'j', taskId, instance, origin: null, attempt, exhausted });

  it('deploys once every task has a process, numbers attempts from the epoch, and runs once every task deployed', () => {
    const m = new JobMembership(ids, 3, 1000);
    m.hello(hello('deposits#0', 'a'), 0);
    expect(m.ready).toBe(false);
    m.hello(hello('sink#0', 'b'), 0);
    expect(m.ready).toBe(true);
    m.deploying();
    const attempt = m.nextAttempt();
    expect(attempt).toBe(3 * ATTEMPTS_PER_EPOCH + 1);
    expect(m.deployedBy('deposits#0', attempt - 1)).toBe(false);
    expect(m.deployedBy('deposits#0', attempt)).toBe(false);
    expect(m.deployedBy('sink#0', attempt)).toBe(true);
    expect(m.running).toBe(true);
    expect(m.exhausted('deposits#0')).toBe(false);
    m.hello(hello('deposits#0', 'a', attempt, true), 10);
    expect(m.exhausted('deposits#0')).toBe(true);
  });

  it('a new process of a deployed task means the old one is gone; a silent one is named; a failover waits for every task again', () => {
    const m = new JobMembership(ids, 1, 1000);
    m.hello(hello('deposits#0', 'a'), 0);
    m.hello(hello('sink#0', 'b'), 0);
    m.deploying();
    m.nextAttempt();
    expect(m.hello(hello('sink#0', 'c'), 100)).toBe(true);
    expect(m.silent(1001)).toBe('deposits#0');
    m.failover();
    m.forget('deposits#0');
    expect(m.ready).toBe(false);
    m.hello(hello('deposits#0', 'd'), 1100);
    expect(m.ready).toBe(true);
    m.deploying();
    expect(m.nextAttempt()).toBe(ATTEMPTS_PER_EPOCH + 2);
    expect(m.recoveries).toBe(1);
  });
});

describe("the coordinator's redelivery window", () => {
  it('lets every heartbeat through (they carry no idempotency key) and drops other redeliveries', () => {
    const beat = idempotencyKeyOf({ type: 'heartbeat', jobId: 'j', taskId: 'sink#0', attempt: 1 } as { type: string });
    const ack = idempotencyKeyOf({ type: 'acknowledgeCheckpoint', jobId: 'j', taskId: 'sink#0', attempt: 1, checkpointId: 4 } as { type: string });
    expect(beat).toBeNull();
    const window = new DedupWindow();
    window.add(ack as string);
    expect(window.has(ack as string)).toBe(true);
  });
});
