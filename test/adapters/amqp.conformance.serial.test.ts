/**
 * The transport conformance suite over the real RabbitMQ.
 */
import { createAmqpHarness } from './brokers/amqp-harness.js';
import { defineConformanceSuite } from './conformance/suite.js';

defineConformanceSuite(createAmqpHarness());
