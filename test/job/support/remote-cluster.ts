/**
 * Processes of the main job across processes, for the serial tests that spawn them: each one a
 * real `snapwright run --role ...` child, its output collected line by line; a cluster of one
 * run's coordinators and tasks with names unique to the run (removed afterwards); and the REST
 * look-ups that find a checkpoint in progress and interrupt it.
 * @packageDocumentation
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CoordinatorProcessResult } from '../../../job/remote/coordinator-process.js';
import { natsStreamOf } from '../../../job/remote/links.js';
import { deleteStreams } from '../../adapters/brokers/nats.js';
import { deleteQueues } from '../../adapters/brokers/rabbitmq.js';

/** The transports of a remote run. */
export type Kind = 'http' | 'amqp' | 'nats';

const ROOT = join(import.meta.dirname, '..', '..', '..');
const TOKEN = 'remote-test-token-0123456789';
/** The heartbeat timeout the cluster's processes use, ms. */
export const HEARTBEAT_TIMEOUT = 1500;
/** The tasks of a job of parallelism 1. */
export const TASKS = ['deposits#0', 'withdrawals#0', 'balance#0', 'sink#0'];

/** One spawned process and what it printed. */
export class Proc {
  /** Every line, stdout and stderr. */
  readonly lines: string[] = [];
  /** Stdout alone. */
  stdout = '';
  /** Its exit status (null: killed by a signal). */
  readonly exited: Promise<number | null>;
  private readonly waiters: Array<{ re: RegExp; resolve: (m: RegExpExecArray) => void }> = [];

  /**
   * @param name - what it runs.
   * @param child - the process.
   */
  constructor(
    readonly name: string,
    readonly child: ChildProcess,
  ) {
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

  /** Whether it still runs. */
  get alive(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }
}

/** A free localhost TCP port. */
export const freePort = (): Promise<number> =>
  new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });

/** Resolves after `ms`. */
export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A checkpoint as the REST endpoint shows it. */
export interface CheckpointStats {
  /** Its id. */
  readonly id: number;
  /** Where it is. */
  readonly status: 'IN_PROGRESS' | 'COMPLETED' | 'FAILED';
  /** Tasks it waits for. */
  readonly num_subtasks: number;
  /** Tasks that acknowledged it. */
  readonly num_acknowledged_subtasks: number;
}

/** GETs JSON. */
export async function getJson<T>(url: string): Promise<T> {
  const res = await fetch(url);
  return (await res.json()) as T;
}

/** Coordinators and task processes of one run. */
export class Cluster {
  /** The job id, unique to the run. */
  readonly jobId: string;
  /** The shared directory. */
  readonly dir: string;
  /** Every process spawned. */
  readonly procs: Proc[] = [];
  private port = 0;

  /**
   * @param kind - the transport.
   * @param records - records per partition.
   */
  constructor(
    readonly kind: Kind,
    private readonly records: number,
  ) {
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

  /**
   * Starts a coordinator process (every one on the same fixed HTTP port).
   * @param extra - more flags.
   * @param name - its name.
   */
  async coordinator(extra: readonly string[] = [], name = 'coordinator'): Promise<Proc> {
    if (this.port === 0) this.port = await freePort();
    return this.spawn(name, ['--role', 'coordinator', ...this.common(), '--port', String(this.port), '--rest-port', '0', '--json', ...extra]);
  }

  /**
   * Starts the process of a task.
   * @param taskId - the task.
   */
  task(taskId: string): Proc {
    const http = this.kind === 'http' ? ['--coordinator-url', `http://127.0.0.1:${this.port}`] : [];
    return this.spawn(taskId, ['--role', 'task', '--task', taskId, ...this.common(), ...http]);
  }

  /** The last `n` lines of every process, for a failed test's report. */
  tail(n = 25): string {
    return this.procs.map((p) => `--- ${p.name} (${p.alive ? 'running' : `exited ${String(p.child.exitCode ?? p.child.signalCode)}`})\n${p.lines.slice(-n).join('\n')}`).join('\n');
  }

  /** Kills what still runs and removes the directory, queues and stream. */
  async cleanup(): Promise<void> {
    for (const p of this.procs) {
      if (!p.alive) continue;
      p.child.kill('SIGKILL');
      p.child.kill('SIGCONT'); // a frozen process dies only once it runs
    }
    await Promise.all(this.procs.map((p) => p.exited));
    rmSync(this.dir, { recursive: true, force: true });
    if (this.kind === 'amqp') await deleteQueues(`snapwright.${this.jobId}`);
    if (this.kind === 'nats') await deleteStreams(natsStreamOf(this.jobId).name);
  }
}

/** The REST endpoint a coordinator prints once it leads. */
export async function restOf(coordinator: Proc): Promise<string> {
  return (await coordinator.waitFor(/^checkpoint statistics: (\S+)$/))[1] as string;
}

/**
 * Waits for a checkpoint that some but not all tasks acknowledged, freezes `holdBack` with
 * SIGSTOP and confirms after a pause that the checkpoint still waits (so `holdBack` had not
 * acknowledged it). Returns the checkpoint's id; `holdBack` stays frozen.
 * @param rest - the leading coordinator's REST endpoint.
 * @param holdBack - a task process.
 */
export async function freezeMidCheckpoint(rest: string, holdBack: Proc): Promise<number> {
  for (let tries = 0; tries < 200; tries++) {
    const { history } = await getJson<{ history: CheckpointStats[] }>(rest);
    const pending = history.find((h) => h.status === 'IN_PROGRESS' && h.num_acknowledged_subtasks > 0 && h.num_acknowledged_subtasks < h.num_subtasks);
    if (!pending) {
      await sleep(5);
      continue;
    }
    holdBack.child.kill('SIGSTOP');
    await sleep(400);
    const now = await getJson<CheckpointStats>(`${rest}/details/${pending.id}`);
    if (now.status === 'IN_PROGRESS' && now.num_acknowledged_subtasks < now.num_subtasks) return pending.id;
    holdBack.child.kill('SIGCONT');
  }
  throw new Error('no checkpoint in progress found');
}

/**
 * {@link freezeMidCheckpoint}, then SIGKILLs the frozen task. Returns the interrupted checkpoint's id.
 * @param rest - the leading coordinator's REST endpoint.
 * @param victim - a task process.
 */
export async function killMidCheckpoint(rest: string, victim: Proc): Promise<number> {
  const id = await freezeMidCheckpoint(rest, victim);
  victim.child.kill('SIGKILL');
  await victim.exited;
  return id;
}

/** The JSON result a coordinator printed last. */
export function resultOf(coordinator: Proc): CoordinatorProcessResult {
  const last = coordinator.stdout.trim().split('\n').pop() as string;
  return JSON.parse(last) as CoordinatorProcessResult;
}

/**
 * The ids of the checkpoints a coordinator printed as completed, in order.
 * @param p - the coordinator.
 * @param from - the first line to look at.
 */
export const completedIds = (p: Proc, from = 0): number[] =>
  p.lines
    .slice(from)
    .map((l) => /^checkpoint (\d+) completed/.exec(l))
    .filter((m) => m !== null)
    .map((m) => Number(m[1]));
