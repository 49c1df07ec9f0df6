/**
 * Streaming a run to the Stately inspector (`@statelyai/inspect`): the coordinator and every task
 * attempt send their XState inspection events (actors with their machine definitions, events,
 * snapshots) in Stately's wire format, either to a WebSocket inspector at a given URL or to the
 * browser inspector through the package's local relay (`@statelyai/inspect/server`), which serves
 * a page that embeds the Stately UI.
 *
 * The events are converted by the package's `createInspector`; the transport is a `ws` client of
 * our own rather than the package's WebSocket adapter, because a run must know that its events
 * arrived: the connection is made before anything runs (an unreachable inspector is a clear error,
 * not a silent retry every five seconds), nothing is dropped while connecting (the package keeps
 * only the last 200 events), and {@link RunInspector.flush} resolves once every event was written.
 * Each actor is named after what it is (`coordinator`, `sink#0@1` for attempt 1 of `sink#0`).
 * @packageDocumentation
 */
import { createServer } from 'node:net';
import { createInspector } from '@statelyai/inspect';
import type { StatelyInspectionEvent } from '@statelyai/inspect';
import { createInspectorServer } from '@statelyai/inspect/server';
import WebSocket from 'ws';
import type { InspectionEvent } from 'xstate';
import { ConfigError } from '../spec/index.js';

/** Where inspection events go. */
export type InspectTarget =
  /** The Stately browser inspector, through a local relay on `port` (the page opens in the default browser when `open`). */
  | { readonly kind: 'browser'; readonly port: number; readonly open: boolean }
  /** A WebSocket inspector (any receiver of Stately's events, e.g. `createWebSocketReceiver`). */
  | { readonly kind: 'websocket'; readonly url: string };

/** The relay's port when none is given (the package's default). */
export const DEFAULT_INSPECTOR_PORT = 8080;

/**
 * Reads the value of an `--inspect` option: `true` (the flag alone) or `browser` for the browser
 * inspector on {@link DEFAULT_INSPECTOR_PORT}, `browser:PORT` for another port, or a `ws://` or
 * `wss://` URL for a WebSocket inspector.
 * @param value - the option's value.
 * @throws ConfigError naming `inspect` for anything else.
 */
export function parseInspectTarget(value: string | true): InspectTarget {
  if (value === true || value === 'browser') return { kind: 'browser', port: DEFAULT_INSPECTOR_PORT, open: true };
  const browser = /^browser:(\d+)$/.exec(value);
  if (browser) {
    const port = Number(browser[1]);
    if (port < 1 || port > 65535) throw new ConfigError('inspect', `the port must be from 1 to 65535, got ${port}`);
    return { kind: 'browser', port, open: true };
  }
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new ConfigError('inspect', `expected "browser", "browser:PORT" or a ws:// URL, got ${JSON.stringify(value)}`);
  }
  if (url.protocol !== 'ws:' && url.protocol !== 'wss:') throw new ConfigError('inspect', `a WebSocket inspector URL starts with ws:// or wss://, got ${JSON.stringify(value)}`);
  return { kind: 'websocket', url: value };
}

/** A started inspector for one run. */
export interface RunInspector {
  /** The inspection observer to give every actor (`createCoordinator`, `createTask`, `LocalJob` option `inspect`). */
  readonly inspect: (event: InspectionEvent) => void;
  /** Where to look: the relay page (browser) or the WebSocket URL. */
  readonly url: string;
  /** Resolves once every inspection event so far was converted and written to the socket. */
  flush(): Promise<void>;
  /** Flushes, closes the connection (and stops the relay of the browser inspector). */
  close(): Promise<void>;
}

/**
 * The name the inspector shows for an actor: `coordinator`, or `taskId@attempt` for a task.
 * @param snapshot - the actor's snapshot (its context says which task it is).
 * @param fallback - the name when the snapshot says nothing.
 */
export function inspectedActorName(snapshot: unknown, fallback: string): string {
  const config = (snapshot as { context?: { config?: { taskId?: unknown; attempt?: unknown } } } | undefined)?.context?.config;
  return config && typeof config.taskId === 'string' ? `${config.taskId}@${String(config.attempt)}` : fallback;
}

/**
 * A value as plain JSON data: `toJSON` honoured, maps as objects, sets as arrays, cycles and
 * anything deeper than `depth` cut (the inspector shows contexts, it does not need all of them).
 */
function plain(value: unknown, depth: number, ancestors: unknown[] = []): unknown {
  if (value === null || typeof value !== 'object') return typeof value === 'function' || typeof value === 'bigint' ? String(value) : value;
  if (ancestors.includes(value)) return '[Circular]';
  if (depth <= 0) return '[...]';
  const v = typeof (value as { toJSON?: unknown }).toJSON === 'function' ? (value as { toJSON(): unknown }).toJSON() : value;
  if (v !== value) return plain(v, depth, ancestors);
  const inner = [...ancestors, value];
  if (value instanceof Map) return Object.fromEntries([...value].map(([k, x]) => [String(k), plain(x, depth - 1, inner)]));
  if (value instanceof Set || Array.isArray(value)) return [...value].map((x) => plain(x, depth - 1, inner));
  return Object.fromEntries(Object.entries(value).map(([k, x]) => [k, plain(x, depth - 1, inner)]));
}

/** Opens a WebSocket, or fails with the reason. */
function connect(url: string): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url);
    ws.once('open', () => {
      ws.removeAllListeners('error');
      ws.on('error', () => {});
      resolve(ws);
    });
    ws.once('error', (e) => reject(e));
  });
}

/** Connects to the relay that was just started, which may not listen yet. */
async function connectToRelay(url: string): Promise<WebSocket> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await connect(url);
    } catch (e) {
      if (attempt >= 100 || (e as NodeJS.ErrnoException).code !== 'ECONNREFUSED') throw e;
      await new Promise((r) => setTimeout(r, 20));
    }
  }
}

/** Fails with a clear error when `port` is taken (the relay would crash the process instead). */
function ensurePortFree(port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', (e: NodeJS.ErrnoException) => reject(new ConfigError('inspect', `port ${port} is not free for the inspector relay (${e.code ?? e.message})`)));
    probe.listen(port, () => probe.close(() => resolve()));
  });
}

/**
 * Starts an inspector: connects to the WebSocket inspector, or starts the local relay of the
 * browser inspector and connects to it.
 * @param target - where events go.
 * @throws ConfigError naming `inspect` when the inspector cannot be reached or the port is taken.
 */
export async function startInspector(target: InspectTarget): Promise<RunInspector> {
  let relay: { stop(): void } | null = null;
  let ws: WebSocket;
  let url: string;
  if (target.kind === 'browser') {
    await ensurePortFree(target.port);
    relay = createInspectorServer({ port: target.port, autoOpen: target.open });
    url = `http://localhost:${target.port}`;
    ws = await connectToRelay(`ws://localhost:${target.port}`).catch((e: Error) => {
      relay?.stop();
      throw new ConfigError('inspect', `cannot connect to the inspector relay on port ${target.port}: ${e.message}`);
    });
  } else {
    url = target.url;
    ws = await connect(target.url).catch((e: Error) => {
      throw new ConfigError('inspect', `cannot connect to the inspector at ${target.url}: ${e.message || (e as NodeJS.ErrnoException).code}`);
    });
  }
  let unsent = 0;
  let drained: Array<() => void> = [];
  const written = () => {
    unsent--;
    if (unsent === 0) {
      const waiting = drained;
      drained = [];
      waiting.forEach((f) => f());
    }
  };
  const inspector = createInspector(
    {
      send(event: StatelyInspectionEvent) {
        if (ws.readyState !== WebSocket.OPEN) return;
        unsent++;
        ws.send(JSON.stringify(plain(event, 12)), written);
      },
    },
    {
      serialize: (event) => (event.type === '@xstate.actor' ? { ...event, name: inspectedActorName(event.snapshot, event.name) } : event),
    },
  );
  const flush = async () => {
    // The package converts each event in a `setTimeout(0)` callback: timers run in order, so once
    // this one fires every event seen so far was converted and handed to `send`.
    await new Promise((r) => setTimeout(r, 0));
    if (unsent > 0) await new Promise<void>((r) => drained.push(r));
  };
  return {
    inspect: (event) => inspector.inspect.next?.(event),
    url,
    flush,
    async close() {
      await flush();
      if (ws.readyState === WebSocket.OPEN || ws.readyState === WebSocket.CONNECTING) {
        await new Promise<void>((r) => {
          ws.once('close', () => r());
          ws.close();
        });
      }
      relay?.stop();
    },
  };
}
