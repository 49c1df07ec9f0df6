/**
 * The visited set and the state graph of a search: packed states in discovery order (the
 * breadth-first queue is their index order), an exact open-addressing hash table over canonical
 * tuples (no fingerprint collisions), parent pointers and action indices for traces.
 * @packageDocumentation
 */

/** Growable typed-array storage of fixed-width Int32 tuples. */
class TupleArray {
  data: Int32Array;
  constructor(
    readonly width: number,
    capacity: number,
  ) {
    this.data = new Int32Array(width * capacity);
  }

  ensure(count: number): void {
    if (count * this.width <= this.data.length) return;
    let cap = this.data.length / this.width;
    while (cap < count) cap *= 2;
    const next = new Int32Array(cap * this.width);
    next.set(this.data);
    this.data = next;
  }
}

function grow<T extends Int32Array | Uint16Array | Uint8Array>(a: T, count: number, make: (n: number) => T): T {
  if (count <= a.length) return a;
  let cap = a.length;
  while (cap < count) cap *= 2;
  const next = make(cap);
  next.set(a);
  return next;
}

/** Hash of `width` ints at `offset` of `data` (a 32-bit mix, good enough for open addressing). */
function hashTuple(data: Int32Array, offset: number, width: number): number {
  let h = 0x9e3779b9 | 0;
  for (let i = 0; i < width; i++) {
    h = Math.imul(h ^ (data[offset + i] as number), 0x85ebca6b);
    h ^= h >>> 13;
  }
  h = Math.imul(h ^ (h >>> 16), 0xc2b2ae35);
  return (h ^ (h >>> 15)) >>> 0;
}

/**
 * The states found so far. The hash table keeps each canonical tuple inline with its hash and
 * state index (one cache line per probe, no second lookup to compare).
 */
export class StateStore {
  /** Representative states, by index. */
  private readonly states: TupleArray;
  /** Slots of `width + 2` ints: state index (-1: empty), hash, canonical tuple. */
  private table: Int32Array;
  private mask: number;
  private readonly slotWidth: number;
  /** Parent index of every state (-1 for initial states). */
  parent: Int32Array;
  /** Index of the action of the parent that led here. */
  action: Int32Array;
  /** Depth (distance from the initial state). */
  depth: Uint16Array;
  /** Bit 0: do not expand (a violation was observed on the way in). */
  flags: Uint8Array;
  /** Number of states. */
  size = 0;

  /**
   * @param width - tuple width.
   * @param _separateCanonical - whether canonical tuples differ from representatives (symmetry);
   * the table keeps canonical tuples either way.
   */
  constructor(
    readonly width: number,
    _separateCanonical = false,
  ) {
    const cap = 1 << 16;
    this.states = new TupleArray(width, cap);
    this.slotWidth = width + 2;
    this.table = StateStore.emptyTable(cap * 2, this.slotWidth);
    this.mask = cap * 2 - 1;
    this.parent = new Int32Array(cap);
    this.action = new Int32Array(cap);
    this.depth = new Uint16Array(cap);
    this.flags = new Uint8Array(cap);
  }

  private static emptyTable(slots: number, slotWidth: number): Int32Array {
    const t = new Int32Array(slots * slotWidth);
    for (let i = 0; i < t.length; i += slotWidth) t[i] = -1;
    return t;
  }

  /** The state at `index`, copied into `out`. */
  read(index: number, out: Int32Array): Int32Array {
    const w = this.width;
    const d = this.states.data;
    const o = index * w;
    for (let i = 0; i < w; i++) out[i] = d[o + i] as number;
    return out;
  }

  /** The index of the state with this canonical tuple, or -1. */
  find(canonical: Int32Array): number {
    const r = this.probe(canonical, hashTuple(canonical, 0, this.width) | 0);
    return r >= 0 ? -1 : (this.table[-r - 1] as number);
  }

  /**
   * Probes for a canonical tuple: the slot offset of an empty slot (>= 0), or `-(offset) - 1` of
   * the slot holding it.
   */
  private probe(canonical: Int32Array, hash: number): number {
    const w = this.width;
    const sw = this.slotWidth;
    const t = this.table;
    let slot = hash & this.mask;
    for (;;) {
      const o = slot * sw;
      if (t[o] === -1) return o;
      if (t[o + 1] === hash) {
        let same = true;
        for (let i = 0; i < w; i++) {
          if (t[o + 2 + i] !== canonical[i]) {
            same = false;
            break;
          }
        }
        if (same) return -o - 1;
      }
      slot = (slot + 1) & this.mask;
    }
  }

  /**
   * Adds a state unless its canonical tuple is known.
   * @returns the new state's index, or `-(existing index) - 1` when it was known.
   */
  add(state: Int32Array, canonical: Int32Array, parent: number, action: number, depth: number): number {
    const hash = hashTuple(canonical, 0, this.width) | 0;
    const o = this.probe(canonical, hash);
    if (o < 0) return -(this.table[-o - 1] as number) - 1;
    const index = this.size++;
    const w = this.width;
    this.states.ensure(this.size);
    this.states.data.set(state, index * w);
    if (this.size > this.parent.length) {
      const cap = this.parent.length * 2;
      this.parent = grow(this.parent, cap, (n) => new Int32Array(n));
      this.action = grow(this.action, cap, (n) => new Int32Array(n));
      this.depth = grow(this.depth, cap, (n) => new Uint16Array(n));
      this.flags = grow(this.flags, cap, (n) => new Uint8Array(n));
    }
    this.parent[index] = parent;
    this.action[index] = action;
    this.depth[index] = Math.min(depth, 65535);
    const t = this.table;
    t[o] = index;
    t[o + 1] = hash;
    t.set(canonical, o + 2);
    if (this.size * 2 > this.mask) this.rehash();
    return index;
  }

  private rehash(): void {
    const slots = (this.mask + 1) * 2;
    const sw = this.slotWidth;
    const table = StateStore.emptyTable(slots, sw);
    const mask = slots - 1;
    const old = this.table;
    for (let o = 0; o < old.length; o += sw) {
      if (old[o] === -1) continue;
      let slot = (old[o + 1] as number) & mask;
      while (table[slot * sw] !== -1) slot = (slot + 1) & mask;
      table.set(old.subarray(o, o + sw), slot * sw);
    }
    this.table = table;
    this.mask = mask;
  }

  /** The path of state indices from an initial state to `index`, inclusive. */
  pathTo(index: number): number[] {
    const path: number[] = [];
    for (let i = index; i !== -1; i = this.parent[i] as number) path.push(i);
    return path.reverse();
  }

  /** Approximate bytes held. */
  bytes(): number {
    return this.states.data.byteLength + this.table.byteLength + this.parent.byteLength * 2 + this.depth.byteLength + this.flags.byteLength;
  }
}

/** The edges of the explored graph, in compressed sparse rows (only kept for liveness). */
export class EdgeStore {
  /** Offset of the first edge of each state; `start[i + 1]` ends it. */
  start = new Int32Array(1 << 16);
  target = new Int32Array(1 << 18);
  fairClass = new Int32Array(1 << 18);
  /** Bit 0: fault; bits 8..: discharged obligations (shifted). */
  discharges = new Int32Array(1 << 18);
  fault = new Uint8Array(1 << 18);
  count = 0;
  states = 0;

  /** Opens the edge list of the next state (states are expanded in index order). */
  open(state: number): void {
    if (state + 2 > this.start.length) this.start = grow(this.start, state + 2, (n) => new Int32Array(n));
    this.start[state] = this.count;
    this.start[state + 1] = this.count;
    this.states = state + 1;
  }

  /** Adds an edge from the state opened last. */
  add(target: number, fairClass: number, fault: boolean, discharges: number): void {
    const i = this.count++;
    if (this.count > this.target.length) {
      const cap = this.target.length * 2;
      this.target = grow(this.target, cap, (n) => new Int32Array(n));
      this.fairClass = grow(this.fairClass, cap, (n) => new Int32Array(n));
      this.discharges = grow(this.discharges, cap, (n) => new Int32Array(n));
      this.fault = grow(this.fault, cap, (n) => new Uint8Array(n));
    }
    this.target[i] = target;
    this.fairClass[i] = fairClass;
    this.fault[i] = fault ? 1 : 0;
    this.discharges[i] = discharges;
    this.start[this.states] = this.count;
  }
}
