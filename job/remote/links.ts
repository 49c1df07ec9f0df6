/**
 * The links of one process of a remote run: the transport its control channels use (through the
 * generated bindings), the transport of its data channels, and its job-management inbox.
 *
 * - `http`: one HTTP transport for everything. The coordinator listens on a fixed port; a task
 *   process listens on its own and tells the coordinator in `hello`; the coordinator hands every
 *   task the others' origins in `deploy`.
 * - `amqp`: one RabbitMQ transport for everything (it declares ordered-exactly-once).
 * - `nats`: control and management over NATS JetStream (at-least-once, which control tolerates);
 *   the data channels of the task processes over HTTP (they need ordered-exactly-once).
 * @packageDocumentation
 */
import { createAmqpTransport } from '../../adapters/amqp/index.js';
import { createHttpTransport, HttpDirectory } from '../../adapters/http/index.js';
import type { HttpTransport } from '../../adapters/http/index.js';
import { createNatsTransport } from '../../adapters/nats/index.js';
import type { Transport, Unsubscribe } from '../../adapters/runtime/contract.js';
import { addressToken, fillAddress } from '../../adapters/runtime/contract.js';
import { AMQP_ADDRESSES } from '../../generated/bindings/amqp.gen.js';
import type { AddressTemplates, CoordinatorControlBinding, TaskControlBinding } from '../../generated/bindings/endpoints.gen.js';
import { createAmqpCoordinatorControlBinding, createAmqpTaskControlBinding } from '../../generated/bindings/amqp.gen.js';
import { createHttpCoordinatorControlBinding, createHttpTaskControlBinding, HTTP_ADDRESSES } from '../../generated/bindings/http.gen.js';
import { createNatsCoordinatorControlBinding, createNatsTaskControlBinding, NATS_ADDRESSES } from '../../generated/bindings/nats.gen.js';
import type { ManagementMessage } from './management.js';
import { encodeManagement } from './management.js';
import type { ChannelAddresses } from './remote-channel.js';
import type { RemoteJob, RemoteTransportKind } from './roles.js';

/** Where job-management messages go, per transport (beside the generated control addresses). */
const MANAGEMENT: Readonly<Record<RemoteTransportKind, { readonly task: string; readonly coordinator: string }>> = {
  http: { task: '/snapwright/v1/jobs/{jobId}/tasks/{taskId}/manage', coordinator: '/snapwright/v1/jobs/{jobId}/coordinator/manage' },
  amqp: { task: '{jobId}.task.{taskId}.manage', coordinator: '{jobId}.coordinator.manage' },
  nats: { task: 'snapwright.{jobId}.task.{taskId}.manage', coordinator: 'snapwright.{jobId}.coordinator.manage' },
};

const ADDRESSES: Readonly<Record<RemoteTransportKind, AddressTemplates>> = { http: HTTP_ADDRESSES, amqp: AMQP_ADDRESSES, nats: NATS_ADDRESSES };

/** The JetStream stream of a NATS run (one per job, so runs never share messages). */
export function natsStreamOf(jobId: string): { name: string; subjects: string[] } {
  return { name: `SNAPWRIGHT_${jobId.replace(/[^A-Za-z0-9_-]/g, '_')}`.slice(0, 64), subjects: [`snapwright.${addressToken(jobId)}.>`] };
}

/** The links of one process. */
export interface Links {
  /** The kind of the control transport. */
  readonly kind: RemoteTransportKind;
  /** The control transport (for the generated control bindings and job management). */
  readonly control: Transport;
  /** The data transport of the task processes (ordered-exactly-once: HTTP, or RabbitMQ); the coordinator sends no data. */
  readonly data: Transport;
  /** This process's HTTP origin, or null without HTTP. */
  readonly origin: string | null;
  /**
   * The addresses of the data channel from `from` to `to` in attempt `attempt` (new ones per
   * attempt, so nothing of an earlier attempt reaches a later one): its data, and its credit back
   * to the sender (served by the sender's process).
   */
  channelAddresses(attempt: number, from: string, to: string): ChannelAddresses;
  /** Sends a job-management message to the coordinator, or to a task. */
  manage(to: { readonly task: string } | 'coordinator', message: ManagementMessage): Promise<void>;
  /** Receives this process's job-management messages. */
  onManagement(handler: (bytes: Uint8Array) => void): Unsubscribe;
  /** Where each task process serves HTTP (a task learns it from `deploy`, the coordinator from `hello`). */
  readonly peers: Map<string, string>;
  /** Releases every connection and server. */
  close(): Promise<void>;
}

/**
 * Which origin serves an HTTP address of the job: the coordinator's paths, or a task's by its id.
 * @param coordinator - the coordinator's origin (a task process), or undefined (the coordinator itself).
 * @param peers - task origins by task id.
 */
function directoryOf(coordinator: string | undefined, peers: ReadonlyMap<string, string>): HttpDirectory {
  return new HttpDirectory((address) => {
    const m = /^\/snapwright\/v1\/jobs\/[^/]+\/(?:coordinator\/|tasks\/([^/]+)\/)/.exec(address);
    if (!m) return undefined;
    return m[1] === undefined ? coordinator : peers.get(decodeURIComponent(m[1]));
  });
}

/**
 * Opens the links of a process.
 * @param r - the run's options.
 * @param fence - wraps the control transport (the coordinator's refuses sends while its lease is not fresh).
 */
export async function openLinks(r: RemoteJob, fence: (control: Transport) => Transport = (t) => t): Promise<Links> {
  const { job, remote } = r;
  const peers = new Map<string, string>();
  const needsHttp = remote.transport === 'http' || (remote.transport === 'nats' && remote.role === 'task');
  let http: HttpTransport | null = null;
  if (needsHttp) {
    http = await createHttpTransport({
      auth: { scheme: 'bearer', token: remote.token ?? '' },
      directory: directoryOf(remote.coordinatorUrl ?? undefined, peers),
      port: remote.port,
      host: remote.host,
      // A peer that is gone for good is noticed by the heartbeat timeout well before this.
      retry: { budgetMs: 10_000 },
    });
  }
  const origin = http ? (remote.advertise === null ? http.origin : `http://${remote.advertise}:${new URL(http.origin).port}`) : null;
  const name = `snapwright-${job.jobId}-${remote.taskId ?? 'coordinator'}`;
  let control: Transport;
  if (remote.transport === 'http') control = http as HttpTransport;
  else if (remote.transport === 'amqp') control = await createAmqpTransport({ ...(remote.broker ? { url: remote.broker } : {}), connectionName: name, reconnectMaxDelayMs: 500 });
  else {
    // A restarted process takes over its durable consumers: what the dead one held unacknowledged comes again after ackWait.
    control = await createNatsTransport({ ...(remote.broker ? { servers: remote.broker } : {}), name, stream: natsStreamOf(job.jobId), ackWaitMs: 2_000, reconnectTimeWaitMs: 100 });
  }
  const data = remote.transport === 'amqp' ? control : (http ?? control);
  const closeData = data !== control;
  control = fence(control);
  const management = MANAGEMENT[remote.transport];
  const dataTemplate = ADDRESSES[data.kind as RemoteTransportKind].taskToTask;
  const own = remote.role === 'coordinator' ? fillAddress(management.coordinator, { jobId: job.jobId }) : fillAddress(management.task, { jobId: job.jobId, taskId: remote.taskId ?? '' });
  return {
    kind: remote.transport,
    control,
    data,
    origin,
    peers,
    channelAddresses: (attempt, from, to) => ({
      data: fillAddress(dataTemplate, { jobId: `${job.jobId}-a${attempt}`, fromTaskId: from, toTaskId: to }),
      credit: fillAddress(dataTemplate, { jobId: `${job.jobId}-a${attempt}`, fromTaskId: `${to}+credit`, toTaskId: from }),
    }),
    manage: (to, message) =>
      to === 'coordinator'
        ? control.send({ channel: 'taskToCoordinator', address: fillAddress(management.coordinator, { jobId: job.jobId }) }, encodeManagement(message))
        : control.send({ channel: 'coordinatorToTask', address: fillAddress(management.task, { jobId: job.jobId, taskId: to.task }) }, encodeManagement(message)),
    onManagement: (handler) => control.subscribe({ channel: remote.role === 'coordinator' ? 'taskToCoordinator' : 'coordinatorToTask', address: own }, handler),
    async close() {
      await control.close?.();
      if (closeData) await data.close?.();
    },
  };
}

/**
 * The coordinator's control binding over the links (generated for the transport's kind).
 * @param links - the links.
 * @param jobId - the job.
 */
export function coordinatorBinding(links: Links, jobId: string): CoordinatorControlBinding {
  const create = { http: createHttpCoordinatorControlBinding, amqp: createAmqpCoordinatorControlBinding, nats: createNatsCoordinatorControlBinding }[links.kind];
  return create(links.control, { jobId });
}

/**
 * A task's control binding over the links (generated for the transport's kind).
 * @param links - the links.
 * @param jobId - the job.
 * @param taskId - the task.
 */
export function taskBinding(links: Links, jobId: string, taskId: string): TaskControlBinding {
  const create = { http: createHttpTaskControlBinding, amqp: createAmqpTaskControlBinding, nats: createNatsTaskControlBinding }[links.kind];
  return create(links.control, { jobId, taskId });
}
