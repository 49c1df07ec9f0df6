/**
 * One table says what every transport declares; the transports' own `delivery` fields agree with
 * it, and the bindings refuse a transport too weak for a channel.
 */
import { describe, expect, it } from 'vitest';
import { createHttpTransport, DECLARED_DELIVERY, HttpDirectory, InProcessNetwork } from '../../adapters/index.js';
import { createNatsTaskDataBinding } from '../../generated/bindings/nats.gen.js';
import { createNatsCoordinatorControlBinding } from '../../generated/bindings/nats.gen.js';

describe('declared delivery', () => {
  it('the in-process and HTTP transports declare what the table says', async () => {
    expect(new InProcessNetwork().transport().delivery).toBe(DECLARED_DELIVERY['in-process']);
    const http = await createHttpTransport({ auth: { scheme: 'none' }, directory: new HttpDirectory(() => 'http://127.0.0.1:1'), port: 0 });
    try {
      expect(http.delivery).toBe(DECLARED_DELIVERY.http);
    } finally {
      await http.close?.();
    }
  });

  it('a binding refuses a transport weaker than its channel needs (NATS carries control, not data)', () => {
    const nats = { kind: 'nats' as const, delivery: DECLARED_DELIVERY.nats, send: async () => {}, subscribe: () => () => {} };
    expect(() => createNatsCoordinatorControlBinding(nats, { jobId: 'j' })).not.toThrow();
    expect(() => createNatsTaskDataBinding(nats, { jobId: 'j', taskId: 't' })).toThrow(/ordered-exactly-once/);
  });
});
