/**
 * Barrier alignment at the keyed operator, through its task runner: once a barrier arrived on a
 * channel, the task blocks it, and the records queued behind that barrier are not processed until
 * the barrier arrived on every channel; then the snapshot holds exactly the records before the
 * barriers, the barrier goes downstream, and the held records follow it.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { CheckpointBarrier } from '../../spec/index.js';
import { InProcessTransport } from '../../job/control-transport.js';
import type { ControlEnvelope } from '../../job/control-transport.js';
import { DataChannel, isStreamEvent } from '../../job/data-channel.js';
import type { ChannelItem } from '../../job/data-channel.js';
import { InputLog } from '../../job/input-log.js';
import { outputLine } from '../../job/keyed-operator.js';
import type { OutputRecord } from '../../job/keyed-operator.js';
import type { InputRecord } from '../../job/input-log.js';
import { VirtualTime } from '../../job/job-time.js';
import { TaskStateStore } from '../../job/task-state-store.js';
import { TaskRunner } from '../../job/task-runner.js';
import type { JobRecord } from '../../job/task-runner.js';

const barrier: CheckpointBarrier = { type: 'barrier', checkpointId: 1, timestamp: 0, options: { snapshot: 'checkpoint', alignment: 'aligned', alignedCheckpointTimeoutMs: 0 } };
const rec = (side: number, key: number, amount: number, offset: number): InputRecord => ({ side, partition: 0, offset, key, amount });

describe('alignment at the keyed operator', () => {
  it('holds the records behind a barrier until every channel delivered it', () => {
    const states = new TaskStateStore(mkdtempSync(join(tmpdir(), 'snapwright-align-')), false);
    const inputs = [0, 1, 2, 3].map((i) => new DataChannel<JobRecord>(`up#${i}`));
    const out = new DataChannel<JobRecord>('balance#0');
    const sent: ControlEnvelope[] = [];
    const transport = new InProcessTransport();
    const runner = new TaskRunner({
      jobId: 'align',
      taskId: 'balance#0',
      attempt: 0,
      role: { kind: 'keyed', channelsPerInput: 2 },
      inputs,
      outputs: [out],
      capacity: 1000,
      transport: { send: (e) => (sent.push(e), transport.send(e)), deliver: (ep, max) => transport.deliver(ep, max), inFlight: 0 },
      states,
      log: new InputLog({ seed: 1, partitions: 2, recordsPerPartition: 1, keys: 1 }),
      sink: null,
      restore: null,
      time: new VirtualTime(0),
      asyncSnapshots: false,
      onSourceSnapshot: () => {},
      onObservation: () => {},
    });
    runner.start();
    // Channel 0 (deposits): +10, barrier, +5 (after the barrier). Channel 2 (withdrawals): -3, barrier.
    inputs[0]!.push(rec(0, 7, 10, 1));
    inputs[0]!.push(barrier);
    inputs[0]!.push(rec(0, 7, 5, 2));
    inputs[2]!.push(rec(1, 7, 3, 1));
    runner.consume(100);
    expect(inputs[0]!.blocked).toBe(true);
    expect(inputs[0]!.size, 'the record behind the barrier waits').toBe(1);
    const balances = () => {
      const items: Array<ChannelItem<JobRecord>> = [];
      for (let i = out.take(); i !== undefined; i = out.take()) items.push(i);
      return items.map((i) => (isStreamEvent(i) ? i.type : outputLine(i as OutputRecord).trimEnd()));
    };
    expect(balances()).toEqual(['0.0.1 7 1 10', '1.0.1 7 2 7']);
    // The barrier on the remaining channels completes the alignment.
    for (const ch of [1, 2, 3]) inputs[ch]!.push(barrier);
    // The barriers taken in one call reach the machine together at its end; the record behind
    // the first barrier is taken by the next call.
    runner.consume(100);
    expect(inputs.every((c) => !c.blocked)).toBe(true);
    expect(inputs[0]!.size, 'nothing behind a barrier is taken in the call that took the barrier').toBe(1);
    runner.consume(100);
    expect(balances()).toEqual(['barrier', '0.0.2 7 3 12']);
    const ack = sent.find((e) => e.message.type === 'acknowledgeCheckpoint');
    expect(ack?.message).toMatchObject({ checkpointId: 1, taskId: 'balance#0' });
    // The snapshot holds the state after exactly the records before the barriers.
    const handle = (ack?.message as { state: { key: string; sizeBytes: number } | null }).state;
    expect(JSON.parse(states.load(handle!)).operator).toEqual([[7, 2, 7]]);
    expect(runner.rejections).toBe(0);
  });
});
