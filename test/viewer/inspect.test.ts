/**
 * The Stately inspector wiring, over a real local WebSocket: a `ws` server stands in for the
 * inspector, a job runs with `inspect` from `startInspector`, and what the server received is
 * checked against the run: every actor registered (the coordinator and every task attempt, named
 * after it, with its machine definition), the control messages each actor received exactly those
 * the harness delivered, in order, and the last snapshot of each actor its real final snapshot.
 */
import { once } from 'node:events';
import { mkdtempSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { StatelyInspectionEvent } from '@statelyai/inspect';
import { afterEach, describe, expect, it, vi } from 'vitest';
import WebSocket, { WebSocketServer } from 'ws';
import { createActor, createMachine } from 'xstate';
import { parseArgs, UsageError } from '../../cli/args.js';
import { demoCommand } from '../../cli/commands/demo.js';
import { replayCommand } from '../../cli/commands/replay.js';
import { runCommand } from '../../cli/commands/run.js';
import { check } from '../../checker/protocol/run.js';
import type { JobTopology } from '../../spec/index.js';
import { ConfigError, COORDINATOR_TO_TASK_TYPES, TASK_TO_COORDINATOR_TYPES } from '../../spec/index.js';
import { LocalJob } from '../../runtime/harness/index.js';
import type { TraceEntry } from '../../runtime/harness/index.js';
import { parseInspectTarget, startInspector } from '../../runtime/inspect.js';

const TOPOLOGY: JobTopology = {
  jobId: 'inspected',
  vertices: [
    { id: 'source', parallelism: 2, inputs: [] },
    { id: 'sink', parallelism: 2, inputs: [{ from: 'source', pattern: 'all-to-all' }] },
  ],
};

const CONTROL_TYPES = new Set<string>([...COORDINATOR_TO_TASK_TYPES, ...TASK_TO_COORDINATOR_TYPES]);

/** A local WebSocket server that keeps every message of its one client until the client closes. */
async function fakeInspector() {
  const server = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  await once(server, 'listening');
  const received: StatelyInspectionEvent[] = [];
  const closed = new Promise<void>((resolve) =>
    server.on('connection', (ws) => {
      ws.on('message', (data) => received.push(JSON.parse(String(data)) as StatelyInspectionEvent));
      ws.on('close', () => resolve());
    }),
  );
  return { url: `ws://127.0.0.1:${(server.address() as AddressInfo).port}`, received, closed, stop: () => new Promise<void>((r) => server.close(() => r())) };
}

/** A port nothing listens on. */
async function closedPort(): Promise<number> {
  const server = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  await once(server, 'listening');
  const port = (server.address() as AddressInfo).port;
  await new Promise<void>((r) => server.close(() => r()));
  return port;
}

/** A control message as the harness's trace writes it. */
function textOf(m: { type: string; checkpointId?: number; state?: string; reason?: string }): string {
  if (m.type === 'taskStateChanged') return `taskStateChanged(${m.state})`;
  if (m.type === 'declineCheckpoint') return `declineCheckpoint(${m.checkpointId}, ${m.reason})`;
  return `${m.type}(${m.checkpointId})`;
}

describe('the Stately inspector over a real local WebSocket', () => {
  afterEach(() => vi.restoreAllMocks());

  it('receives every actor, the messages the harness delivered and the final snapshots', async () => {
    const fake = await fakeInspector();
    const inspector = await startInspector({ kind: 'websocket', url: fake.url });
    const delivered: TraceEntry[] = [];
    const job = await LocalJob.create({ topology: TOPOLOGY, onTrace: (e) => delivered.push(e), inspect: inspector.inspect });
    job.time.advance(100);
    expect((await job.checkpoint()).status).toBe('completed');
    job.failover('sink#1');
    job.time.advance(100);
    expect((await job.checkpoint()).status).toBe('completed');
    await inspector.close();
    await fake.closed;
    await fake.stop();

    const byType = (type: string) => fake.received.filter((e) => e.type === type);
    // Every actor registered once, named after what it is, with its machine's definition.
    const actors = byType('@xstate.actor') as Array<Extract<StatelyInspectionEvent, { type: '@xstate.actor' }>>;
    const tasks = job.taskIdList;
    expect(actors.map((a) => a.name).sort()).toEqual(['coordinator', ...tasks.map((t) => `${t}@0`), ...tasks.map((t) => `${t}@1`)].sort());
    for (const a of actors) expect((JSON.parse(a.definition as string) as { id: string }).id).toBe(a.name === 'coordinator' ? 'coordinator' : 'task');
    const nameOf = new Map(actors.map((a) => [a.sessionId, a.name]));

    // The control messages each actor received, in order, are those the harness delivered.
    const received = (byType('@xstate.event') as Array<Extract<StatelyInspectionEvent, { type: '@xstate.event' }>>)
      .filter((e) => CONTROL_TYPES.has(e.event.type))
      .map((e) => [(nameOf.get(e.sessionId) ?? '?').replace(/@\d+$/, ''), textOf(e.event as never)]);
    const expected = delivered.filter((e) => e.kind === 'control').map((e) => [e.to, e.text]);
    expect(expected.length).toBeGreaterThan(20);
    expect(received).toEqual(expected);

    // The last snapshot of each live actor is its real final snapshot.
    const last = new Map<string, Extract<StatelyInspectionEvent, { type: '@xstate.snapshot' }>>();
    for (const e of byType('@xstate.snapshot') as Array<Extract<StatelyInspectionEvent, { type: '@xstate.snapshot' }>>) last.set(nameOf.get(e.sessionId) ?? '?', e);
    const coordinator = job.coordinator.actor.getSnapshot();
    const seen = last.get('coordinator')?.snapshot as unknown as { value: unknown; context: { completed: Array<{ checkpointId: number }> } };
    expect(seen.value).toEqual(coordinator.value);
    expect(seen.context.completed.map((c) => c.checkpointId)).toEqual(coordinator.context.completed.map((c) => c.checkpointId));
    for (const [id, task] of job.tasks) {
      const s = last.get(`${id}@${task.config.attempt}`)?.snapshot as unknown as { value: unknown; context: { lastStartedId: number; latestCompletedId: number } };
      expect(s.value).toEqual(task.snapshot().value);
      expect([s.context.lastStartedId, s.context.latestCompletedId]).toEqual([task.snapshot().context.lastStartedId, task.snapshot().context.latestCompletedId]);
    }
    job.stop();
  });

  it('streams `snapwright run --inspect=ws://...` (the main job) to the inspector', async () => {
    const fake = await fakeInspector();
    const out = vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
    vi.spyOn(console, 'log').mockImplementation(() => {});
    vi.spyOn(console, 'error').mockImplementation(() => {});
    try {
      expect(await runCommand(parseArgs([`--inspect=${fake.url}`, '--records', '4000', '--virtual', '--json']))).toBe(0);
    } finally {
      out.mockRestore();
    }
    await fake.closed;
    await fake.stop();
    const names = fake.received.filter((e) => e.type === '@xstate.actor').map((e) => (e as { name: string }).name);
    const tasks = ['deposits#0', 'deposits#1', 'withdrawals#0', 'withdrawals#1', 'balance#0', 'balance#1', 'sink#0', 'sink#1'];
    expect(names.sort()).toEqual(['coordinator', ...tasks.map((t) => `${t}@0`)].sort());
    expect(fake.received.some((e) => e.type === '@xstate.event' && e.event.type === 'notifyCheckpointComplete')).toBe(true);
  });

  it('streams `snapwright demo --inspect=ws://...` to the inspector', async () => {
    const fake = await fakeInspector();
    vi.spyOn(console, 'log').mockImplementation(() => {});
    const err = vi.spyOn(console, 'error').mockImplementation(() => {});
    expect(await demoCommand(parseArgs([`--inspect=${fake.url}`]))).toBe(0);
    await fake.closed;
    await fake.stop();
    expect(err.mock.calls.map((c) => String(c[0]))).toContain(`streaming inspection events to ${fake.url}`);
    const names = fake.received.filter((e) => e.type === '@xstate.actor').map((e) => (e as { name: string }).name);
    expect(names.sort()).toEqual(['coordinator', 'join#0@0', 'sink#0@0', 'sink#1@0', 'source#0@0', 'source#1@0']);
    const completions = fake.received.filter((e) => e.type === '@xstate.event' && e.event.type === 'notifyCheckpointComplete');
    expect(completions).toHaveLength(5);
  });

  it('relays to the browser inspector page through the local relay (the page itself is played by a ws client)', async () => {
    const port = await closedPort();
    const inspector = await startInspector({ kind: 'browser', port, open: false });
    expect(inspector.url).toBe(`http://localhost:${port}`);
    // What the relay serves: the page that embeds the Stately UI and listens on the same port.
    const page = await (await fetch(inspector.url)).text();
    expect(page).toContain('<iframe id="inspector" src="https://stately.ai/inspect">');
    expect(page).toContain(`new WebSocket('ws://localhost:${port}')`);
    const browser = new WebSocket(`ws://localhost:${port}`);
    await once(browser, 'open');
    const seen: StatelyInspectionEvent[] = [];
    // The relay forwards events in order: the page has everything once the sentinel actor's snapshot is there.
    let sentinelSession = '';
    const all = new Promise<void>((resolve) =>
      browser.on('message', (data) => {
        const e = JSON.parse(String(data)) as StatelyInspectionEvent;
        seen.push(e);
        if (e.type === '@xstate.actor' && e.name === 'sentinel') sentinelSession = e.sessionId;
        if (e.type === '@xstate.snapshot' && e.sessionId === sentinelSession) resolve();
      }),
    );
    const job = await LocalJob.create({ topology: TOPOLOGY, inspect: inspector.inspect });
    job.time.advance(100);
    expect((await job.checkpoint()).status).toBe('completed');
    createActor(createMachine({ id: 'sentinel' }), { inspect: inspector.inspect }).start();
    await all;
    await inspector.close();
    browser.close();
    const names = seen.filter((e) => e.type === '@xstate.actor').map((e) => (e as { name: string }).name);
    expect(names.sort()).toEqual(['coordinator', 'sentinel', 'sink#0@0', 'sink#1@0', 'source#0@0', 'source#1@0']);
    const commits = seen.filter((e) => e.type === '@xstate.event' && e.event.type === 'notifyCheckpointComplete');
    expect(commits).toHaveLength(job.taskIdList.length);
    job.stop();
  });

  it('streams `snapwright replay --inspect=ws://...`: the real actors replaying a checker trace', async () => {
    const trace = check({ config: { maxIds: 2, crashes: 0, savepoints: 0 } }).witness('checkpoint-completes');
    if (!trace) throw new Error('no witness');
    const file = join(mkdtempSync(join(tmpdir(), 'snapwright-inspect-')), 'witness.json');
    writeFileSync(file, JSON.stringify(trace));
    const fake = await fakeInspector();
    vi.spyOn(console, 'log').mockImplementation(() => {});
    vi.spyOn(console, 'error').mockImplementation(() => {});
    expect(await replayCommand(parseArgs([file, `--inspect=${fake.url}`]))).toBe(0);
    await fake.closed;
    await fake.stop();
    const actors = fake.received.filter((e) => e.type === '@xstate.actor') as Array<Extract<StatelyInspectionEvent, { type: '@xstate.actor' }>>;
    expect(actors.map((a) => a.name).sort()).toEqual(['coordinator', ...trace.initial.tasks.map((t) => `${t.taskId}@0`)].sort());
    const nameOf = new Map(actors.map((a) => [a.sessionId, a.name]));
    const last = new Map<string, unknown>();
    for (const e of fake.received) if (e.type === '@xstate.snapshot') last.set(nameOf.get(e.sessionId) ?? '?', (e.snapshot as unknown as { value: unknown }).value);
    const end = trace.steps[trace.steps.length - 1]?.state ?? trace.initial;
    expect(last.get('coordinator')).toEqual(end.coordinator.state);
    for (const t of end.tasks) expect((last.get(`${t.taskId}@${t.attempt}`) as { lifecycle: string }).lifecycle).toBe(t.lifecycle);
  });

  it('rejects a bad target and an unreachable inspector with a clear error naming the option', async () => {
    expect(parseInspectTarget(true)).toEqual({ kind: 'browser', port: 8080, open: true });
    expect(parseInspectTarget('browser:9123')).toEqual({ kind: 'browser', port: 9123, open: true });
    expect(parseInspectTarget('ws://127.0.0.1:1234')).toEqual({ kind: 'websocket', url: 'ws://127.0.0.1:1234' });
    for (const bad of ['http://127.0.0.1:1234', 'trace.json', 'browser:0', 'browser:70000']) {
      expect(() => parseInspectTarget(bad)).toThrow(ConfigError);
      try {
        parseInspectTarget(bad);
      } catch (e) {
        expect((e as ConfigError).option).toBe('inspect');
      }
    }
    const port = await closedPort();
    await expect(startInspector({ kind: 'websocket', url: `ws://127.0.0.1:${port}` })).rejects.toThrow(/inspect: cannot connect to the inspector at ws:\/\/127\.0\.0\.1/);
    vi.spyOn(console, 'log').mockImplementation(() => {});
    await expect(demoCommand(parseArgs([`--inspect=ws://127.0.0.1:${port}`]))).rejects.toThrow(UsageError);
  });
});
