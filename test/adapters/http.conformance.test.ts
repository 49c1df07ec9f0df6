/**
 * The conformance suite over the HTTP transport: a real `node:http` server per participant on
 * localhost, bearer-token authentication, keep-alive clients.
 * @packageDocumentation
 */
import { HttpDirectory, createHttpTransport, FRAMES_CONTENT_TYPE, encodeFrames } from '../../adapters/http/index.js';
import type { HttpTransport } from '../../adapters/http/index.js';
import { TransportError } from '../../adapters/shared/errors.js';
import { defineConformanceSuite } from './conformance/suite.js';
import type { TransportHarness } from './conformance/suite.js';

const TOKEN = 'conformance-token-0123456789';
const LIMIT = 64 * 1024;
let directory = new HttpDirectory();
const open = new Map<string, HttpTransport>();

const harness: TransportHarness = {
  name: 'http',
  kind: 'http',
  capabilities: { dropConnection: true, restartServer: true, authentication: true, maxMessageBytes: LIMIT },
  setup: async () => {
    directory = new HttpDirectory();
  },
  createTransport: async (p) => {
    const t = await createHttpTransport({ auth: { scheme: 'bearer', token: TOKEN }, directory, maxMessageBytes: LIMIT, retry: { baseMs: 2, maxMs: 50, budgetMs: 20_000 } });
    open.set(p.id, t);
    return t;
  },
  teardown: async () => {
    await Promise.all([...open.values()].map((t) => t.close()));
    open.clear();
  },
  dropConnection: async (p) => open.get(p.id)?.dropConnections(),
  stopServer: async () => {
    await Promise.all([...open.values()].map((t) => t.stopServer()));
  },
  startServer: async () => {
    await Promise.all([...open.values()].map((t) => t.startServer()));
  },
  sendForged: async (to, bytes, forgery) => {
    const origin = directory.resolve(to.address) as string;
    const res = await fetch(new URL(to.address, origin), {
      method: 'POST',
      headers: { 'content-type': FRAMES_CONTENT_TYPE, ...(forgery === 'bad-credentials' ? { authorization: 'Bearer not-the-token-at-all' } : {}) },
      body: encodeFrames([bytes]),
    });
    const body = (await res.json()) as { error: { code: string; message: string } };
    return { error: res.status === 200 ? null : new TransportError(res.status === 401 ? 'unauthorized' : 'malformed', body.error.message, { status: res.status }) };
  },
};

defineConformanceSuite(harness);
