/**
 * The leader lease a durable store keeps beside its leader epoch: who holds the current epoch, a
 * beat counter the holder bumps while it lives, and whether it let go. Each backend changes the
 * lease and the epoch together, atomically: taking the lease is a compare-and-bump of the epoch
 * (only if the epoch and lease are still what the taker saw), so of any number of racing takers
 * exactly one gets the next epoch. The pure transitions below are the rules; the file store
 * applies them inside its manifest compare-and-set, PostgreSQL in one conditional statement.
 * @packageDocumentation
 */

/**
 * Where the lease stands: `held` (the holder renews it), `released` (the holder let go: anyone
 * may take it at once) or `done` (the holder finished the job: nobody should take over).
 */
export type LeaseState = 'held' | 'released' | 'done';

/** The lease of the store's current epoch. */
export interface LeaseRecord {
  /** Who took it (an id unique to the process). */
  readonly holder: string;
  /** How many times the holder renewed it since it took it. */
  readonly beat: number;
  /** Where it stands. */
  readonly state: LeaseState;
}

/** The store's leader epoch and the lease of that epoch, read together. */
export interface LeaseView {
  /** The current leader epoch (0 before any leader). */
  readonly epoch: number;
  /**
   * The lease of `epoch`, or null: no leader yet (epoch 0), or the epoch was acquired without a
   * lease (`acquireLeadership`, `leadership: 'acquire'`), which clears it.
   */
  readonly lease: LeaseRecord | null;
}

/** What a renewal found: renewed (the new beat), or the lease is no longer the renewer's. */
export type RenewResult = { readonly renewed: true; readonly beat: number } | { readonly renewed: false; readonly view: LeaseView };

/** The lease operations of a backend, each atomic with the leader epoch. */
export interface LeaseBackend {
  /** Reads the epoch and its lease. */
  readLease(): Promise<LeaseView>;
  /**
   * If the epoch and lease are still exactly `seen`, bumps the epoch and gives its lease to
   * `holder` (beat 0, held); resolves with the new epoch, or null when anything changed.
   * @param seen - what the taker read.
   * @param holder - the taker's id.
   */
  takeLease(seen: LeaseView, holder: string): Promise<number | null>;
  /**
   * If `holder` still holds the lease of the current epoch `epoch`, increments the beat.
   * @param epoch - the renewer's epoch.
   * @param holder - the renewer's id.
   */
  renewLease(epoch: number, holder: string): Promise<RenewResult>;
  /**
   * If `holder` still holds the lease of `epoch`, marks it `released` or `done`; resolves with
   * whether it did.
   * @param epoch - the holder's epoch.
   * @param holder - the holder's id.
   * @param state - `released` or `done`.
   */
  releaseLease(epoch: number, holder: string, state: 'released' | 'done'): Promise<boolean>;
}

/**
 * Whether two views are the same epoch with the same lease (holder, beat and state).
 * @param a - one view.
 * @param b - the other.
 */
export function sameLeaseView(a: LeaseView, b: LeaseView): boolean {
  if (a.epoch !== b.epoch) return false;
  if (a.lease === null || b.lease === null) return a.lease === b.lease;
  return a.lease.holder === b.lease.holder && a.lease.beat === b.lease.beat && a.lease.state === b.lease.state;
}

/**
 * Whether nobody holds `view`'s epoch: no leader ever, or the holder released it. (An epoch
 * without a lease, or with one whose holder is `done`, is not vacant.)
 * @param view - the view.
 */
export function leaseVacant(view: LeaseView): boolean {
  return view.lease === null ? view.epoch === 0 : view.lease.state === 'released';
}

/**
 * The view after `holder` took the lease having seen `seen`, or null (refused: it changed).
 * @param current - the store's view now.
 * @param seen - what the taker read.
 * @param holder - the taker.
 */
export function leaseTaken(current: LeaseView, seen: LeaseView, holder: string): LeaseView | null {
  if (!sameLeaseView(current, seen)) return null;
  return { epoch: current.epoch + 1, lease: { holder, beat: 0, state: 'held' } };
}

/** Whether `holder` holds the lease of `epoch`, and `epoch` is the current one. */
const holds = (current: LeaseView, epoch: number, holder: string): current is LeaseView & { readonly lease: LeaseRecord } =>
  current.epoch === epoch && current.lease !== null && current.lease.holder === holder && current.lease.state === 'held';

/**
 * The view after `holder` renewed the lease of `epoch`, or null (refused: it is not theirs).
 * @param current - the store's view now.
 * @param epoch - the renewer's epoch.
 * @param holder - the renewer.
 */
export function leaseRenewed(current: LeaseView, epoch: number, holder: string): LeaseView | null {
  return holds(current, epoch, holder) ? { epoch, lease: { ...current.lease, beat: current.lease.beat + 1 } } : null;
}

/**
 * The view after `holder` released the lease of `epoch` as `state`, or null (not theirs).
 * @param current - the store's view now.
 * @param epoch - the holder's epoch.
 * @param holder - the holder.
 * @param state - `released` or `done`.
 */
export function leaseReleased(current: LeaseView, epoch: number, holder: string, state: 'released' | 'done'): LeaseView | null {
  return holds(current, epoch, holder) ? { epoch, lease: { ...current.lease, state } } : null;
}

/**
 * Whether `v` is a well-formed lease record (as read back from a file).
 * @param v - the value.
 */
export function isLeaseRecord(v: unknown): v is LeaseRecord {
  const r = v as LeaseRecord;
  return (
    typeof r === 'object' &&
    r !== null &&
    typeof r.holder === 'string' &&
    r.holder.length > 0 &&
    Number.isSafeInteger(r.beat) &&
    r.beat >= 0 &&
    (r.state === 'held' || r.state === 'released' || r.state === 'done')
  );
}
