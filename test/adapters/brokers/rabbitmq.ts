/**
 * Controls the machine's real RabbitMQ for the serial transport tests: close connections by name
 * (as a network failure would), stop and start the broker application, and delete a run's queues.
 * @packageDocumentation
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { connect } from 'amqplib';

const run = promisify(execFile);

/** The broker URL of the machine's RabbitMQ. */
export const RABBITMQ_URL = 'amqp://guest:guest@127.0.0.1:5672';

/**
 * Runs `rabbitmqctl` and returns its standard output.
 * @param args - the command and its arguments.
 */
export async function rabbitmqctl(...args: string[]): Promise<string> {
  const { stdout } = await run('rabbitmqctl', ['-q', ...args], { timeout: 120_000 });
  return stdout;
}

/**
 * Closes, on the broker's side, every connection whose `connection_name` is `name`.
 * @param name - the client-provided connection name.
 * @returns how many were closed.
 */
export async function closeConnectionsNamed(name: string): Promise<number> {
  // The table output names the connection process as close_connection wants it (<rabbit@host.n.n.n>).
  const rows = (await rabbitmqctl('list_connections', 'pid', 'client_properties', '--no-table-headers')).split('\n');
  const marker = `{"connection_name","${name}"}`;
  const pids = rows.filter((r) => r.includes(marker)).map((r) => r.split('\t')[0] as string);
  let closed = 0;
  for (const pid of pids) {
    // A connection may be gone between the listing and the close (a reconnect in progress).
    if (await rabbitmqctl('close_connection', pid, 'closed by a snapwright test').then(() => true, () => false)) closed++;
  }
  if (closed === 0) throw new Error(`no live RabbitMQ connection named ${name} could be closed`);
  return closed;
}

/** Stops the RabbitMQ application (the Erlang node stays up); always pair with {@link startRabbit}. */
export async function stopRabbit(): Promise<void> {
  await rabbitmqctl('stop_app');
}

/** Starts the RabbitMQ application and waits until it accepts connections. */
export async function startRabbit(): Promise<void> {
  await rabbitmqctl('start_app');
  await rabbitmqctl('await_startup');
}

/**
 * The counts of one queue.
 * @param queue - the queue name.
 */
export async function queueCounts(queue: string): Promise<{ ready: number; unacked: number } | null> {
  const rows = JSON.parse(await rabbitmqctl('list_queues', 'name', 'messages_ready', 'messages_unacknowledged', '--formatter', 'json')) as Array<{ name: string; messages_ready: number; messages_unacknowledged: number }>;
  const row = rows.find((r) => r.name === queue);
  return row ? { ready: row.messages_ready, unacked: row.messages_unacknowledged } : null;
}

/**
 * Deletes every queue whose name starts with `prefix` (a test run's queues).
 * @param prefix - the run's queue prefix.
 */
export async function deleteQueues(prefix: string): Promise<void> {
  const rows = JSON.parse(await rabbitmqctl('list_queues', 'name', '--formatter', 'json')) as Array<{ name: string }>;
  const names = rows.map((r) => r.name).filter((n) => n.startsWith(prefix));
  if (names.length === 0) return;
  const connection = await connect(RABBITMQ_URL);
  try {
    const channel = await connection.createChannel();
    for (const name of names) await channel.deleteQueue(name);
  } finally {
    await connection.close();
  }
}
