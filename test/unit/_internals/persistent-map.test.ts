/**
 * The persistent map against a plain `Map` model: every version stays valid and unchanged while
 * other versions are read, changed and branched from, including batched changes.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { PersistentMap } from '../../../machines/_internals/persistent-map.js';

const sorted = (m: ReadonlyMap<string, number>) => [...m.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));

describe('PersistentMap', () => {
  it('keeps old versions unchanged', () => {
    const a = PersistentMap.from<string, number>([['x', 1]]);
    const b = a.set('y', 2);
    const c = b.delete('x');
    const d = a.set('x', 5);
    expect(a.toJSON()).toEqual([['x', 1]]);
    expect(b.toJSON()).toEqual([
      ['x', 1],
      ['y', 2],
    ]);
    expect(c.toJSON()).toEqual([['y', 2]]);
    expect(d.toJSON()).toEqual([['x', 5]]);
    expect([a.size, b.size, c.size, d.size]).toEqual([1, 2, 1, 1]);
    expect(b.get('x')).toBe(1);
    expect(c.has('x')).toBe(false);
  });

  it('returns the same version when nothing changes', () => {
    const a = PersistentMap.from<string, number>([['x', 1]]);
    expect(a.set('x', 1)).toBe(a);
    expect(a.delete('nope')).toBe(a);
    expect(a.withMutations((m) => m.set('x', 1))).toBe(a);
    expect(a.withMutations(() => {})).toBe(a);
  });

  it('applies a batch as one new version, seeing its own changes', () => {
    const a = PersistentMap.empty<string, number>();
    const seen: Array<number | undefined> = [];
    const b = a.withMutations((m) => {
      m.insert('x', 1);
      seen.push(m.get('x'));
      m.set('x', 2);
      m.set('y', 3);
      seen.push(m.has('y') ? 1 : 0);
    });
    expect(seen).toEqual([1, 1]);
    expect(b.toJSON()).toEqual([
      ['x', 2],
      ['y', 3],
    ]);
    expect(a.size).toBe(0);
    expect(a.get('x')).toBeUndefined();
    expect(b.size).toBe(2);
  });

  it('matches a plain Map over random version-branching histories (property)', () => {
    const seed = Number(process.env.SEED) || Date.now() % 2 ** 31;
    console.log(`persistent map property: seed ${seed} (replay with SEED=${seed})`);
    const key = fc.constantFrom('a', 'b', 'c', 'd', 'e', 'f');
    const value = fc.integer({ min: 0, max: 9 });
    const batchOp = fc.oneof(
      fc.record({ kind: fc.constant('set' as const), key, value }),
      fc.record({ kind: fc.constant('insert' as const), key, value }),
      fc.record({ kind: fc.constant('read' as const), key, value }),
    );
    const op = fc.oneof(
      fc.record({ kind: fc.constant('set' as const), base: fc.nat(), key, value }),
      fc.record({ kind: fc.constant('delete' as const), base: fc.nat(), key }),
      fc.record({ kind: fc.constant('batch' as const), base: fc.nat(), ops: fc.array(batchOp, { maxLength: 8 }) }),
      fc.record({ kind: fc.constant('check' as const), base: fc.nat() }),
    );
    fc.assert(
      fc.property(fc.array(op, { maxLength: 60 }), (ops) => {
        const versions: PersistentMap<string, number>[] = [PersistentMap.empty()];
        const models: Map<string, number>[] = [new Map()];
        const check = (i: number) => {
          const v = versions[i] as PersistentMap<string, number>;
          const model = models[i] as Map<string, number>;
          expect(v.size).toBe(model.size);
          expect(v.toJSON()).toEqual(sorted(model));
          for (const k of ['a', 'b', 'c', 'd', 'e', 'f']) {
            expect(v.has(k)).toBe(model.has(k));
            expect(v.get(k)).toBe(model.get(k));
          }
          const visited: Array<[string, number]> = [];
          v.forEach((val, k) => visited.push([k, val]));
          expect(visited.sort(([a], [b]) => (a < b ? -1 : 1))).toEqual(sorted(model));
          expect(v.keys().sort()).toEqual([...model.keys()].sort());
          expect(sorted(new Map(v.entries()))).toEqual(sorted(model));
          expect(sorted(new Map(v.view()))).toEqual(sorted(model));
        };
        for (const o of ops) {
          const i = o.base % versions.length;
          const base = versions[i] as PersistentMap<string, number>;
          const model = new Map(models[i]);
          if (o.kind === 'check') {
            check(i);
            continue;
          }
          let next: PersistentMap<string, number>;
          if (o.kind === 'set') {
            next = base.set(o.key, o.value);
            model.set(o.key, o.value);
          } else if (o.kind === 'delete') {
            next = base.delete(o.key);
            model.delete(o.key);
          } else {
            next = base.withMutations((m) => {
              for (const b of o.ops) {
                if (b.kind === 'read') {
                  expect(m.has(b.key)).toBe(model.has(b.key));
                  expect(m.get(b.key)).toBe(model.get(b.key));
                } else if (b.kind === 'insert' && !model.has(b.key)) {
                  m.insert(b.key, b.value);
                  model.set(b.key, b.value);
                } else {
                  m.set(b.key, b.value);
                  model.set(b.key, b.value);
                }
              }
            });
          }
          versions.push(next);
          models.push(model);
        }
        for (let i = versions.length - 1; i >= 0; i--) check(i);
        for (let i = 0; i < versions.length; i++) check(i);
      }),
      { seed, numRuns: 300 },
    );
  });
});
