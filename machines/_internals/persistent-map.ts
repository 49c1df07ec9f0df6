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

type Node<K, V> =
  | { root: true; map: Map<K, V> }
  | { root: false; key: K; had: boolean; value: V | undefined; next: PersistentMap<K, V> };

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
    const path: PersistentMap<K, V>[] = [];
    let v: PersistentMap<K, V> = this;
    while (!v.node.root) {
      path.push(v);
      v = v.node.next;
    }
    const map = v.node.map;
    for (let i = path.length - 1; i >= 0; i--) {
      const p = path[i] as PersistentMap<K, V>;
      const d = p.node as Extract<Node<K, V>, { root: false }>;
      const curHad = map.has(d.key);
      const curValue = map.get(d.key);
      if (d.had) map.set(d.key, d.value as V);
      else map.delete(d.key);
      d.next.node = { root: false, key: d.key, had: curHad, value: curValue, next: p };
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
   * Calls `fn` for every entry. Do not create versions of this map inside `fn`.
   * @param fn - called with value and key.
   */
  forEach(fn: (value: V, key: K) => void): void {
    this.reroot().forEach((value, key) => fn(value, key));
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
