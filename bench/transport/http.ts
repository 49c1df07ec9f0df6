/**
 * Benchmark: 1,000 tasks acknowledging a checkpoint over the HTTP transport (generated bindings,
 * batching queue per address, keep-alive `node:http` agent, bearer authentication, idempotency
 * keys; server-side limits, framing, decode and validate, dedup) against raw: the same keep-alive
 * `node:http` agent POSTing each acknowledgement's JSON to a bare `node:http` server that parses
 * it. Both run on localhost in this process.
 * @packageDocumentation
 */
import { Agent, createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createHttpTransport, HttpDirectory } from '../../adapters/http/index.js';
import { createHttpCoordinatorControlBinding, createHttpTaskControlBinding } from '../../generated/bindings/http.gen.js';
import type { TaskControlBinding } from '../../generated/bindings/endpoints.gen.js';
import type { AcknowledgeCheckpoint } from '../../spec/index.js';
import { countAcks } from './inprocess.js';
import type { AckPath } from './shared.js';
import { BENCH_JOB, benchAckPaths, benchTaskIds, rawBytes } from './shared.js';

const SOCKETS = 16;
const auth = { scheme: 'bearer', token: 'bench-token-0123456789abcdef' } as const;

async function ours(tasks: number): Promise<AckPath> {
  const directory = new HttpDirectory();
  const coordinator = await createHttpTransport({ auth, directory, maxSockets: SOCKETS });
  const taskSide = await createHttpTransport({ auth, directory, maxSockets: SOCKETS });
  const control = createHttpCoordinatorControlBinding(coordinator, { jobId: BENCH_JOB });
  const bindings = new Map<string, TaskControlBinding>(benchTaskIds(tasks).map((taskId) => [taskId, createHttpTaskControlBinding(taskSide, { jobId: BENCH_JOB, taskId })]));
  return {
    attach: async (received) => countAcks((h) => control.subscribe(h), received),
    send: (ack) => bindings.get(ack.taskId)!.send(ack),
    close: async () => {
      await taskSide.close();
      await coordinator.close();
    },
  };
}

async function raw(): Promise<AckPath> {
  let received: (ack: AcknowledgeCheckpoint) => void = () => {};
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      received(JSON.parse(Buffer.concat(chunks).toString('utf8')) as AcknowledgeCheckpoint);
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': 2 });
      res.end('{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  const agent = new Agent({ keepAlive: true, maxSockets: SOCKETS });
  return {
    attach: async (r) => void (received = r),
    send: (ack) =>
      new Promise<void>((resolve, reject) => {
        const body = rawBytes(ack);
        const req = request({ agent, host: '127.0.0.1', port, method: 'POST', path: `/snapwright/v1/jobs/${BENCH_JOB}/coordinator/control`, headers: { 'content-type': 'application/json', 'content-length': body.byteLength } }, (res) => {
          res.resume();
          res.on('end', () => resolve());
        });
        req.on('error', reject);
        req.end(body);
      }),
    close: async () => {
      agent.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/**
 * Runs the HTTP transport benchmark.
 * @param tasks - acknowledging tasks per round (default 1,000).
 */
export async function benchHttpTransport(tasks = 1000): Promise<Array<Record<string, unknown>>> {
  return [await benchAckPaths('http', await ours(tasks), await raw(), tasks)];
}
