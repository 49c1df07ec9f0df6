/**
 * Behaviour of the task's readable view, its in-band event wrapping and its unaligned metrics that
 * the scenario tests left unpinned, found by mutation testing (Stryker left mutants of
 * `machines/task/view.ts`, `events.ts` and `context.ts` alive): `finishing` is null outside the
 * finishing state, a task that is no sink has no pending transactions, an announcement becomes a
 * `stream.announcement`, and an unaligned checkpoint acknowledges with every metric of its record.
 */
import { describe, expect, it } from 'vitest';
import type { EventAnnouncement } from '../../spec/index.js';
import { streamEvent } from '../../machines/task/index.js';
import { messages, OPTIONS, TaskHarness } from '../task/task-harness.js';

describe('the view of a task', () => {
  it('says finishing is null in every state but finishing', () => {
    const h = new TaskHarness({ inputChannels: 1 }, { run: false });
    expect(h.view.lifecycle).toBe('deploying');
    expect(h.view.finishing).toBeNull();
    h.send({ type: 'task.start', now: h.now });
    expect(h.view.lifecycle).toBe('running');
    expect(h.view.finishing).toBeNull();
    h.endOfPartition(0);
    expect(h.view.lifecycle).toBe('finishing');
    expect(h.view.finishing).toBe('awaitingFinalCheckpoint');
  });

  it('lists no pending transactions for a task that is no sink, and those of a sink', () => {
    const plain = new TaskHarness({ inputChannels: 0 });
    plain.trigger(1);
    expect(plain.view.openTransaction).toBeNull();
    expect(plain.view.pendingTransactions).toEqual([]);
    const sink = new TaskHarness({ inputChannels: 0, twoPhaseCommitSink: true });
    sink.trigger(1);
    expect(sink.view.pendingTransactions.map((p) => p.checkpointId)).toEqual([1]);
  });
});

describe('an announcement received on a channel', () => {
  it('becomes the machine event stream.announcement carrying it', () => {
    const announcement: EventAnnouncement = { type: 'announcement', sequence: 4, barrier: { type: 'barrier', checkpointId: 2, timestamp: 10, options: OPTIONS.aligned } };
    expect(streamEvent(1, announcement, 50)).toEqual({ type: 'stream.announcement', channel: 1, announcement, now: 50 });
  });
});

describe('an unaligned checkpoint', () => {
  it('acknowledges, once its capture ends, with its start delay, alignment and unaligned flag', () => {
    const h = new TaskHarness({ inputChannels: 2, alignment: { mode: 'exactly-once', unaligned: true } });
    h.now = 1030;
    h.barrier(0, 1, OPTIONS.unaligned, 1000);
    h.now = 1100;
    const out = h.barrier(1, 1, OPTIONS.unaligned, 1000);
    const acknowledged = messages(out).filter((m) => m.type === 'acknowledgeCheckpoint');
    expect(acknowledged).toHaveLength(1);
    expect(acknowledged[0]).toMatchObject({ checkpointId: 1, metrics: { checkpointStartDelayMs: 30, alignmentDurationMs: 0, unaligned: true, bytesPersisted: 7 } });
  });
});
