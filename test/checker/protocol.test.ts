/**
 * The protocol world checked: pinned state counts of the standard and a small configuration (a
 * tripwire for unintended protocol changes), every property green and every `sometimes`
 * reached, and the soundness of the reductions (dead-message collection, symmetry) shown by
 * comparing with the unreduced search.
 */
import { describe, expect, it } from 'vitest';
import { search } from '../../checker/bfs.js';
import { STANDARD } from '../../checker/protocol/config.js';
import type { WorldConfig } from '../../checker/protocol/config.js';
import { check, passed } from '../../checker/protocol/run.js';
import { World } from '../../checker/protocol/world.js';

/** Every reachable combination of actor, channel, durable and monitor states (the network left out). */
function actorStates(config: WorldConfig, collectDeadMessages: boolean, strictKeys = false): { keys: Set<string>; reached: string[]; violated: string[] } {
  const world = new World({ config, collectDeadMessages, strictKeys });
  const r = search(world, { maxStates: 2_000_000 });
  expect(r.complete).toBe(true);
  const keys = new Set<string>();
  const buf = new Int32Array(world.width);
  for (let i = 0; i < r.states; i++) keys.add(world.actorsKey(r.store.read(i, buf)));
  return { keys, reached: [...r.reached.keys()].sort(), violated: [...r.violations.keys()].sort() };
}

describe('the protocol world', () => {
  it('checks a small configuration completely, every property holds, every sometimes reached (pinned count)', () => {
    const { report } = check({ config: { maxIds: 2 } });
    expect(report.complete).toBe(true);
    expect(passed(report)).toBe(true);
    expect(report.properties.filter((p) => p.kind === 'sometimes').map((p) => p.status)).toEqual(['holds', 'holds', 'holds', 'holds', 'holds']);
    expect({ states: report.states, maxDepth: report.maxDepth }).toEqual({ states: 113_106, maxDepth: 22 });
  });

  it('checks the standard configuration exhaustively and green (pinned count)', () => {
    const { report } = check({});
    expect(report.configuration).toMatchObject({ ...STANDARD, symmetry: true, liveness: false });
    expect(report.complete).toBe(true);
    expect(passed(report)).toBe(true);
    expect({ states: report.states, maxDepth: report.maxDepth }).toEqual({ states: 3_419_019, maxDepth: 31 });
  }, 600_000);

  it('checks liveness (pending checkpoints resolve, progress once faults stop) without symmetry (pinned count)', () => {
    const { report } = check({ config: { maxIds: 2, crashes: 0, savepoints: 0, loss: false }, liveness: true });
    expect(report.configuration.symmetry).toBe(false);
    expect(report.properties.filter((p) => p.kind === 'eventually')).toEqual([
      { name: 'pending-resolves', kind: 'eventually', status: 'holds' },
      { name: 'progress', kind: 'eventually', status: 'holds' },
    ]);
    expect(report.notChecked).toEqual([]);
    expect(report.states).toBe(1_375);
  });

  it.each([
    ['crashes (a stale report kept while a coordinator may still restart)', { maxIds: 1, crashes: 2, savepoints: 0, loss: false, duplication: false, maxConcurrent: 1 }],
    ['loss and a savepoint', { maxIds: 2, crashes: 0, savepoints: 1, loss: true, duplication: false, maxConcurrent: 1 }],
    ['a crash', { maxIds: 2, crashes: 1, savepoints: 0, loss: false, duplication: false, maxConcurrent: 1 }],
  ])('collecting dead messages loses no actor state: %s', (_name, overrides) => {
    const config = { ...STANDARD, ...overrides };
    const collected = actorStates(config, true);
    const kept = actorStates(config, false);
    expect(collected.keys.size).toBe(kept.keys.size);
    for (const k of kept.keys) expect(collected.keys.has(k)).toBe(true);
    expect(collected.reached).toEqual(kept.reached);
    expect(collected.violated).toEqual(kept.violated);
  });

  it('the fields the keys leave out merge only states that behave the same', () => {
    const config = { ...STANDARD, maxIds: 2, savepoints: 0 };
    const normal = actorStates(config, true);
    const strict = actorStates(config, true, true);
    expect(strict.keys.size).toBe(normal.keys.size);
    for (const k of strict.keys) expect(normal.keys.has(k)).toBe(true);
    expect(strict.reached).toEqual(normal.reached);
  });

  it('symmetry reduction changes no verdict and only merges states', () => {
    const config = { maxIds: 2, crashes: 1, savepoints: 1 };
    const on = check({ config, symmetry: true }).report;
    const off = check({ config, symmetry: false }).report;
    expect(on.properties).toEqual(off.properties);
    expect(on.states).toBeLessThan(off.states);
    expect(off.states).toBeLessThanOrEqual(on.states * 2);
  });

  it('reports an incomplete run when a bound stops it, and claims nothing holds', () => {
    const { report } = check({ maxStates: 500 });
    expect(report.complete).toBe(false);
    expect(report.stoppedBy).toBe('max-states');
    expect(passed(report)).toBe(false);
    for (const p of report.properties) expect(p.status).not.toBe(p.kind === 'sometimes' ? 'unknown' : 'holds');
    expect(report.properties.filter((p) => p.kind === 'always').every((p) => p.status === 'unknown')).toBe(true);
  });

  it('rejects configurations it cannot model', () => {
    expect(() => check({ config: { maxIds: 0 } })).toThrow(/max-ids/);
    expect(() => check({ config: { sources: 9 } })).toThrow(/sources/);
  });
});
