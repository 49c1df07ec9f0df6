/**
 * The conformance harness of the RabbitMQ transport: one transport (one connection) per
 * participant, queues under a prefix unique to the case, connections cut with `rabbitmqctl
 * close_connection`, the broker stopped and started with `rabbitmqctl stop_app` / `start_app`.
 * @packageDocumentation
 */
import { randomBytes } from 'node:crypto';
import { connect, credentials } from 'amqplib';
import { amqpConnectError, createAmqpTransport } from '../../../adapters/amqp/index.js';
import type { AmqpTransport } from '../../../adapters/amqp/index.js';
import type { ChannelAddress } from '../../../adapters/runtime/contract.js';
import { TransportError } from '../../../adapters/shared/errors.js';
import type { Forgery, ForgedOutcome, Participant, TransportHarness } from '../conformance/harness.js';
import { closeConnectionsNamed, deleteQueues, startRabbit, stopRabbit } from './rabbitmq.js';

/**
 * A fresh RabbitMQ harness.
 * @param options - the prefetch of every transport (default the transport's own).
 */
export function createAmqpHarness(options: { readonly prefetch?: number } = {}): TransportHarness {
  let run = '';
  let transports: AmqpTransport[] = [];
  const nameOf = (p: Participant) => `sw-test-${run}-${p.id}`;
  return {
    name: 'amqp',
    kind: 'amqp',
    capabilities: { dropConnection: true, restartServer: true, authentication: true, maxMessageBytes: null },
    async setup() {
      run = randomBytes(4).toString('hex');
      transports = [];
    },
    async createTransport(participant) {
      const transport = await createAmqpTransport({
        connectionName: nameOf(participant),
        queuePrefix: `sw-test-${run}.`,
        reconnectMaxDelayMs: 500,
        ...(options.prefetch ? { prefetch: options.prefetch } : {}),
      });
      transports.push(transport);
      return transport;
    },
    async teardown() {
      await Promise.all(transports.map((t) => t.close()));
      transports = [];
      await deleteQueues(`sw-test-${run}.`);
    },
    async dropConnection(participant) {
      await closeConnectionsNamed(nameOf(participant));
    },
    stopServer: stopRabbit,
    startServer: startRabbit,
    async sendForged(to: ChannelAddress, bytes: Uint8Array, forgery: Forgery): Promise<ForgedOutcome> {
      if (forgery === 'no-credentials') {
        // amqplib fills a URL without credentials with guest:guest, so an outsider without
        // credentials is a client offering none: the EXTERNAL mechanism, without a certificate.
        try {
          const forger = await connect('amqp://127.0.0.1:5672', { credentials: credentials.external() });
          await forger.close();
          return { error: null };
        } catch (error) {
          return { error: amqpConnectError(error) };
        }
      }
      const url = 'amqp://guest:not-the-password@127.0.0.1:5672';
      try {
        const forger = await createAmqpTransport({ url, connectionName: `sw-test-${run}-forger`, queuePrefix: `sw-test-${run}.` });
        try {
          await forger.send(to, bytes);
        } finally {
          await forger.close();
        }
        return { error: null };
      } catch (error) {
        if (error instanceof TransportError) return { error };
        throw error;
      }
    },
  };
}
