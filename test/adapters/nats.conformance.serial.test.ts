/**
 * The transport conformance suite over the real NATS server with JetStream.
 */
import { createNatsHarness } from './brokers/nats-harness.js';
import { defineConformanceSuite } from './conformance/suite.js';

defineConformanceSuite(createNatsHarness());
