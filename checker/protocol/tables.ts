/**
 * Interning tables: every distinct part of the world (a coordinator state, a task state, a
 * network content, ...) gets a small integer id by its canonical key. Renamed keys (under a
 * symmetry permutation) are interned in the same table and may have no object: only keys of parts
 * that were actually reached carry one.
 * @packageDocumentation
 */

/** A table of interned parts. */
export class Table<T> {
  private readonly ids = new Map<string, number>();
  /** Objects by id (undefined for key-only entries). */
  readonly objects: (T | undefined)[] = [];
  /** Keys by id. */
  readonly keys: string[] = [];

  /** Number of ids handed out. */
  get size(): number {
    return this.keys.length;
  }

  /** Number of entries with an object. */
  get reached(): number {
    let n = 0;
    for (const o of this.objects) if (o !== undefined) n++;
    return n;
  }

  /**
   * The id of a key (interning it without an object when new).
   * @param key - the canonical key.
   */
  id(key: string): number {
    let id = this.ids.get(key);
    if (id === undefined) {
      id = this.keys.length;
      this.ids.set(key, id);
      this.keys.push(key);
      this.objects.push(undefined);
    }
    return id;
  }

  /**
   * The id of a key, making its object when it has none yet.
   * @param key - the canonical key.
   * @param make - builds the object for a new id.
   */
  put(key: string, make: (id: number) => T): number {
    const id = this.id(key);
    if (this.objects[id] === undefined) this.objects[id] = make(id);
    return id;
  }

  /**
   * The object of an id (which must have one).
   * @param id - the id.
   */
  get(id: number): T {
    return this.objects[id] as T;
  }
}

/**
 * The renamed ids of a part, one per permutation (index 0 is the identity), computed on demand.
 */
export function renamedIds(count: number, self: number): Int32Array {
  const a = new Int32Array(count).fill(-1);
  a[0] = self;
  return a;
}
