/**
 * The HTTP transport's server against raw requests: authentication (bearer and HMAC), limits,
 * typed JSON errors for bad input, idempotency-key dedup of retried requests, and a server that
 * keeps serving after garbage.
 * @packageDocumentation
 */
import { connect } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createHttpTransport, encodeFrames, FRAMES_CONTENT_TYPE, HttpDirectory, signRequest } from '../../adapters/http/index.js';
import type { HttpAuth, HttpTransport } from '../../adapters/http/index.js';
import type { TransportEvent } from '../../adapters/runtime/contract.js';
import type { TransportError } from '../../adapters/shared/errors.js';
import { ConfigError, RejectedInputError } from '../../spec/errors.js';

const TOKEN = 'test-token-0123456789abcdef';
const PATH = '/snapwright/v1/jobs/j/coordinator/control';
const open: HttpTransport[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((t) => t.close()));
});

async function serve(auth: HttpAuth = { scheme: 'bearer', token: TOKEN }, handler: (b: Uint8Array) => void | Promise<void> = () => {}) {
  const directory = new HttpDirectory();
  const t = await createHttpTransport({ auth, directory, maxMessageBytes: 1024, maxBodyBytes: 4096, batch: { maxBytes: 4096 }, retry: { baseMs: 1, maxMs: 10, budgetMs: 5_000 } });
  open.push(t);
  const got: string[] = [];
  t.subscribe({ channel: 'taskToCoordinator', address: PATH }, (b) => {
    got.push(new TextDecoder().decode(b));
    return handler(b);
  });
  return { t, directory, got, url: `${t.origin}${PATH}` };
}

const post = async (url: string, body: Uint8Array | string, headers: Record<string, string>) => {
  const res = await fetch(url, { method: 'POST', headers, body });
  return { status: res.status, body: (await res.json()) as { error?: { code: string; message: string }; delivered?: number; duplicate?: boolean; rejected?: unknown[] } };
};
const bearer = { authorization: `Bearer ${TOKEN}`, 'content-type': FRAMES_CONTENT_TYPE };
const frames = (...m: string[]) => encodeFrames(m.map((s) => new TextEncoder().encode(s)));

describe('HTTP inbox server', () => {
  it('delivers an authenticated batch in order, and a single JSON message', async () => {
    const s = await serve();
    expect(await post(s.url, frames('a', 'b', 'c'), { ...bearer, 'idempotency-key': 's1:1' })).toEqual({ status: 200, body: { delivered: 3 } });
    expect(await post(s.url, '{"x":1}', { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' })).toEqual({ status: 200, body: { delivered: 1 } });
    expect(s.got).toEqual(['a', 'b', 'c', '{"x":1}']);
  });

  it('refuses missing and wrong bearer tokens with 401 and a typed body, delivering nothing', async () => {
    const s = await serve();
    for (const headers of [{ 'content-type': FRAMES_CONTENT_TYPE }, { ...bearer, authorization: 'Bearer nope' }, { ...bearer, authorization: `Bearer ${TOKEN}x` }]) {
      const r = await post(s.url, frames('a'), headers);
      expect(r.status).toBe(401);
      expect(r.body.error?.code).toBe('unauthorized');
    }
    expect(s.got).toEqual([]);
  });

  it('checks HMAC signatures over path, idempotency key and body', async () => {
    const key = 'hmac-key-0123456789abcdef';
    const s = await serve({ scheme: 'hmac', key });
    const body = frames('signed');
    const sig = signRequest(key, PATH, 'k:1', body);
    expect((await post(s.url, body, { 'content-type': FRAMES_CONTENT_TYPE, 'idempotency-key': 'k:1', 'x-snapwright-signature': sig })).status).toBe(200);
    expect((await post(s.url, frames('tampered'), { 'content-type': FRAMES_CONTENT_TYPE, 'idempotency-key': 'k:2', 'x-snapwright-signature': sig })).status).toBe(401);
    expect((await post(s.url, body, { 'content-type': FRAMES_CONTENT_TYPE, 'idempotency-key': 'k:3', 'x-snapwright-signature': sig })).status).toBe(401);
    expect(s.got).toEqual(['signed']);
  });

  it('answers bad input with typed 4xx errors and keeps serving', async () => {
    const s = await serve();
    const cases: Array<[Uint8Array | string, Record<string, string>, number, string]> = [
      [new Uint8Array([0, 0, 0, 9, 1]), bearer, 400, 'malformed'],
      [new Uint8Array(0), bearer, 400, 'malformed'],
      ['x', { ...bearer, 'content-type': 'text/plain' }, 415, 'unsupported-media-type'],
      [frames('a'), { ...bearer, 'idempotency-key': 'no-sequence' }, 400, 'malformed'],
      [frames('x'.repeat(2000)), bearer, 413, 'too-large'],
      [new Uint8Array(5000), bearer, 413, 'too-large'],
    ];
    for (const [body, headers, status, code] of cases) {
      const r = await post(s.url, body, headers);
      expect([r.status, r.body.error?.code]).toEqual([status, code]);
    }
    const missing = await post(`${s.t.origin}/nowhere`, frames('a'), bearer);
    expect([missing.status, missing.body.error?.code]).toEqual([404, 'not-found']);
    const get = await fetch(s.url, { headers: { authorization: `Bearer ${TOKEN}` } });
    expect(get.status).toBe(405);
    // Garbage that is not HTTP at all.
    await new Promise<void>((resolve) => {
      const port = Number(new URL(s.t.origin).port);
      const socket = connect(port, '127.0.0.1', () => socket.end('\u0000\u0001garbage\r\n\r\n'));
      socket.on('close', () => resolve());
      socket.on('error', () => resolve());
      socket.resume();
    });
    expect(s.got).toEqual([]);
    expect((await post(s.url, frames('still here'), bearer)).status).toBe(200);
    expect(s.got).toEqual(['still here']);
  });

  it('answers a repeated idempotency key without delivering twice, and reports the redelivery', async () => {
    const s = await serve();
    const events: TransportEvent[] = [];
    s.t.onEvent((e) => events.push(e));
    const first = await post(s.url, frames('once'), { ...bearer, 'idempotency-key': 'stream:1' });
    const again = await post(s.url, frames('once'), { ...bearer, 'idempotency-key': 'stream:1' });
    const older = await post(s.url, frames('older'), { ...bearer, 'idempotency-key': 'stream:0' });
    expect(again).toEqual(first);
    expect(older.body.duplicate).toBe(true);
    expect(s.got).toEqual(['once']);
    expect(events.filter((e) => e.type === 'delivery.redelivered')).toHaveLength(2);
  });

  it('reports the handler rejections of a batch per message with 422, delivering the rest', async () => {
    const s = await serve(undefined, (b) => {
      if (new TextDecoder().decode(b) === 'bad') throw new RejectedInputError({ code: 'malformed', path: '$', message: 'bad message' });
    });
    const r = await post(s.url, frames('ok', 'bad', 'fine'), bearer);
    expect(r.status).toBe(422);
    expect(r.body.rejected).toEqual([{ index: 1, rejection: { code: 'malformed', path: '$', message: 'bad message' } }]);
    expect(s.got).toEqual(['ok', 'bad', 'fine']);
  });
});

describe('HTTP transport client', () => {
  it('rejects each message of a batch with the receiver typed rejection, others resolve', async () => {
    const s = await serve(undefined, (b) => {
      if (new TextDecoder().decode(b) === 'bad') throw new RejectedInputError({ code: 'wrong-job', path: '$.jobId', message: 'another job' });
    });
    const sender = await createHttpTransport({ auth: { scheme: 'bearer', token: TOKEN }, directory: s.directory });
    open.push(sender);
    const to = { channel: 'taskToCoordinator', address: PATH };
    const results = await Promise.allSettled(['a', 'bad', 'c'].map((m) => sender.send(to, new TextEncoder().encode(m))));
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    const error = (results[1] as PromiseRejectedResult).reason as TransportError;
    expect([error.code, error.rejection?.code]).toEqual(['rejected', 'wrong-job']);
  });

  it('fails with unauthorized, not retrying, when its token is wrong', async () => {
    const s = await serve();
    const sender = await createHttpTransport({ auth: { scheme: 'bearer', token: 'another-token-0123456789' }, directory: s.directory });
    open.push(sender);
    await expect(sender.send({ channel: 'taskToCoordinator', address: PATH }, new Uint8Array([1]))).rejects.toMatchObject({ code: 'unauthorized', status: 401 });
    expect(s.got).toEqual([]);
  });

  it('retries through a stopped server, reports the outage and the recovery, delivers once', async () => {
    const s = await serve();
    const sender = await createHttpTransport({ auth: { scheme: 'bearer', token: TOKEN }, directory: s.directory, retry: { baseMs: 1, maxMs: 20, budgetMs: 10_000 } });
    open.push(sender);
    const events: string[] = [];
    sender.onEvent((e) => events.push(e.type));
    await s.t.stopServer();
    const sent = sender.send({ channel: 'taskToCoordinator', address: PATH }, new TextEncoder().encode('later'));
    while (!events.includes('transport.lost')) await new Promise((r) => setTimeout(r, 5));
    await s.t.startServer();
    await sent;
    expect(s.got).toEqual(['later']);
    expect(events).toEqual(['transport.lost', 'transport.restored']);
  });

  it('gives up with unavailable when the budget is spent', async () => {
    const directory = new HttpDirectory(() => 'http://127.0.0.1:9');
    const sender = await createHttpTransport({ auth: { scheme: 'none' }, directory, retry: { baseMs: 1, maxMs: 5, budgetMs: 50 } });
    open.push(sender);
    await expect(sender.send({ channel: 'x', address: '/nowhere' }, new Uint8Array([1]))).rejects.toMatchObject({ code: 'unavailable' });
  });

  it('fails fast on bad configuration, naming the option', async () => {
    const directory = new HttpDirectory();
    await expect(createHttpTransport({ directory } as never)).rejects.toMatchObject({ option: 'auth' });
    await expect(createHttpTransport({ auth: { scheme: 'bearer', token: 'short' }, directory })).rejects.toBeInstanceOf(ConfigError);
    await expect(createHttpTransport({ auth: { scheme: 'none' }, directory, maxMessageBytes: 100, maxBodyBytes: 50 })).rejects.toMatchObject({ option: 'maxBodyBytes' });
    await expect(createHttpTransport({ auth: { scheme: 'none' }, directory, retry: { baseMs: 10, maxMs: 1 } })).rejects.toMatchObject({ option: 'retry.maxMs' });
  });
});
