/**
 * The conformance harness of the NATS transport: one transport (one connection) per participant,
 * a JetStream stream unique to the case, connections cut with a forced client reconnect, and the
 * real nats-server stopped and started again with its documented command.
 * @packageDocumentation
 */
import { randomBytes } from 'node:crypto';
import { createNatsTransport } from '../../../adapters/nats/index.js';
import type { NatsTransport } from '../../../adapters/nats/index.js';
import type { Participant, TransportHarness } from '../conformance/harness.js';
import { deleteStreams, startNats, stopNats } from './nats.js';

/** The prefix of every stream the NATS tests create. */
export const TEST_STREAM_PREFIX = 'SW_TEST_';

/** A fresh NATS harness. */
export function createNatsHarness(): TransportHarness {
  let run = '';
  const transports = new Map<string, NatsTransport>();
  return {
    name: 'nats',
    kind: 'nats',
    capabilities: { dropConnection: true, restartServer: true, authentication: false, maxMessageBytes: null },
    async setup() {
      // A stream left by an interrupted run would overlap this run's subjects.
      await deleteStreams(TEST_STREAM_PREFIX);
      run = randomBytes(4).toString('hex');
      transports.clear();
    },
    async createTransport(participant: Participant) {
      const transport = await createNatsTransport({
        name: `sw-test-${run}-${participant.id}`,
        stream: { name: `${TEST_STREAM_PREFIX}${run}`, subjects: [`snapwright.${participant.jobId}.>`] },
        reconnectTimeWaitMs: 100,
      });
      transports.set(participant.id, transport);
      return transport;
    },
    async teardown() {
      await Promise.all([...transports.values()].map((t) => t.close()));
      transports.clear();
      await deleteStreams(`${TEST_STREAM_PREFIX}${run}`);
    },
    async dropConnection(participant) {
      await transports.get(participant.id)?.connection.reconnect();
    },
    stopServer: stopNats,
    startServer: startNats,
  };
}
