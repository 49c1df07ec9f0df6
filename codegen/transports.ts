/**
 * The transport binding table: for each transport kind, the address of every logical channel and
 * the AsyncAPI 3 server and bindings. Field names follow the AsyncAPI bindings (`amqp` 0.3.0,
 * `nats` 0.1.0, `http` 0.3.0) so the AsyncAPI export is mechanical.
 *
 * Address templates use these placeholders, filled by the generated bindings with
 * `addressToken`-encoded values:
 * - `{jobId}`: the job;
 * - `{taskId}`: the receiving task of a coordinator-to-task message;
 * - `{fromTaskId}`, `{toTaskId}`: the sending and receiving task of a task-to-task event.
 * @packageDocumentation
 */
import type { ChannelDef, Delivery, Direction } from './model.js';

/** Placeholders an address template may use. */
export const ADDRESS_PARAMS = ['jobId', 'taskId', 'fromTaskId', 'toTaskId'] as const;

/** One address placeholder. */
export type AddressParam = (typeof ADDRESS_PARAMS)[number];

/** What each placeholder means, for the AsyncAPI channel parameters. */
export const ADDRESS_PARAM_DOCS: Readonly<Record<AddressParam, string>> = {
  jobId: 'The job id, address-token encoded (every character outside [A-Za-z0-9_-] as %XX).',
  taskId: 'The receiving task id, address-token encoded.',
  fromTaskId: 'The sending task id, address-token encoded.',
  toTaskId: 'The receiving task id, address-token encoded.',
};

/** The AsyncAPI side of a transport. */
export interface AsyncApiTransport {
  /** The server object (host, protocol, protocolVersion, description). */
  readonly server: Readonly<Record<string, unknown>>;
  /** Channel bindings, keyed by binding name (`amqp`), or undefined for none. */
  readonly channelBindings?: (channel: ChannelDef) => Readonly<Record<string, unknown>>;
  /** Operation bindings for one action on a channel. */
  readonly operationBindings?: (channel: ChannelDef, action: 'send' | 'receive') => Readonly<Record<string, unknown>>;
  /** Message bindings for one message. */
  readonly messageBindings?: (type: string, delivery: Delivery) => Readonly<Record<string, unknown>>;
}

/** One transport kind. */
export interface TransportSpec {
  /** The kind (matches `TransportKind` of the runtime contract). */
  readonly kind: 'in-process' | 'http' | 'amqp' | 'nats';
  /** The file and identifier stem, e.g. `InProcess`, `Http`. */
  readonly stem: string;
  /** One line on what the binding carries. */
  readonly summary: string;
  /** The address template of each direction's channel. */
  readonly addresses: Readonly<Record<Direction, string>>;
  /** Extra per-channel constants the adapter needs (AMQP exchanges, HTTP methods), by direction. */
  readonly channelInfo?: Readonly<Record<Direction, Readonly<Record<string, unknown>>>>;
  /** The AsyncAPI export, or undefined when the transport is not in the document (in-process). */
  readonly asyncapi?: AsyncApiTransport;
}

const EXCHANGE = (kind: 'control' | 'data') => ({ name: `snapwright.${kind}`, type: 'topic', durable: true, autoDelete: false, vhost: '/' });

/** Every transport kind, in output order. */
export const TRANSPORTS: readonly TransportSpec[] = [
  {
    kind: 'in-process',
    stem: 'InProcess',
    summary: 'queues inside one process (tests, the harness, a single-node deployment)',
    addresses: {
      'coordinator-to-task': '{jobId}/task/{taskId}/control',
      'task-to-coordinator': '{jobId}/coordinator/control',
      'task-to-task': '{jobId}/data/{fromTaskId}/{toTaskId}',
    },
  },
  {
    kind: 'http',
    stem: 'Http',
    summary: 'one POST per message (the address is the request path)',
    addresses: {
      'coordinator-to-task': '/snapwright/v1/jobs/{jobId}/tasks/{taskId}/control',
      'task-to-coordinator': '/snapwright/v1/jobs/{jobId}/coordinator/control',
      'task-to-task': '/snapwright/v1/jobs/{jobId}/tasks/{toTaskId}/data/{fromTaskId}',
    },
    channelInfo: {
      'coordinator-to-task': { method: 'POST' },
      'task-to-coordinator': { method: 'POST' },
      'task-to-task': { method: 'POST' },
    },
    asyncapi: {
      server: { host: 'localhost:8080', pathname: '/', protocol: 'http', description: 'Each participant serves its inbox paths; senders POST one JSON message per request.' },
      operationBindings: () => ({ http: { method: 'POST', bindingVersion: '0.3.0' } }),
    },
  },
  {
    kind: 'amqp',
    stem: 'Amqp',
    summary: 'AMQP 0-9-1 topic exchanges; the address is the routing key',
    addresses: {
      'coordinator-to-task': '{jobId}.task.{taskId}.control',
      'task-to-coordinator': '{jobId}.coordinator.control',
      'task-to-task': '{jobId}.data.{fromTaskId}.{toTaskId}',
    },
    channelInfo: {
      'coordinator-to-task': { exchange: EXCHANGE('control') },
      'task-to-coordinator': { exchange: EXCHANGE('control') },
      'task-to-task': { exchange: EXCHANGE('data') },
    },
    asyncapi: {
      server: { host: 'localhost:5672', protocol: 'amqp', protocolVersion: '0.9.1', description: 'A RabbitMQ (or other AMQP 0-9-1) broker.' },
      channelBindings: (c) => ({ amqp: { is: 'routingKey', exchange: EXCHANGE(c.kind), bindingVersion: '0.3.0' } }),
      operationBindings: (c, action) =>
        action === 'send'
          ? { amqp: { deliveryMode: c.delivery === 'at-most-once' ? 1 : 2, mandatory: c.delivery !== 'at-most-once', bindingVersion: '0.3.0' } }
          : { amqp: { ack: c.delivery !== 'at-most-once', bindingVersion: '0.3.0' } },
      messageBindings: (type) => ({ amqp: { contentEncoding: 'utf-8', messageType: type, bindingVersion: '0.3.0' } }),
    },
  },
  {
    kind: 'nats',
    stem: 'Nats',
    summary: 'NATS subjects (JetStream for at-least-once channels); the address is the subject',
    addresses: {
      'coordinator-to-task': 'snapwright.{jobId}.task.{taskId}.control',
      'task-to-coordinator': 'snapwright.{jobId}.coordinator.control',
      'task-to-task': 'snapwright.{jobId}.data.{fromTaskId}.{toTaskId}',
    },
    asyncapi: {
      server: { host: 'localhost:4222', protocol: 'nats', description: 'A NATS server; at-least-once channels need a JetStream stream on their subjects.' },
      operationBindings: (c, action) => (action === 'receive' && c.direction === 'task-to-coordinator' ? { nats: { queue: 'snapwright-coordinator', bindingVersion: '0.1.0' } } : { nats: { bindingVersion: '0.1.0' } }),
    },
  },
];

/**
 * The placeholders of an address template, in order.
 * @param template - e.g. `{jobId}.task.{taskId}.control`.
 */
export function templateParams(template: string): string[] {
  return [...template.matchAll(/\{([A-Za-z][A-Za-z0-9]*)\}/g)].map((m) => m[1] as string);
}
