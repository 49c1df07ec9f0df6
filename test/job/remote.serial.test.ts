/**
 * The main job across processes: a coordinator process and one process per task, spawned as
 * `snapwright run --role ...` over HTTP, RabbitMQ and NATS (real localhost ports, the real broker
 * and server, names unique to the run and removed afterwards). A task process is SIGKILLed in the
 * middle of a checkpoint (frozen with SIGSTOP first, so the REST endpoint can confirm that the
 * checkpoint still waits for it), the coordinator notices by heartbeat timeout, the process is
 * started again, and the committed output is exactly the input processed once. The coordinator
 * process is killed and restarted too: it takes a new leader epoch and continues checkpoint ids.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { RemoteResult } from '../../job/remote/coordinator-process.js';
import { natsStreamOf } from '../../job/remote/links.js';
import { deleteStreams } from '../adapters/brokers/nats.js';
import { deleteQueues } from '../adapters/brokers/rabbitmq.js';

type Kind = 'http' | 'amqp' | 'nats';

const ROOT = join(import.meta.dirname, '..', '..');
const TOKEN = 'remote-test-token-0123456789';
const HEARTBEAT_TIMEOUT = 1500;
const TASKS = ['deposits#0', 'withdrawals#0', 'balance#0', 'sink#0'];

/** One spawned process and what it printed. */
class Proc {
  readonly lines: string[] = [];
  stdout = '';
  readonly exited: Promise<number | null>;
  private readonly waiters: Array<{ re: RegExp; resolve: (m: RegExpExecArray) => void }> = [];

  constructor(readonly name: string, readonly child: ChildProcess) {
    const take = (chunk: Buffer, stdout: boolean) => {
      const text = chunk.toString('utf8');
      if (stdout) this.stdout += text;
      for (const line of text.split('\n')) {
        if (line === '') continue;
        this.lines.push(line);
        for (const w of [...this.waiters]) {
          const m = w.re.exec(line);
          if (m) {
            this.waiters.splice(this.waiters.indexOf(w), 1);
            w.resolve(m);
          }
        }
      }
    };
    child.stdout?.on('data', (c: Buffer) => take(c, true));
    child.stderr?.on('data', (c: Buffer) => take(c, false));
    this.exited = new Promise((resolve) => child.once('exit', (code) => resolve(code)));
  }

  /** The first line (printed so far or later) matching `re`. */
  waitFor(re: RegExp): Promise<RegExpExecArray> {
    for (const line of this.lines) {
      const m = re.exec(line);
      if (m) return Promise.resolve(m);
    }
    return new Promise((resolve) => this.waiters.push({ re, resolve }));
  }

  get alive(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }
}

const freePort = (): Promise<number> =>
  new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface CheckpointStats {
  readonly id: number;
  readonly status: 'IN_PROGRESS' | 'COMPLETED' | 'FAILED';
  readonly num_subtasks: number;
  readonly num_acknowledged_subtasks: number;
}

async function getJson<T>(url: string): Promise<T> {
  const res = await fetch(url);
  return (await res.json()) as T;
}

/** A coordinator and its task processes of one run. */
class Cluster {
  readonly jobId: string;
  readonly dir: string;
  readonly procs: Proc[] = [];
  private port = 0;

  constructor(readonly kind: Kind, private readonly records: number) {
    this.jobId = `rt-${kind}-${randomBytes(4).toString('hex')}`;
    this.dir = mkdtempSync(join(tmpdir(), 'snapwright-remote-'));
  }

  private common(): string[] {
    return ['--transport', this.kind, '--job-id', this.jobId, '--dir', this.dir, '--records', String(this.records), '--parallelism', '1', '--keys', '40',
      '--interval', '100', '--heartbeat-interval', '100', '--heartbeat-timeout', String(HEARTBEAT_TIMEOUT), '--rate', '1500', '--deadline', '90000'];
  }

  private spawn(name: string, args: string[]): Proc {
    const child = spawn(process.execPath, ['--import', 'tsx', 'cli/main.ts', 'run', ...args], { cwd: ROOT, env: { ...process.env, SNAPWRIGHT_TOKEN: TOKEN }, stdio: ['ignore', 'pipe', 'pipe'] });
    const p = new Proc(name, child);
    this.procs.push(p);
    return p;
  }

  async coordinator(): Promise<Proc> {
    if (this.port === 0) this.port = await freePort();
    return this.spawn('coordinator', ['--role', 'coordinator', ...this.common(), '--port', String(this.port), '--rest-port', '0', '--json']);
  }

  task(taskId: string): Proc {
    const http = this.kind === 'http' ? ['--coordinator-url', `http://127.0.0.1:${this.port}`] : [];
    return this.spawn(taskId, ['--role', 'task', '--task', taskId, ...this.common(), ...http]);
  }

  async cleanup(): Promise<void> {
    for (const p of this.procs) if (p.alive) p.child.kill('SIGKILL');
    await Promise.all(this.procs.map((p) => p.exited));
    rmSync(this.dir, { recursive: true, force: true });
    if (this.kind === 'amqp') await deleteQueues(`snapwright.${this.jobId}`);
    if (this.kind === 'nats') await deleteStreams(natsStreamOf(this.jobId).name);
  }
}

/** The REST endpoint the coordinator prints. */
async function restOf(coordinator: Proc): Promise<string> {
  return (await coordinator.waitFor(/^checkpoint statistics: (\S+)$/))[1] as string;
}

/**
 * Waits for a checkpoint that some but not all tasks acknowledged, freezes `victim` and confirms
 * after a pause that the checkpoint still waits (so the victim had not acknowledged it), then
 * SIGKILLs it. Returns the interrupted checkpoint's id.
 */
async function killMidCheckpoint(rest: string, victim: Proc): Promise<number> {
  for (let tries = 0; tries < 200; tries++) {
    const { history } = await getJson<{ history: CheckpointStats[] }>(rest);
    const pending = history.find((h) => h.status === 'IN_PROGRESS' && h.num_acknowledged_subtasks > 0 && h.num_acknowledged_subtasks < h.num_subtasks);
    if (!pending) {
      await sleep(5);
      continue;
    }
    victim.child.kill('SIGSTOP');
    await sleep(400);
    const now = await getJson<CheckpointStats>(`${rest}/details/${pending.id}`);
    if (now.status === 'IN_PROGRESS' && now.num_acknowledged_subtasks < now.num_subtasks) {
      victim.child.kill('SIGKILL');
      await victim.exited;
      return pending.id;
    }
    victim.child.kill('SIGCONT');
  }
  throw new Error('no checkpoint in progress found');
}

function resultOf(coordinator: Proc): RemoteResult {
  const last = coordinator.stdout.trim().split('\n').pop() as string;
  return JSON.parse(last) as RemoteResult;
}

const completedIds = (p: Proc): number[] => p.lines.map((l) => /^checkpoint (\d+) completed/.exec(l)).filter((m) => m !== null).map((m) => Number(m[1]));

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
