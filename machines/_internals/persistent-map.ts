/**
 * A fully persistent map with O(1) operations on the newest version (Baker's "shallow binding"):
 * the newest version owns a mutable `Map`; every older version is a chain of one-entry diffs
 * towards it. Reading or updating an older version first "reroots" the chain (cost: its distance
 * from the owner), so every version stays valid and immutable from the outside.
 *
 * This is what lets the machines stay pure (the model checker branches from any snapshot) while
 * the runtime's linear use costs O(1) per acknowledgement and copies no per-task collection.
 * @packageDocumentation
 */

/**
 * A change log, read as "this version is `next` with these entries": keys that are absent here
 * (`absent`), then keys with whether each was present and its value here, in change order.
 */
interface Changes<K, V> {
  absent: K[];
  keys: K[];
  hads: boolean[];
  values: (V | undefined)[];
}

type Node<K, V> =
  | { root: true; map: Map<K, V> }
  | { root: false; key: K; had: boolean; value: V | undefined; next: PersistentMap<K, V> }
  | { root: false; key?: undefined; changes: Changes<K, V>; next: PersistentMap<K, V> };

/** The mutable view {@link PersistentMap.withMutations} hands out. */
export interface MapMutator<K, V> {
  /** Whether `key` is present (including changes made in this batch). */
  has(key: K): boolean;
  /** The value for `key` (including changes made in this batch). */
  get(key: K): V | undefined;
  /** Maps `key` to `value`. */
  set(key: K, value: V): void;
  /** Maps `key`, which the caller knows is absent, to `value` (cheaper than `set`). */
  insert(key: K, value: V): void;
}

/**
 * An immutable map value. `set` and `delete` return a new version and leave this one unchanged.
 * Iteration order is insertion order of the owning `Map` and may differ between versions with the
 * same entries; use {@link PersistentMap.toJSON} (sorted) for a canonical form.
 */
export class PersistentMap<K, V> {
  private node: Node<K, V>;
  /** Number of entries in this version. */
  readonly size: number;

  private constructor(node: Node<K, V>, size: number) {
    this.node = node;
    this.size = size;
  }

  /** A new empty map. */
  static empty<K, V>(): PersistentMap<K, V> {
    return new PersistentMap<K, V>({ root: true, map: new Map() }, 0);
  }

  /**
   * A new map holding `entries` (later duplicates win).
   * @param entries - initial entries.
   */
  static from<K, V>(entries: Iterable<readonly [K, V]>): PersistentMap<K, V> {
    const map = new Map<K, V>();
    for (const [k, v] of entries) map.set(k, v);
    return new PersistentMap<K, V>({ root: true, map }, map.size);
  }

  /** Makes this version the owner of the shared `Map` and returns it. */
  private reroot(): Map<K, V> {
    if (this.node.root) return this.node.map;
    const path: PersistentMap<K, V>[] = [this];
    let v = this.node.next;
    while (!v.node.root) {
      path.push(v);
      v = v.node.next;
    }
    const map = v.node.map;
    for (let i = path.length - 1; i >= 0; i--) {
      const p = path[i] as PersistentMap<K, V>;
      const d = p.node as Exclude<Node<K, V>, { root: true }>;
      if ('changes' in d) {
        // Undo the batch in reverse order, recording the redo log for the newer version.
        const c = d.changes;
        const redo: Changes<K, V> = { absent: [], keys: [], hads: [], values: [] };
        for (let j = c.keys.length - 1; j >= 0; j--) {
          const key = c.keys[j] as K;
          redo.keys.push(key);
          redo.hads.push(map.has(key));
          redo.values.push(map.get(key));
          if (c.hads[j]) map.set(key, c.values[j] as V);
          else map.delete(key);
        }
        for (const key of c.absent) {
          redo.keys.push(key);
          redo.hads.push(true);
          redo.values.push(map.get(key));
          map.delete(key);
        }
        d.next.node = { root: false, changes: redo, next: p };
      } else {
        const curHad = map.has(d.key);
        const curValue = map.get(d.key);
        if (d.had) map.set(d.key, d.value as V);
        else map.delete(d.key);
        d.next.node = { root: false, key: d.key, had: curHad, value: curValue, next: p };
      }
      p.node = { root: true, map };
    }
    return map;
  }

  /**
   * The value for `key`, or undefined.
   * @param key - the key.
   */
  get(key: K): V | undefined {
    return this.reroot().get(key);
  }

  /**
   * Whether `key` is present.
   * @param key - the key.
   */
  has(key: K): boolean {
    return this.reroot().has(key);
  }

  /**
   * A version with `key` mapped to `value` (this version when nothing changes).
   * @param key - the key.
   * @param value - the value.
   */
  set(key: K, value: V): PersistentMap<K, V> {
    const map = this.reroot();
    const had = map.has(key);
    const old = map.get(key);
    if (had && Object.is(old, value)) return this;
    map.set(key, value);
    const next = new PersistentMap<K, V>(this.node, had ? this.size : this.size + 1);
    this.node = { root: false, key, had, value: old, next };
    return next;
  }

  /**
   * A version without `key` (this version when it is absent).
   * @param key - the key.
   */
  delete(key: K): PersistentMap<K, V> {
    const map = this.reroot();
    if (!map.has(key)) return this;
    const old = map.get(key);
    map.delete(key);
    const next = new PersistentMap<K, V>(this.node, this.size - 1);
    this.node = { root: false, key, had: true, value: old, next };
    return next;
  }

  /**
   * Applies many changes at the cost of one new version (O(1) per change, one allocation per
   * batch). Returns this version when nothing changed.
   * @param fn - makes the changes through the mutator; must not touch other versions of this map.
   */
  withMutations(fn: (m: MapMutator<K, V>) => void): PersistentMap<K, V> {
    const map = this.reroot();
    const log: Changes<K, V> = { absent: [], keys: [], hads: [], values: [] };
    let size = this.size;
    fn({
      has: (key) => map.has(key),
      get: (key) => map.get(key),
      set: (key, value) => {
        const had = map.has(key);
        const old = map.get(key);
        if (had && Object.is(old, value)) return;
        log.keys.push(key);
        log.hads.push(had);
        log.values.push(old);
        map.set(key, value);
        if (!had) size++;
      },
      insert: (key, value) => {
        log.absent.push(key);
        map.set(key, value);
        size++;
      },
    });
    if (log.keys.length === 0 && log.absent.length === 0) return this;
    const next = new PersistentMap<K, V>(this.node, size);
    this.node = { root: false, changes: log, next };
    return next;
  }

  /**
   * Calls `fn` for every entry. Do not create versions of this map inside `fn`.
   * @param fn - called with value and key.
   */
  forEach(fn: (value: V, key: K) => void): void {
    this.reroot().forEach((value, key) => fn(value, key));
  }

  /**
   * This version's contents as a read-only `Map`, without copying. Valid only until any version
   * of this map is read or changed again: use it for one loop, never keep it.
   */
  view(): ReadonlyMap<K, V> {
    return this.reroot();
  }

  /** The entries as a new array (a copy: O(size)). */
  entries(): Array<[K, V]> {
    return [...this.reroot()];
  }

  /** The keys as a new array (a copy: O(size)). */
  keys(): K[] {
    return [...this.reroot().keys()];
  }

  /** The canonical form: entries sorted by key, for hashing, printing and JSON. */
  toJSON(): Array<[K, V]> {
    return this.entries().sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  }
}
