/**
 * Controls the machine's real NATS server for the serial transport tests: stop the server process
 * (by its process id, found from the port it listens on) and start it again with the documented
 * command, and delete a run's streams.
 * @packageDocumentation
 */
import { execFile } from 'node:child_process';
import { createConnection } from 'node:net';
import { promisify } from 'node:util';
import { connect } from 'nats';

const run = promisify(execFile);

/** The machine's NATS server. */
export const NATS_SERVER = '127.0.0.1:4222';

/** The documented start command (`.ci/services`). */
const START = ['--start', '--oknodo', '--background', '--exec', '/usr/sbin/nats-server', '--', '-a', '127.0.0.1', '-p', '4222', '-js', '-sd', '/var/lib/nats-server', '-l', '/var/log/nats-server.log'];

const listening = (port: number) =>
  new Promise<boolean>((resolve) => {
    const socket = createConnection({ host: '127.0.0.1', port }, () => {
      socket.destroy();
      resolve(true);
    });
    socket.on('error', () => resolve(false));
  });

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function waitFor(port: number, up: boolean): Promise<void> {
  const deadline = Date.now() + 30_000;
  while ((await listening(port)) !== up) {
    if (Date.now() > deadline) throw new Error(`NATS did not ${up ? 'start' : 'stop'} listening on ${port} within 30 s`);
    await sleep(50);
  }
}

/** The process id of the nats-server listening on 4222, or null. */
async function serverPid(): Promise<number | null> {
  const { stdout } = await run('ss', ['-Htlnp', 'sport = :4222']);
  const match = /nats-server",pid=(\d+)/.exec(stdout);
  return match ? Number(match[1]) : null;
}

/** Stops the NATS server (SIGTERM to its process id) and waits until the port is closed. */
export async function stopNats(): Promise<void> {
  const pid = await serverPid();
  if (pid === null) throw new Error('no nats-server listens on 127.0.0.1:4222');
  process.kill(pid, 'SIGTERM');
  await waitFor(4222, false);
}

/** Starts the NATS server with the documented command and waits until it accepts connections. */
export async function startNats(): Promise<void> {
  await run('start-stop-daemon', START);
  await waitFor(4222, true);
}

/**
 * Deletes the streams whose names start with `prefix` (a test run's streams).
 * @param prefix - the run's stream name prefix.
 */
export async function deleteStreams(prefix: string): Promise<void> {
  const connection = await connect({ servers: NATS_SERVER });
  try {
    const jsm = await connection.jetstreamManager();
    for await (const name of jsm.streams.names()) if (name.startsWith(prefix)) await jsm.streams.delete(name);
  } finally {
    await connection.close();
  }
}
