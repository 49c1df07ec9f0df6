/**
 * Behaviour of stream batches the scenario tests left unpinned, found by mutation testing
 * (Stryker left mutants of `machines/task/stream-batch.ts` alive): the handler state a context
 * stands for, and what is left of a batch whose last event leaves the handler.
 */
import { describe, expect, it } from 'vitest';
import { exactlyOnceState } from '../../machines/task/index.js';
import { declines, ofKind, OPTIONS, TaskHarness } from '../task/task-harness.js';

const ALTERNATING = { alignment: { mode: 'exactly-once', unaligned: true } } as const;

describe('exactlyOnceState', () => {
  it('names the state the exactly-once handler is in: waiting, aligning or capturing', () => {
    const h = new TaskHarness({ inputChannels: 2, ...ALTERNATING });
    const state = (): string => `alternating.${exactlyOnceState(h.snapshot.context.inputs)}`;
    expect(state()).toBe('alternating.waitingForFirstBarrier');
    expect(state()).toBe(h.view.barrierHandler);
    h.barrier(0, 1, OPTIONS.aligned);
    expect(state()).toBe('alternating.collectingBarriers');
    h.barrier(1, 1, OPTIONS.aligned);
    expect(state()).toBe('alternating.waitingForFirstBarrier');
    expect(state()).toBe(h.view.barrierHandler);
    h.barrier(0, 2, OPTIONS.unaligned);
    expect(state()).toBe('alternating.collectingBarriersUnaligned');
    h.cancelMarker(1, 2);
    expect(state()).toBe('alternating.waitingForFirstBarrier');
    expect(state()).toBe(h.view.barrierHandler);
  });
});

describe('a batch whose last event ends the last open channel', () => {
  it('is applied to its end: the statechart takes that event, and no continuation is left', () => {
    const h = new TaskHarness({ inputChannels: 2 });
    h.barrier(0, 1);
    const out = h.batch([
      [1, { type: 'endOfPartition' }],
      [0, { type: 'endOfPartition' }],
    ]);
    expect(declines(out)).toEqual([[1, 'CHECKPOINT_DECLINED_INPUT_END_OF_STREAM']]);
    expect(ofKind(out, 'continueBatch')).toEqual([]);
    expect(h.view.barrierHandler).toBe('inputsEnded');
  });

  it('with events after it, continues with exactly those', () => {
    const h = new TaskHarness({ inputChannels: 2 });
    h.endOfPartition(1);
    const out = h.send({ type: 'stream.batch', events: [{ channel: 0, event: { type: 'endOfPartition' } }, { channel: 1, event: { type: 'endOfPartition' } }], now: h.now });
    expect(ofKind(out, 'continueBatch')).toEqual([{ kind: 'continueBatch', events: [{ channel: 1, event: { type: 'endOfPartition' } }], now: h.now }]);
    expect(h.view.barrierHandler).toBe('inputsEnded');
  });
});
