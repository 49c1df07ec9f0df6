/**
 * The Node streams example: the machines embedded in a `Readable` → `Transform` → `Writable`
 * pipeline commit every record exactly once, with the running sums a single pass computes.
 */
import { describe, expect, it } from 'vitest';
import { runStreamsExample } from '../../examples/node-streams.js';

describe('examples/node-streams', () => {
  it('commits every record once, in order, through checkpointed two-phase commits', async () => {
    const { committed, checkpoints } = await runStreamsExample(1000, 100);
    expect(committed.map((r) => r.n)).toEqual(Array.from({ length: 1000 }, (_, i) => i));
    expect(committed.map((r) => r.sum)).toEqual(Array.from({ length: 1000 }, (_, i) => (i * (i + 1)) / 2));
    expect(checkpoints.length).toBeGreaterThanOrEqual(2);
    expect(checkpoints).toEqual([...checkpoints].sort((a, b) => a - b));
  });

  it('with a single checkpoint at the end, its one transaction commits every record', async () => {
    const { committed, checkpoints } = await runStreamsExample(50, 1000);
    expect(checkpoints).toHaveLength(1);
    expect(committed).toHaveLength(50);
  });
});
