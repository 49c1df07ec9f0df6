/**
 * The sending side of the HTTP transport: one keep-alive `node:http` agent, a batching queue per
 * address (one request per address in flight, so messages stay in order), retries with backoff,
 * and an `Idempotency-Key` (`<stream>:<seq>`) per batch that stays the same across its retries.
 * @packageDocumentation
 */
import { randomUUID } from 'node:crypto';
import { Agent, request } from 'node:http';
import type { Socket } from 'node:net';
import type { Rejection } from '../../spec/errors.js';
import { TransportError } from '../shared/errors.js';
import type { TransportErrorCode } from '../shared/errors.js';
import type { ConnectionEvents } from '../shared/events.js';
import type { RetryPolicy } from '../shared/retry.js';
import { withRetry } from '../shared/retry.js';
import type { BatchLimits } from '../shared/send-queue.js';
import { SendQueue } from '../shared/send-queue.js';
import type { HttpAuth } from './auth.js';
import { authHeaders } from './auth.js';
import { encodeFrames, FRAMES_CONTENT_TYPE } from './framing.js';

/** What the client needs. */
export interface ClientOptions {
  /** How requests authenticate. */
  readonly auth: HttpAuth;
  /** Where an address is served: its origin (`http://host:port`), or undefined when unknown yet. */
  readonly resolve: (address: string) => string | undefined;
  /** Retries. */
  readonly retry: RetryPolicy;
  /** Batching. */
  readonly batch: BatchLimits;
  /** A request that takes longer fails and is retried, in ms. */
  readonly requestTimeoutMs: number;
  /** Connections per origin. */
  readonly maxSockets: number;
}

const STATUS_CODES: ReadonlyArray<[number, TransportErrorCode]> = [
  [401, 'unauthorized'],
  [403, 'unauthorized'],
  [404, 'not-found'],
  [413, 'too-large'],
  [400, 'malformed'],
  [415, 'malformed'],
];

/** What a failed answer means for each message of its batch. */
function outcome(status: number, text: string, count: number): ReadonlyArray<Error | null> {
  if (status === 200) return new Array<null>(count).fill(null);
  let body: { error?: { message?: string }; rejected?: Array<{ index: number; rejection: Rejection }> } = {};
  try {
    body = JSON.parse(text) as typeof body;
  } catch {
    // not JSON: the status alone says what happened
  }
  const message = body.error?.message ?? `HTTP ${status}`;
  if (status === 422 && Array.isArray(body.rejected)) {
    const results: Array<Error | null> = new Array<null>(count).fill(null);
    for (const r of body.rejected) results[r.index] = new TransportError('rejected', r.rejection.message, { rejection: r.rejection, status });
    return results;
  }
  if (status === 408 || status === 429 || status >= 500) throw new TransportError('unavailable', message, { status });
  const code = STATUS_CODES.find(([s]) => s === status)?.[1] ?? 'malformed';
  const error = new TransportError(code, message, { status });
  return new Array<Error>(count).fill(error);
}

/** The client of one HTTP transport. */
export class InboxClient {
  private readonly agent: Agent;
  private readonly queues = new Map<string, SendQueue>();
  private readonly sockets = new Set<Socket>();
  private closed = false;

  /**
   * Creates the client.
   * @param options - auth, routing, retries, batching, timeouts.
   * @param events - where connection events go.
   */
  constructor(
    private readonly options: ClientOptions,
    private readonly events: ConnectionEvents,
  ) {
    this.agent = new Agent({ keepAlive: true, maxSockets: options.maxSockets });
  }

  /**
   * Queues one message for `address`.
   * @param address - the path.
   * @param bytes - the message.
   */
  send(address: string, bytes: Uint8Array): Promise<void> {
    if (this.closed) return Promise.reject(new TransportError('closed', 'the transport was closed'));
    let q = this.queues.get(address);
    if (!q) {
      const stream = randomUUID();
      let seq = 0;
      q = new SendQueue(address, this.options.batch, (batch) => this.post(address, `${stream}:${++seq}`, batch), this.events);
      this.queues.set(address, q);
    }
    return q.push(bytes);
  }

  /** Cuts every open connection of the client (in-flight requests fail and are retried). */
  dropConnections(): void {
    for (const s of this.sockets) s.destroy();
    this.sockets.clear();
  }

  /** Fails what waits and closes the connections. */
  close(): void {
    this.closed = true;
    for (const q of this.queues.values()) q.failAll(new TransportError('closed', 'the transport was closed'));
    this.agent.destroy();
  }

  private post(address: string, key: string, batch: readonly Uint8Array[]): Promise<ReadonlyArray<Error | null>> {
    const body = encodeFrames(batch);
    return withRetry(() => this.once(address, key, body, batch.length), this.options.retry, {
      onFailure: (e) => this.events.lost(e instanceof Error ? e.message : String(e)),
      onSuccess: () => this.events.restored(),
      stopped: () => this.closed,
    });
  }

  private once(address: string, key: string, body: Uint8Array, count: number): Promise<ReadonlyArray<Error | null>> {
    const origin = this.options.resolve(address);
    if (origin === undefined) return Promise.reject(new TransportError('unavailable', `no origin serves ${address} yet`));
    return new Promise((resolve, reject) => {
      const url = new URL(address, origin);
      const req = request(
        {
          agent: this.agent,
          method: 'POST',
          hostname: url.hostname,
          port: url.port,
          path: url.pathname,
          timeout: this.options.requestTimeoutMs,
          headers: { 'content-type': FRAMES_CONTENT_TYPE, 'content-length': body.byteLength, 'idempotency-key': key, ...authHeaders(this.options.auth, url.pathname, key, body) },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => {
            try {
              resolve(outcome(res.statusCode ?? 0, Buffer.concat(chunks).toString('utf8'), count));
            } catch (e) {
              reject(e);
            }
          });
          res.on('error', (e) => reject(new TransportError('unavailable', e.message)));
        },
      );
      req.on('socket', (s: Socket) => {
        if (this.sockets.has(s)) return;
        this.sockets.add(s);
        s.once('close', () => this.sockets.delete(s));
      });
      req.on('timeout', () => req.destroy(new Error(`no answer within ${this.options.requestTimeoutMs} ms`)));
      req.on('error', (e) => reject(new TransportError('unavailable', e.message)));
      req.end(body);
    });
  }
}
