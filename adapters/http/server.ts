/**
 * The receiving side of the HTTP transport: a `node:http` server that serves the inbox paths its
 * transport subscribed to. Every request is authenticated, size-limited (413) and checked; bad
 * input gets a typed JSON error body (`{ "error": { "code", "message" } }`) with a 4xx status and
 * never crashes the server. A batch is deduplicated by its `Idempotency-Key` (`<stream>:<seq>`):
 * a retried request is answered again without delivering anything twice. Deliveries to one
 * address run one at a time, in arrival order.
 * @packageDocumentation
 */
import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { RejectedInputError } from '../../spec/errors.js';
import type { Rejection } from '../../spec/errors.js';
import type { ConnectionEvents } from '../shared/events.js';
import type { HttpAuth } from './auth.js';
import { bearerOk, signatureOk } from './auth.js';
import { decodeFrames, FRAMES_CONTENT_TYPE } from './framing.js';

type Handler = (bytes: Uint8Array) => void | Promise<void>;

/** Limits of the server. */
export interface ServerLimits {
  /** The largest request body, in bytes (413 beyond). */
  readonly maxBodyBytes: number;
  /** The largest single message, in bytes (413 beyond). */
  readonly maxMessageBytes: number;
  /** How many request streams' last idempotency key to remember. */
  readonly dedupStreams: number;
}

interface Answer {
  readonly status: number;
  readonly body: unknown;
}

interface Inbox {
  readonly handlers: Handler[];
  tail: Promise<unknown>;
}

const error = (status: number, code: string, message: string): Answer => ({ status, body: { error: { code, message } } });

/** The server of one HTTP transport. */
export class InboxServer {
  private readonly inboxes = new Map<string, Inbox>();
  private readonly streams = new Map<string, { seq: number; answer: Promise<Answer> }>();
  private readonly sockets = new Set<Socket>();
  private server: Server | null = null;
  private port = 0;

  /**
   * Creates a stopped server.
   * @param auth - how requests authenticate.
   * @param limits - size limits and the dedup window.
   * @param events - where redeliveries are reported.
   */
  constructor(
    private readonly auth: HttpAuth,
    private readonly limits: ServerLimits,
    private readonly events: ConnectionEvents,
  ) {}

  /** `http://host:port` once listening. */
  origin = '';

  /**
   * Starts listening (again, on the same port after {@link InboxServer.stop}).
   * @param port - the port (0: any free port, the first time).
   * @param host - the interface.
   */
  async start(port: number, host: string): Promise<void> {
    if (this.server) return;
    const server = createServer((req, res) => void this.handle(req, res));
    server.keepAliveTimeout = 30_000;
    server.on('connection', (socket: Socket) => {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
    });
    server.on('clientError', (_e, socket: Socket) => {
      if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\ncontent-type: application/json\r\nconnection: close\r\n\r\n{"error":{"code":"malformed","message":"unreadable HTTP request"}}');
      else socket.destroy();
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.port || port, host, () => resolve());
    });
    const address = server.address();
    this.port = typeof address === 'object' && address ? address.port : port;
    this.origin = `http://${host}:${this.port}`;
    this.server = server;
  }

  /** Stops listening and cuts every connection (a crash, as far as peers can tell). */
  async stop(): Promise<void> {
    const server = this.server;
    this.server = null;
    if (!server) return;
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    this.dropConnections();
    await closed;
  }

  /** Cuts every open connection; the server keeps listening. */
  dropConnections(): void {
    for (const s of this.sockets) s.destroy();
    this.sockets.clear();
  }

  /**
   * Serves `address` with `handler` (several handlers of one address are called in turn).
   * @param address - the path.
   * @param handler - called per message.
   */
  subscribe(address: string, handler: Handler): () => void {
    let inbox = this.inboxes.get(address);
    if (!inbox) this.inboxes.set(address, (inbox = { handlers: [], tail: Promise.resolve() }));
    inbox.handlers.push(handler);
    const box = inbox;
    return () => {
      const i = box.handlers.indexOf(handler);
      if (i >= 0) box.handlers.splice(i, 1);
      if (box.handlers.length === 0 && this.inboxes.get(address) === box) this.inboxes.delete(address);
    };
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    let answer: Answer;
    try {
      answer = await this.answer(req, res);
    } catch (e) {
      answer = error(500, 'internal', e instanceof Error ? e.message : String(e));
    }
    if (res.headersSent || res.destroyed) return;
    const body = JSON.stringify(answer.body);
    res.writeHead(answer.status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
    res.end(body);
  }

  private async answer(req: IncomingMessage, res: ServerResponse): Promise<Answer> {
    const path = (req.url ?? '').split('?')[0] as string;
    if (req.method !== 'POST') return this.refuse(req, res, error(405, 'method-not-allowed', `${req.method ?? '?'} is not allowed; POST messages`));
    if (!bearerOk(this.auth, req.headers)) return this.refuse(req, res, error(401, 'unauthorized', 'missing or wrong bearer token'));
    const declared = Number(req.headers['content-length'] ?? NaN);
    if (declared > this.limits.maxBodyBytes) return this.refuse(req, res, error(413, 'too-large', `the body of ${declared} bytes exceeds ${this.limits.maxBodyBytes}`));
    const body = await this.read(req);
    if (body === null) return this.refuse(req, res, error(413, 'too-large', `the body exceeds ${this.limits.maxBodyBytes} bytes`));
    if (!signatureOk(this.auth, req.headers, path, body)) return error(401, 'unauthorized', 'missing or wrong signature');
    const inbox = this.inboxes.get(path);
    if (!inbox) return error(404, 'not-found', `nothing is served at ${path}`);
    const type = String(req.headers['content-type'] ?? '').split(';')[0]?.trim();
    let messages: Uint8Array[];
    if (type === FRAMES_CONTENT_TYPE) {
      const frames = decodeFrames(body, this.limits.maxMessageBytes);
      if (!Array.isArray(frames)) {
        return frames.problem === 'too-large'
          ? error(413, 'too-large', `a message of ${frames.size} bytes exceeds ${this.limits.maxMessageBytes}`)
          : error(400, 'malformed', `the batch is ${frames.problem} at byte ${frames.at}`);
      }
      messages = frames;
    } else if (type === 'application/json') {
      if (body.byteLength > this.limits.maxMessageBytes) return error(413, 'too-large', `a message of ${body.byteLength} bytes exceeds ${this.limits.maxMessageBytes}`);
      messages = [body];
    } else return error(415, 'unsupported-media-type', `content-type must be ${FRAMES_CONTENT_TYPE} or application/json`);
    const key = req.headers['idempotency-key'];
    if (key === undefined) return this.deliver(path, inbox, messages);
    const parsed = typeof key === 'string' ? /^(.{1,200}):(\d{1,15})$/.exec(key) : null;
    if (!parsed) return error(400, 'malformed', 'Idempotency-Key must be <stream>:<sequence number>');
    return this.once(parsed[1] as string, Number(parsed[2]), path, () => this.deliver(path, inbox, messages));
  }

  /** Answers a request once per (stream, seq): a repeat gets the first answer, an older one a duplicate note. */
  private once(stream: string, seq: number, path: string, work: () => Promise<Answer>): Promise<Answer> {
    const last = this.streams.get(stream);
    if (last && seq <= last.seq) {
      this.events.emit({ type: 'delivery.redelivered', address: path });
      return seq === last.seq ? last.answer : Promise.resolve({ status: 200, body: { delivered: 0, duplicate: true } });
    }
    const answer = work();
    this.streams.delete(stream);
    this.streams.set(stream, { seq, answer });
    if (this.streams.size > this.limits.dedupStreams) this.streams.delete(this.streams.keys().next().value as string);
    return answer;
  }

  /** Hands the messages to the inbox's handlers, after the requests before it on that address. */
  private deliver(path: string, inbox: Inbox, messages: readonly Uint8Array[]): Promise<Answer> {
    const run = async (): Promise<Answer> => {
      const rejected: Array<{ index: number; rejection: Rejection }> = [];
      for (let i = 0; i < messages.length; i++) {
        for (const h of inbox.handlers) {
          try {
            const r = h(messages[i] as Uint8Array);
            if (r instanceof Promise) await r;
          } catch (e) {
            rejected.push({ index: i, rejection: e instanceof RejectedInputError ? e.rejection : { code: 'invalid-request', path: '$', message: e instanceof Error ? e.message : String(e) } });
          }
        }
      }
      if (rejected.length === 0) return { status: 200, body: { delivered: messages.length } };
      return { status: 422, body: { error: { code: 'rejected', message: `${rejected.length} of ${messages.length} messages to ${path} were rejected` }, rejected } };
    };
    const answer = inbox.tail.then(run, run);
    inbox.tail = answer;
    return answer;
  }

  /** Reads the body, or null once it exceeds the limit. */
  private read(req: IncomingMessage): Promise<Uint8Array | null> {
    return new Promise((resolve, reject) => {
      const chunks: Buffer[] = [];
      let size = 0;
      let over = false;
      req.on('data', (chunk: Buffer) => {
        if (over) return;
        size += chunk.byteLength;
        if (size > this.limits.maxBodyBytes) {
          over = true;
          chunks.length = 0;
          resolve(null);
        } else chunks.push(chunk);
      });
      req.on('end', () => {
        if (!over) resolve(chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks));
      });
      req.on('error', reject);
    });
  }

  /** Answers without reading the body: the rest is discarded and the connection closes after the answer. */
  private refuse(req: IncomingMessage, res: ServerResponse, answer: Answer): Answer {
    res.setHeader('connection', 'close');
    req.resume();
    return answer;
  }
}
