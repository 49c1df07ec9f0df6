/**
 * Where an address lives on RabbitMQ: the channel's durable topic exchange (from the generated
 * `AMQP_CHANNELS`), the address as routing key, and one durable queue per address bound to it.
 * @packageDocumentation
 */
import type { Channel } from 'amqplib';
import { AMQP_CHANNELS } from '../../generated/bindings/amqp.gen.js';
import type { ChannelAddress } from '../runtime/contract.js';

/** The exchange, routing key and queue of one address. */
export interface AmqpRoute {
  /** The channel's exchange. */
  readonly exchange: string;
  /** The routing key: the address itself. */
  readonly routingKey: string;
  /** The durable queue that holds the address's messages until they are acknowledged. */
  readonly queue: string;
}

type ChannelName = keyof typeof AMQP_CHANNELS;

/**
 * The route of `address`, or null when its logical channel has no AMQP binding.
 * @param address - the logical channel and the filled-in routing key.
 * @param queuePrefix - the transport's queue prefix.
 * @public
 */
export function amqpRoute(address: ChannelAddress, queuePrefix: string): AmqpRoute | null {
  if (!Object.hasOwn(AMQP_CHANNELS, address.channel)) return null;
  const { exchange } = AMQP_CHANNELS[address.channel as ChannelName];
  return { exchange: exchange.name, routingKey: address.address, queue: `${queuePrefix}${address.address}` };
}

/**
 * Declares every exchange of `AMQP_CHANNELS` as the bindings say (durable topic exchanges).
 * @param channel - an open channel.
 * @public
 */
export async function declareExchanges(channel: Channel): Promise<void> {
  const seen = new Set<string>();
  for (const { exchange } of Object.values(AMQP_CHANNELS)) {
    if (seen.has(exchange.name)) continue;
    seen.add(exchange.name);
    await channel.assertExchange(exchange.name, exchange.type, { durable: exchange.durable, autoDelete: exchange.autoDelete });
  }
}

/**
 * Declares the durable queue of `route` and binds it to its exchange by its routing key, so the
 * address's messages wait there whether or not anyone consumes yet.
 * @param channel - an open channel.
 * @param route - the address's route.
 * @public
 */
export async function declareQueue(channel: Channel, route: AmqpRoute): Promise<void> {
  await channel.assertQueue(route.queue, { durable: true, autoDelete: false, exclusive: false });
  await channel.bindQueue(route.queue, route.exchange, route.routingKey);
}
