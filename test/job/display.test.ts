/**
 * The live display on a terminal: the block (input, checkpoints, timeline, faults) is redrawn in
 * place while a real run goes on, then replaced by the figures and the verdict.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createDisplay } from '../../job/display.js';
import { runJob } from '../../job/run-job.js';

describe('live display', () => {
  it('redraws its block in place on a terminal and ends with the verdict', async () => {
    const writes: string[] = [];
    const display = createDisplay({ isTTY: true, write: (t: string) => writes.push(t) }, 'snapwright run: test');
    const result = await runJob({ records: 30_000, interval: 10, dir: mkdtempSync(join(tmpdir(), 'snapwright-display-')), faults: { killTask: 1 } }, display);
    display.finish(result);
    expect(writes[0]).toBe('snapwright run: test\n');
    const frames = writes.filter((w) => w.includes('timeline'));
    expect(frames.length).toBeGreaterThan(1);
    // Every frame after the first moves the cursor up over the previous block and clears it.
    for (const f of frames.slice(1)) expect(f).toMatch(/^\x1b\[4F\x1b\[J/);
    expect(frames.at(-1)).toMatch(/checkpoints {2}\d+ completed, \d+ aborted/);
    expect(frames.at(-1)).toMatch(/timeline {5}[✓✗…]+/);
    const end = writes.at(-1) as string;
    expect(end).toContain(result.exactlyOnce ? 'EXACTLY ONCE' : 'NOT EXACTLY ONCE');
    expect(writes.join('')).toContain('fault: killed task');
  });
});
