/**
 * The conformance suite over the in-process transport.
 * @packageDocumentation
 */
import type { Transport } from '../../adapters/runtime/contract.js';
import { InProcessNetwork } from '../../adapters/in-process/index.js';
import { defineConformanceSuite } from './conformance/suite.js';
import type { TransportHarness } from './conformance/suite.js';

let network = new InProcessNetwork({ maxMessageBytes: 64 * 1024 });
const open: Transport[] = [];

const harness: TransportHarness = {
  name: 'in-process',
  kind: 'in-process',
  capabilities: { dropConnection: false, restartServer: false, authentication: false, maxMessageBytes: 64 * 1024 },
  setup: async () => {
    network = new InProcessNetwork({ maxMessageBytes: 64 * 1024 });
  },
  createTransport: async () => {
    const t = network.transport();
    open.push(t);
    return t;
  },
  teardown: async () => {
    for (const t of open.splice(0)) await t.close?.();
  },
};

defineConformanceSuite(harness);
