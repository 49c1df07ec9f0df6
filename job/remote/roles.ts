/**
 * The options of a remote run: which role this process plays (the coordinator, or one task), over
 * which transport, and how to reach the others. Checked before anything connects; a bad option is
 * a `ConfigError` naming it.
 * @packageDocumentation
 */
import { ConfigError } from '../../spec/index.js';
import type { TaskId } from '../../spec/index.js';
import type { JobOptions } from '../options.js';
import { pipelineTopology } from '../pipeline.js';
import { wiringOf } from '../../runtime/harness/local-job.js';

/** What a process of a remote run does. */
export type RemoteRole = 'coordinator' | 'task';

/** The transports a remote run can use. */
export type RemoteTransportKind = 'http' | 'amqp' | 'nats';

/** Everything a process of a remote run takes beyond the job's options. */
export interface RemoteOptions {
  /** The role. */
  readonly role: RemoteRole;
  /** The transport of the control channels (and of the data channels, except NATS: see the README). */
  readonly transport: RemoteTransportKind;
  /** The task this process runs (role `task`). */
  readonly taskId: TaskId | null;
  /** RabbitMQ URL (amqp) or NATS server (nats); null: the local default. */
  readonly broker: string | null;
  /** The coordinator's HTTP origin (`--transport http`, role `task`). */
  readonly coordinatorUrl: string | null;
  /** The HTTP port to listen on (0: any free port; the coordinator's must be fixed for tasks to find it). */
  readonly port: number;
  /** The interface HTTP listens on. */
  readonly host: string;
  /** The host name or address peers reach this process at (default: `host`); the port is the one it listens on. */
  readonly advertise: string | null;
  /** The HTTP bearer token every participant shares (from `SNAPWRIGHT_TOKEN`). */
  readonly token: string | null;
  /** Milliseconds between a task attempt's heartbeats. */
  readonly heartbeatInterval: number;
  /** A task attempt silent this long is declared lost by the coordinator, ms. */
  readonly heartbeatTimeout: number;
  /** Records a source reads per second at most (0: no limit). */
  readonly rate: number;
  /** A standby coordinator takes over once the leader's lease was not renewed for this long (its own clock), ms. */
  readonly leaseTimeout: number;
  /** The leading coordinator renews its lease this often, ms (null: a sixth of `leaseTimeout`). */
  readonly leaseRenew: number | null;
}

/** The defaults. */
export const DEFAULT_REMOTE_OPTIONS: RemoteOptions = {
  role: 'coordinator',
  transport: 'http',
  taskId: null,
  broker: null,
  coordinatorUrl: null,
  port: 0,
  host: '127.0.0.1',
  advertise: null,
  token: null,
  heartbeatInterval: 200,
  heartbeatTimeout: 2000,
  rate: 0,
  leaseTimeout: 3000,
  leaseRenew: null,
};

/** A remote run's options and the job's. */
export interface RemoteJob {
  /** The job (its `dir` is where state and sink output go: shared by every process). */
  readonly job: JobOptions & { readonly dir: string };
  /** The process's role and links. */
  readonly remote: RemoteOptions;
}

const ORIGIN = /^https?:\/\/[^/\s]+$/;

/** The lease options: for the coordinator only; the renewal well inside the timeout. */
function checkLease(r: RemoteOptions, input: Partial<RemoteOptions>): void {
  for (const option of ['leaseTimeout', 'leaseRenew'] as const) {
    if (r.role !== 'coordinator' && input[option] !== undefined) throw new ConfigError(option, 'applies to --role coordinator only');
  }
  if (!Number.isSafeInteger(r.leaseTimeout) || r.leaseTimeout < 100 || r.leaseTimeout > 3_600_000) {
    throw new ConfigError('leaseTimeout', `must be an integer from 100 to 3600000 ms, got ${String(r.leaseTimeout)}`);
  }
  if (r.leaseRenew !== null && (!Number.isSafeInteger(r.leaseRenew) || r.leaseRenew < 10 || 2 * r.leaseRenew >= r.leaseTimeout)) {
    throw new ConfigError('leaseRenew', `must be an integer from 10 ms to below half the lease timeout (${r.leaseTimeout / 2}), got ${String(r.leaseRenew)}`);
  }
}

/**
 * Fills in defaults and checks every option against the job.
 * @param job - the job's options (resolved).
 * @param input - the remote options given.
 * @throws `ConfigError` naming the first bad option.
 */
export function resolveRemoteJob(job: JobOptions, input: Partial<RemoteOptions>): RemoteJob {
  const r: RemoteOptions = { ...DEFAULT_REMOTE_OPTIONS, ...input };
  if (r.role !== 'coordinator' && r.role !== 'task') throw new ConfigError('role', `must be coordinator or task, got ${String(r.role)}`);
  if (!['http', 'amqp', 'nats'].includes(r.transport)) throw new ConfigError('transport', `must be http, amqp or nats, got ${String(r.transport)}`);
  if (job.dir === null) throw new ConfigError('dir', 'is required with --role: every process of the job writes state and sink output there (a shared directory across hosts)');
  if (job.virtual) throw new ConfigError('virtual', 'does not apply to a run across processes');
  if (r.role === 'task') {
    const ids = wiringOf(pipelineTopology(job.jobId, job.parallelism)).taskIds;
    if (r.taskId === null || !ids.includes(r.taskId)) throw new ConfigError('task', `must name a task of the job (${ids.join(', ')}), got ${String(r.taskId)}`);
    if (r.transport === 'http' && (r.coordinatorUrl === null || !ORIGIN.test(r.coordinatorUrl))) throw new ConfigError('coordinatorUrl', `must be the coordinator's http://host:port, got ${String(r.coordinatorUrl)}`);
  } else if (r.taskId !== null) throw new ConfigError('task', 'applies to --role task only');
  const usesHttp = r.transport === 'http' || (r.transport === 'nats' && r.role === 'task');
  if (r.role === 'coordinator' && r.transport === 'http' && r.port === 0) throw new ConfigError('port', 'the coordinator of an HTTP run needs a fixed port that tasks can be told (--port)');
  if (!Number.isSafeInteger(r.port) || r.port < 0 || r.port > 65_535) throw new ConfigError('port', `must be an integer from 0 to 65535, got ${String(r.port)}`);
  if (typeof r.host !== 'string' || r.host === '') throw new ConfigError('host', 'must be an interface name or address');
  if (r.advertise !== null && !/^[A-Za-z0-9.-]+$/.test(r.advertise)) throw new ConfigError('advertise', `must be a host name or IPv4 address (no scheme, no port), got ${String(r.advertise)}`);
  if (r.advertise === null && r.role === 'task' && usesHttp && ['0.0.0.0', '::'].includes(r.host)) throw new ConfigError('advertise', `must name this host when listening on ${r.host}`);
  if (r.broker !== null && (typeof r.broker !== 'string' || r.broker === '')) throw new ConfigError('broker', 'must be a URL or host:port');
  if (usesHttp && (r.token === null || r.token.length < 16)) throw new ConfigError('token', 'HTTP links authenticate every request: set SNAPWRIGHT_TOKEN to the same secret of at least 16 characters in every process');
  if (!Number.isSafeInteger(r.heartbeatInterval) || r.heartbeatInterval < 1) throw new ConfigError('heartbeatInterval', `must be a positive integer, got ${String(r.heartbeatInterval)}`);
  if (!Number.isSafeInteger(r.heartbeatTimeout) || r.heartbeatTimeout <= 2 * r.heartbeatInterval) {
    throw new ConfigError('heartbeatTimeout', `must be an integer above twice the heartbeat interval (${2 * r.heartbeatInterval}), got ${String(r.heartbeatTimeout)}`);
  }
  if (!Number.isSafeInteger(r.rate) || r.rate < 0) throw new ConfigError('rate', `must be a non-negative integer, got ${String(r.rate)}`);
  checkLease(r, input);
  return { job: job as JobOptions & { dir: string }, remote: r };
}
