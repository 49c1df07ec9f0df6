/**
 * The delivery each transport declares, in one table: what the transports' `delivery` fields say,
 * and what `snapwright check --transport <kind>` explores (its control network loses, duplicates
 * and reorders exactly as the declaration allows).
 * @packageDocumentation
 */
import type { DeliveryGuarantee, TransportKind } from './runtime/contract.js';

/**
 * The in-process transport: FIFO per address, nothing lost or duplicated.
 * @public
 */
export const IN_PROCESS_DELIVERY: DeliveryGuarantee = 'ordered-exactly-once';

/**
 * The HTTP transport: one batch in flight per address, retried under one idempotency key.
 * @public
 */
export const HTTP_DELIVERY: DeliveryGuarantee = 'ordered-exactly-once';

/**
 * What the RabbitMQ transport guarantees on every address: FIFO per (sender, address), nothing
 * lost once `send` resolved, and no send handed over twice while the receiving transport lives
 * (redeliveries are recognised by the sender's sequence numbers; see the README).
 * @public
 */
export const AMQP_DELIVERY: DeliveryGuarantee = 'ordered-exactly-once';

/**
 * What the NATS transport guarantees: nothing lost once `send` resolved (the stream stored it),
 * duplicates possible (a redelivery after an acknowledgement was lost, beyond the dedup window),
 * and no order across a reconnect (see the README).
 * @public
 */
export const NATS_DELIVERY: DeliveryGuarantee = 'at-least-once';

/**
 * The delivery every transport kind declares.
 * @public
 */
export const DECLARED_DELIVERY: Readonly<Record<TransportKind, DeliveryGuarantee>> = Object.freeze({
  'in-process': IN_PROCESS_DELIVERY,
  http: HTTP_DELIVERY,
  amqp: AMQP_DELIVERY,
  nats: NATS_DELIVERY,
});
