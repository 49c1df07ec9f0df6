/**
 * The one conformance suite every transport runs: `defineConformanceSuite(harness)` from a
 * per-transport test file. Each case drives real coordinators and tasks through the generated
 * bindings over the transport, then checks that nothing was lost, that every named property of
 * `spec/invariants.ts` held on the observed trace (a `ProtocolMonitor` per job, checked after each
 * case), and that bad input got a typed rejection and changed nothing. A case whose capability
 * the transport lacks says `not applicable` in its name and asserts the capability is absent.
 * @packageDocumentation
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ChannelAddress, Transport } from '../../../adapters/runtime/contract.js';
import { fillAddress, satisfiesDelivery } from '../../../adapters/runtime/contract.js';
import { TransportError } from '../../../adapters/shared/errors.js';
import { decodeStreamEvent, encodeStreamEvent, encodeTaskToCoordinatorMessage } from '../../../generated/codecs.gen.js';
import { EMPTY_METRICS } from '../../../spec/index.js';
import { useProtocolMonitors } from '../../support/coordinator-fixture.js';
import { BINDINGS } from './bindings.js';
import { duplicating, slowConsumer } from './faults.js';
import type { SlowStats } from './faults.js';
import type { ConformanceJob } from './job.js';
import { startJob, until } from './job.js';
import type { TransportHarness } from './harness.js';

export type { TransportHarness } from './harness.js';

const na = (applicable: boolean, title: string, why: string): string => (applicable ? title : `${title}: not applicable (${why})`);

/** Rounds that must complete, and every task must learn of each. */
async function completeRounds(job: ConformanceJob, rounds: number): Promise<void> {
  for (let i = 0; i < rounds; i++) {
    const outcome = await job.round();
    expect(outcome.status, JSON.stringify(outcome)).toBe('completed');
  }
}

/** Nothing lost: every sink committed every completed checkpoint exactly once, in order. */
function expectCommittedAll(job: ConformanceJob): void {
  const completed = job.coordinator.stats().completed;
  for (const [id, sink] of job.sinks) {
    const ids = sink.committed.map((c) => c.checkpointId);
    expect(ids, `${id} committed`).toEqual([...new Set(ids)]);
    expect(ids.length, `${id} committed every completed checkpoint`).toBe(completed);
  }
  expect(job.monitor.violations).toEqual([]);
}

/** Only protocol rejections a legitimate at-least-once run may cause (late or repeated input). */
function expectNoBadInput(job: ConformanceJob): void {
  const bad = job.rejections.filter((r) => ['malformed', 'wrong-job', 'unknown-task'].includes(r.rejection.code));
  expect(bad).toEqual([]);
}

/** Every lost connection was restored by the end. */
function expectRecovered(job: ConformanceJob): void {
  for (const id of job.transports.keys()) {
    const last = job.events.filter((e) => e.at === id && (e.event.type === 'transport.lost' || e.event.type === 'transport.restored')).at(-1);
    if (last) expect(last.event.type, `${id} recovered`).toBe('transport.restored');
  }
}

/** Sends `bytes` to the coordinator's inbox from task `from`; resolves with the send's error, or null. */
async function sendToCoordinator(job: ConformanceJob, harness: TransportHarness, from: string, bytes: Uint8Array): Promise<unknown> {
  const to: ChannelAddress = { channel: 'taskToCoordinator', address: fillAddress(BINDINGS[harness.kind].addresses.taskToCoordinator, { jobId: job.jobId }) };
  try {
    await (job.transports.get(from) as Transport).send(to, bytes);
    return null;
  } catch (e) {
    return e;
  }
}

/** An acknowledgement that is valid on the wire. */
const ack = (jobId: string, taskId: string, checkpointId: number) =>
  encodeTaskToCoordinatorMessage({ type: 'acknowledgeCheckpoint', jobId, taskId, attempt: 0, checkpointId, metrics: EMPTY_METRICS, state: null });

/**
 * Registers the conformance cases for one transport.
 * @param harness - the transport under test.
 */
export function defineConformanceSuite(harness: TransportHarness): void {
  const caps = harness.capabilities;
  describe(`transport conformance: ${harness.name}`, () => {
    useProtocolMonitors();
    let job: ConformanceJob | null = null;
    beforeEach(async () => {
      await harness.setup();
    });
    afterEach(async () => {
      job?.stop();
      job = null;
      await harness.teardown();
    });
    const start = async (name: string, options: Parameters<typeof startJob>[2]) => (job = await startJob(harness, name, options));

    for (const n of [2, 10, 50]) {
      it(`full checkpoint rounds with ${n} tasks through the generated bindings`, async () => {
        const j = await start(`rounds-${n}`, { tasks: n });
        await completeRounds(j, 3);
        expect(j.coordinator.stats().completed).toBe(3);
        expectCommittedAll(j);
        expectNoBadInput(j);
        expect(j.redelivered.count).toBe(0);
      });
    }

    it('the declared delivery holds: FIFO per address when ordered, every message at least once otherwise', async () => {
      const j = await start('ordering', { tasks: 2 });
      const [a, b] = [...j.tasks.keys()] as [string, string];
      const address: ChannelAddress = { channel: 'taskToTask', address: fillAddress(BINDINGS[harness.kind].addresses.taskToTask, { jobId: j.jobId, fromTaskId: `${a}-probe`, toTaskId: b }) };
      const received: number[] = [];
      const stop = (j.transports.get(b) as Transport).subscribe(address, (bytes) => {
        const d = decodeStreamEvent(bytes);
        if (d.ok && d.value.type === 'cancelMarker') received.push(d.value.checkpointId);
      });
      const sent = Array.from({ length: 300 }, (_, i) => i + 1);
      const sender = j.transports.get(a) as Transport;
      await Promise.all(sent.map((id) => sender.send(address, encodeStreamEvent({ type: 'cancelMarker', checkpointId: id }))));
      await until(() => new Set(received).size === sent.length, 'every probe message');
      stop();
      if (satisfiesDelivery(sender.delivery, 'ordered-exactly-once')) expect(received).toEqual(sent);
      else expect([...new Set(received)].sort((x, y) => x - y)).toEqual(sent);
    });

    it('duplicate delivery is tolerated: redeliveries are dropped by idempotency key', async () => {
      const counter = { duplicates: 0 };
      const j = await start('duplicates', { tasks: 6, wrap: (_, t) => duplicating(t, counter) });
      await completeRounds(j, 2);
      expect(counter.duplicates).toBeGreaterThan(0);
      expect(j.redelivered.count).toBeGreaterThan(0);
      expectCommittedAll(j);
      expectNoBadInput(j);
    });

    it(na(caps.dropConnection, 'a connection dropped mid-round: the round ends, the transport recovers, the next rounds complete', 'no connection to drop'), async () => {
      if (!caps.dropConnection) return void expect(harness.dropConnection).toBeUndefined();
      const j = await start('drop', { tasks: 10 });
      await completeRounds(j, 1);
      const outcome = j.round();
      for (const p of j.participants.values()) await harness.dropConnection!(p);
      const first = await outcome;
      expect(['completed', 'aborted']).toContain(first.status);
      await completeRounds(j, 2);
      expectRecovered(j);
      expectCommittedAll(j);
      expectNoBadInput(j);
    });

    it(na(caps.restartServer, 'the server or broker stopped and started again during a round', 'no server or broker'), async () => {
      if (!caps.restartServer) return void expect(harness.stopServer).toBeUndefined();
      const j = await start('restart', { tasks: 10 });
      await completeRounds(j, 1);
      const outcome = j.round();
      await harness.stopServer!();
      try {
        await new Promise((resolve) => setTimeout(resolve, 100));
      } finally {
        await harness.startServer!();
      }
      const first = await outcome;
      expect(['completed', 'aborted']).toContain(first.status);
      await completeRounds(j, 2);
      expect(j.events.some((e) => e.event.type === 'transport.lost'), 'the outage was reported').toBe(true);
      expectRecovered(j);
      expectCommittedAll(j);
      expectNoBadInput(j);
    });

    it('a slow consumer under backpressure: nothing lost, ordered transports never overlap deliveries', async () => {
      const stats: SlowStats = { handled: 0, maxConcurrent: 0 };
      const j = await start('slow', { tasks: 20, wrap: (p, t) => (p.role === 'coordinator' ? slowConsumer(t, 2, stats) : t) });
      await completeRounds(j, 2);
      expect(stats.handled).toBeGreaterThanOrEqual(2 * 20);
      if (satisfiesDelivery((j.transports.get('coordinator') as Transport).delivery, 'ordered-exactly-once')) expect(stats.maxConcurrent).toBe(1);
      expectCommittedAll(j);
      expectNoBadInput(j);
    });

    it('malformed messages get a typed rejection and change nothing', async () => {
      const j = await start('malformed', { tasks: 2 });
      const before = j.picture();
      const from = [...j.tasks.keys()][0] as string;
      const inputs = ['not json', '{"type":"acknowledgeCheckpoint"}', '[1,2,3]', JSON.stringify({ type: 'triggerCheckpoint', jobId: j.jobId })].map((s) => new TextEncoder().encode(s));
      for (const bytes of inputs) {
        const error = await sendToCoordinator(j, harness, from, bytes);
        if (error !== null) {
          expect(error).toBeInstanceOf(TransportError);
          expect(['rejected', 'malformed']).toContain((error as TransportError).code);
        }
      }
      await until(() => j.rejections.length >= inputs.length, 'a rejection per malformed message');
      expect(j.rejections.map((r) => [r.at, r.rejection.code])).toEqual(inputs.map(() => ['coordinator', 'malformed']));
      expect(j.picture()).toBe(before);
      await completeRounds(j, 1);
      expectCommittedAll(j);
    });

    it(na(caps.maxMessageBytes !== null, 'oversized messages are refused with too-large and change nothing', 'no size limit'), async () => {
      if (caps.maxMessageBytes === null) return void expect(caps.maxMessageBytes).toBeNull();
      const j = await start('oversized', { tasks: 2 });
      const before = j.picture();
      const from = [...j.tasks.keys()][0] as string;
      const big = new TextEncoder().encode(JSON.stringify({ type: 'reportCheckpointMetrics', padding: 'x'.repeat(caps.maxMessageBytes) }));
      const error = await sendToCoordinator(j, harness, from, big);
      expect(error).toBeInstanceOf(TransportError);
      expect((error as TransportError).code).toBe('too-large');
      await completeRounds(j, 1);
      expect(j.rejections).toEqual([]);
      expect(JSON.parse(j.picture()).stats.completed).toBe(JSON.parse(before).stats.completed + 1);
      expectCommittedAll(j);
    });

    it('forged messages (wrong job, unknown task) get a typed rejection and change nothing', async () => {
      const j = await start('forged', { tasks: 2 });
      const before = j.picture();
      const from = [...j.tasks.keys()][0] as string;
      const forged = [ack('another-job', from, 1), ack(j.jobId, 'ghost#0', 1)];
      for (const bytes of forged) {
        const error = await sendToCoordinator(j, harness, from, bytes);
        if (error !== null) {
          expect(error).toBeInstanceOf(TransportError);
          expect((error as TransportError).code).toBe('rejected');
        }
      }
      await until(() => j.rejections.length >= forged.length, 'a rejection per forged message');
      expect(j.rejections.map((r) => r.rejection.code)).toEqual(['wrong-job', 'unknown-task']);
      expect(j.picture()).toBe(before);
      await completeRounds(j, 1);
      expectCommittedAll(j);
    });

    it(na(caps.authentication, 'forged credentials are refused with unauthorized and change nothing', 'no sender authentication'), async () => {
      if (!caps.authentication) return void expect(harness.sendForged).toBeUndefined();
      const j = await start('credentials', { tasks: 2 });
      const before = j.picture();
      const victim = [...j.tasks.keys()][0] as string;
      const to: ChannelAddress = { channel: 'taskToCoordinator', address: fillAddress(BINDINGS[harness.kind].addresses.taskToCoordinator, { jobId: j.jobId }) };
      // Delivered, this would mark the task canceled and fail the next round.
      const bytes = encodeTaskToCoordinatorMessage({ type: 'taskStateChanged', jobId: j.jobId, taskId: victim, attempt: 0, state: 'canceled' });
      for (const forgery of ['no-credentials', 'bad-credentials'] as const) {
        const { error } = await harness.sendForged!(to, bytes, forgery);
        expect(error, forgery).toBeInstanceOf(TransportError);
        expect(error?.code, forgery).toBe('unauthorized');
      }
      expect(j.picture()).toBe(before);
      expect(j.rejections).toEqual([]);
      await completeRounds(j, 1);
      expectCommittedAll(j);
    });
  });
}
