/**
 * The viewer page in a real headless Chromium (Debian's, never a downloaded one): a counterexample
 * the checker finds for a seeded bug (the concurrency limit ignored, as in
 * test/checker/seeded-bug.test.ts) is written as a page by `snapwright view`, opened through
 * file://, and stepped through with the keyboard and the buttons. At every step the states the
 * page highlights in each actor's statechart must be exactly the states the trace recorded, and a
 * screenshot is written. The page must not make a single network request. The diagrams of
 * `snapwright diagram` must parse as SVG in the browser.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium } from 'playwright-core';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { parseArgs } from '../../cli/args.js';
import { diagramCommand } from '../../cli/commands/diagram.js';
import { viewCommand } from '../../cli/commands/view.js';
import { check } from '../../checker/protocol/run.js';
import type { Trace } from '../../checker/protocol/run.js';
import type { WorldView } from '../../checker/protocol/world.js';
import type { CoordinatorMachine } from '../../machines/coordinator/index.js';
import { coordinatorMachine } from '../../machines/coordinator/index.js';
import { taskMachine } from '../../machines/task/index.js';
import { allStatePaths } from './support.js';

vi.mock('../../machines/coordinator/coordinator.machine.js', async (importOriginal) => {
  const original = await importOriginal<{ coordinatorMachine: CoordinatorMachine }>();
  return {
    ...original,
    // The seeded bug: the head of the queue runs even when max-concurrent checkpoints are pending.
    coordinatorMachine: original.coordinatorMachine.provide({ guards: { headExecutable: ({ context }) => context.queue.length > 0 } }),
  };
});

const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

/** Every state node a state value makes active, ancestors included (written apart from the viewer's own). */
function expectedPaths(value: unknown): string[] {
  const out: string[] = [];
  const stack: Array<[string, unknown]> = [['', value]];
  while (stack.length > 0) {
    const [prefix, v] = stack.pop() as [string, unknown];
    const at = (k: string) => (prefix === '' ? k : `${prefix}.${k}`);
    if (typeof v === 'string') out.push(at(v));
    else for (const [k, inner] of Object.entries(v as Record<string, unknown>)) {
      out.push(at(k));
      stack.push([at(k), inner]);
    }
  }
  return out.sort();
}

/** What the trace says each actor's highlighted states are. */
function expectedHighlights(view: WorldView): Record<string, string[]> {
  const out: Record<string, string[]> = { coordinator: expectedPaths(view.coordinator.state) };
  for (const t of view.tasks) {
    const barriers = t.barrierHandler.split('.').map((_, i, parts) => `barriers.${parts.slice(0, i + 1).join('.')}`);
    out[t.taskId] = ['lifecycle', `lifecycle.${t.lifecycle}`, 'barriers', ...barriers].sort();
  }
  return out;
}

/** The states the page highlights, per actor (the script runs in the page: no DOM types here). */
async function highlighted(page: Page): Promise<Record<string, string[]>> {
  return page.evaluate<Record<string, string[]>>(`(() => {
    const out = {};
    document.querySelectorAll('.actor-panel').forEach((panel) => {
      out[panel.getAttribute('data-actor')] = [...panel.querySelectorAll('g.state.active')].map((g) => g.getAttribute('data-path')).sort();
    });
    return out;
  })()`);
}

/** How the browser parses an SVG text. */
async function parseSvg(page: Page, text: string): Promise<{ error: boolean; root: string; namespace: string; states: string[] }> {
  return page.evaluate(`(() => {
    const doc = new DOMParser().parseFromString(${JSON.stringify(text)}, 'image/svg+xml');
    return {
      error: doc.getElementsByTagName('parsererror').length > 0,
      root: doc.documentElement.localName,
      namespace: doc.documentElement.namespaceURI,
      states: [...doc.querySelectorAll('g.state')].map((g) => g.getAttribute('data-path')),
    };
  })()`);
}

describe('the viewer page in headless Chromium', () => {
  const dir = mkdtempSync(join(tmpdir(), 'snapwright-viewer-'));
  let context: BrowserContext;
  let trace: Trace;
  const requests: string[] = [];

  beforeAll(async () => {
    const found = check({ config: { maxIds: 3, crashes: 0, savepoints: 0, loss: false } }).counterexamples.find((t) => t.property === 'bounded-concurrency');
    if (!found) throw new Error('the seeded bug was not found');
    trace = found;
    context = await chromium.launchPersistentContext(mkdtempSync(join(tmpdir(), 'snapwright-chromium-')), {
      executablePath: '/usr/bin/chromium',
      args: CHROMIUM_ARGS,
      viewport: { width: 1400, height: 900 },
    });
    context.on('request', (r) => requests.push(r.url()));
  });

  afterAll(async () => {
    await context?.close();
  });

  it('shows, at every step, exactly the states the trace recorded, and makes no network request', async () => {
    const file = join(dir, 'bug.json');
    writeFileSync(file, JSON.stringify(trace));
    const html = join(dir, 'bug.html');
    const log = vi.spyOn(console, 'log').mockImplementation(() => {});
    expect(await viewCommand(parseArgs([file, '--out', html]))).toBe(0);
    log.mockRestore();
    console.log(`viewer page and screenshots in ${dir}`);

    const page = await context.newPage();
    const url = pathToFileURL(html).href;
    await page.goto(url);
    const views = [trace.initial, ...trace.steps.map((s) => s.state)];
    for (let n = 0; n < views.length; n++) {
      expect(await page.getAttribute('body', 'data-step')).toBe(String(n));
      expect(await highlighted(page)).toEqual(expectedHighlights(views[n] as WorldView));
      expect(await page.textContent('#step-counter')).toBe(`step ${n} of ${trace.steps.length}`);
      if (n > 0) expect(await page.getAttribute('.sequence .seq-step.current', 'data-step')).toBe(String(n));
      await page.screenshot({ path: join(dir, `step-${n}.png`), fullPage: true });
      // Alternate the keyboard and the button (disabled on the last step).
      if (n % 2 === 0 || n === views.length - 1) await page.keyboard.press('ArrowRight');
      else await page.click('#next');
    }
    // Past the end the page stays on the last step; back and home go where they say.
    expect(await page.getAttribute('body', 'data-step')).toBe(String(trace.steps.length));
    expect(await page.isDisabled('#next')).toBe(true);
    expect(await page.textContent('#step-notes')).toContain('bounded-concurrency VIOLATED');
    await page.keyboard.press('ArrowLeft');
    expect(await page.getAttribute('body', 'data-step')).toBe(String(trace.steps.length - 1));
    expect(await highlighted(page)).toEqual(expectedHighlights(trace.steps[trace.steps.length - 2]?.state as WorldView));
    await page.keyboard.press('Home');
    expect(await highlighted(page)).toEqual(expectedHighlights(trace.initial));
    expect(await page.isDisabled('#prev')).toBe(true);

    // One timeline row per checkpoint the trace created.
    const created = new Set(views.flatMap((v) => v.coordinator.pending.map((p) => p.checkpointId)));
    const rows = await page.evaluate<number[]>(`[...document.querySelectorAll('.timeline .checkpoint')].map((r) => Number(r.getAttribute('data-checkpoint')))`);
    expect(rows.sort()).toEqual([...created].sort());
    // The only request was the page itself.
    expect(requests).toEqual([url]);
    await page.close();
  });

  it('reads the diagrams of `snapwright diagram` as valid SVG with every state of each machine', async () => {
    const out = join(dir, 'diagrams');
    const log = vi.spyOn(console, 'log').mockImplementation(() => {});
    expect(await diagramCommand(parseArgs(['--out', out, '--format', 'svg']))).toBe(0);
    log.mockRestore();
    const page = await context.newPage();
    await page.goto('about:blank');
    for (const machine of [coordinatorMachine, taskMachine]) {
      const svg = readFileSync(join(out, `${machine.id}.svg`), 'utf8');
      const parsed = await parseSvg(page, svg);
      expect(parsed.error).toBe(false);
      expect(parsed.root).toBe('svg');
      expect(parsed.namespace).toBe('http://www.w3.org/2000/svg');
      expect(parsed.states.sort()).toEqual(allStatePaths(machine).sort());
    }
    await page.close();
  });
});
