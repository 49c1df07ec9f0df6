/**
 * Leader election by lease over a durable store. A contender {@link campaign}s: while another
 * holder's lease is live it stands by, polling the lease; it decides the holder is gone when the
 * lease (epoch, holder, beat, state) has not changed for `leaseTimeoutMs` *as measured on its own
 * monotonic clock* (no wall clock is compared across hosts), and then takes the lease with a
 * compare-and-bump of the epoch, so of racing standbys exactly one wins. The winner's
 * {@link Leadership} renews the lease every `renewMs`; a renewal that finds a newer epoch or
 * another holder reports the leader deposed (a value, through `onDeposed`), and it stops for good.
 *
 * Safety does not rest on timing: the new epoch fences the old leader's store writes
 * (`FencedWriteError`) and tasks reject its messages (`stale-epoch`). Timing only keeps a live
 * leader from being deposed: {@link Leadership.fresh} is false once the holder has not renewed
 * for `leaseTimeoutMs` by its own clock (it was frozen, or the store is slow), which is no later
 * than a standby could take over when both clocks run at the same rate, so a leader that checks
 * it before acting stops acting before anyone else can start.
 * @packageDocumentation
 */
import { performance } from 'node:perf_hooks';
import { ConfigError } from '../../spec/index.js';
import type { LeaseBackend, LeaseState, LeaseView } from './lease-backend.js';
import { leaseVacant } from './lease-backend.js';
import { integerOption, rejectUnknownOptions, stringOption } from './options.js';

/** How a contender and a leader time the lease. */
export interface LeaseOptions {
  /** This process's id in the lease (unique across processes: e.g. host, pid and a random part). */
  readonly holder: string;
  /** A lease unchanged this long (on the standby's clock) is taken over, ms (default 3000). */
  readonly leaseTimeoutMs?: number;
  /** The leader renews this often, ms; below half of `leaseTimeoutMs` (default a sixth of it). */
  readonly renewMs?: number;
  /** A standby reads the lease this often, ms; at most `renewMs` (default `renewMs`). */
  readonly pollMs?: number;
  /** The monotonic clock, ms (default `performance.now`). */
  readonly now?: () => number;
}

/** Lease options with every field resolved. */
export interface ResolvedLeaseOptions {
  /** The holder id. */
  readonly holder: string;
  /** The lease timeout, ms. */
  readonly leaseTimeoutMs: number;
  /** The renewal period, ms. */
  readonly renewMs: number;
  /** The standby's polling period, ms. */
  readonly pollMs: number;
  /** The monotonic clock. */
  readonly now: () => number;
}

/**
 * Resolves and checks lease options; a bad one is a `ConfigError` naming it.
 * @param o - the options.
 */
export function resolveLeaseOptions(o: LeaseOptions): ResolvedLeaseOptions {
  if (typeof o !== 'object' || o === null) throw new ConfigError('options', 'must be an object');
  rejectUnknownOptions(o, ['holder', 'leaseTimeoutMs', 'renewMs', 'pollMs', 'now']);
  const holder = stringOption('holder', o.holder);
  const leaseTimeoutMs = integerOption('leaseTimeoutMs', o.leaseTimeoutMs ?? 3000, 60, 3_600_000);
  const renewMs = integerOption('renewMs', o.renewMs ?? Math.floor(leaseTimeoutMs / 6), 5, Math.ceil(leaseTimeoutMs / 2) - 1);
  const pollMs = integerOption('pollMs', o.pollMs ?? renewMs, 1, renewMs);
  if (o.now !== undefined && typeof o.now !== 'function') throw new ConfigError('now', 'must be a function returning milliseconds');
  return { holder, leaseTimeoutMs, renewMs, pollMs, now: o.now ?? (() => performance.now()) };
}

/** Why a leader is no longer one: the store's epoch and lease when its renewal was refused. */
export interface Deposition {
  /** The leader's own epoch. */
  readonly epoch: number;
  /** The store's epoch now (above `epoch` when a newer leader took over). */
  readonly storeEpoch: number;
  /** The holder of the store's lease now, or null (the epoch was acquired without a lease). */
  readonly holder: string | null;
  /** The state of the store's lease now, or null. */
  readonly state: LeaseState | null;
}

/** How a campaign ended. */
export type CampaignResult =
  | { readonly status: 'leading'; readonly leadership: Leadership }
  | { readonly status: 'done'; readonly epoch: number; readonly holder: string }
  | { readonly status: 'cancelled' };

/** What a campaign tells its caller while it runs. */
export interface CampaignHooks {
  /** The lease is held by someone else (called again when the epoch or holder changes). */
  readonly onStandby?: (view: LeaseView) => void;
  /** Reading or taking the lease failed; the campaign goes on after `pollMs`. */
  readonly onError?: (error: unknown) => void;
  /** Stops the campaign (it resolves `cancelled`). */
  readonly signal?: AbortSignal;
}

const sleep = (ms: number, signal?: AbortSignal): Promise<void> =>
  new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
  });

/** What the standby's timer watches: any change restarts it. */
const keyOf = (v: LeaseView): string => (v.lease === null ? `${v.epoch}` : `${v.epoch}/${v.lease.holder}/${v.lease.beat}/${v.lease.state}`);
/** What is worth telling: a new epoch or holder (not each beat). */
const holderOf = (v: LeaseView): string => `${v.epoch}/${v.lease?.holder ?? ''}`;

/**
 * Campaigns for the lease: takes it at once when nobody holds it; otherwise stands by until it
 * has not changed for `leaseTimeoutMs` on this process's clock, then takes it if it is still
 * what was seen (else watches the new holder). Resolves when leading, when the holder said the job
 * is `done`, or when cancelled.
 * @param backend - the store's lease.
 * @param options - see {@link LeaseOptions}.
 * @param hooks - see {@link CampaignHooks}.
 * @throws `ConfigError` for bad options (before touching the store).
 */
export async function campaign(backend: LeaseBackend, options: LeaseOptions, hooks: CampaignHooks = {}): Promise<CampaignResult> {
  const o = resolveLeaseOptions(options);
  let watched = '';
  let since = 0;
  let told = '';
  while (!hooks.signal?.aborted) {
    let view: LeaseView;
    try {
      view = await backend.readLease();
    } catch (e) {
      hooks.onError?.(e);
      await sleep(o.pollMs, hooks.signal);
      continue;
    }
    const seenAt = o.now();
    if (view.lease?.state === 'done') return { status: 'done', epoch: view.epoch, holder: view.lease.holder };
    const key = keyOf(view);
    if (watched !== key) {
      watched = key;
      since = seenAt;
    }
    const vacant = leaseVacant(view);
    if (!vacant && holderOf(view) !== told) {
      told = holderOf(view);
      hooks.onStandby?.(view);
    }
    if (vacant || seenAt - since >= o.leaseTimeoutMs) {
      const takenFrom = o.now();
      let epoch: number | null;
      try {
        epoch = await backend.takeLease(view, o.holder);
      } catch (e) {
        hooks.onError?.(e);
        await sleep(o.pollMs, hooks.signal);
        continue;
      }
      if (epoch !== null) return { status: 'leading', leadership: new Leadership(backend, epoch, o, takenFrom) };
      continue; // it changed under us: watch what it is now
    }
    await sleep(o.pollMs, hooks.signal);
  }
  return { status: 'cancelled' };
}

/**
 * The lease held: renewed every `renewMs` until released, stopped, or deposed. Created by
 * {@link campaign}.
 */
export class Leadership {
  /** Why this leader was deposed, once it was (then it never writes again). */
  deposition: Deposition | null = null;
  private confirmedAt: number;
  private stopped = false;
  private timer: NodeJS.Timeout | null = null;
  private renewing: Promise<void> = Promise.resolve();
  private readonly listeners: Array<(d: Deposition) => void> = [];
  private readonly errorListeners: Array<(e: unknown) => void> = [];

  /**
   * Starts renewing.
   * @param backend - the store's lease.
   * @param epoch - the epoch won.
   * @param options - the resolved options.
   * @param takenFrom - when the winning write began, on the monotonic clock.
   */
  constructor(
    private readonly backend: LeaseBackend,
    /** The epoch this leader holds. */
    readonly epoch: number,
    private readonly options: ResolvedLeaseOptions,
    takenFrom: number,
  ) {
    this.confirmedAt = takenFrom;
    this.schedule();
  }

  /** This leader's holder id. */
  get holder(): string {
    return this.options.holder;
  }

  /**
   * Whether this leader may act now: not deposed, not stopped, and its last successful renewal
   * began less than `leaseTimeoutMs` ago on its own clock (before that, no standby can have
   * taken over).
   */
  fresh(): boolean {
    return !this.stopped && this.deposition === null && this.options.now() - this.confirmedAt < this.options.leaseTimeoutMs;
  }

  /**
   * Listens for the deposition (called at most once; at once if already deposed).
   * @param listener - told why.
   * @returns a function that stops listening.
   */
  onDeposed(listener: (d: Deposition) => void): () => void {
    if (this.deposition) {
      listener(this.deposition);
      return () => {};
    }
    this.listeners.push(listener);
    return () => void this.listeners.splice(this.listeners.indexOf(listener) >>> 0, 1);
  }

  /**
   * Listens for renewals that failed with an error (the store unreachable); renewing goes on.
   * @param listener - told the error.
   */
  onRenewError(listener: (e: unknown) => void): void {
    this.errorListeners.push(listener);
  }

  /** Stops renewing and writes nothing (a standby takes over after the timeout). */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.renewing;
  }

  /**
   * Stops renewing and lets go: `released` (a standby takes over at once) or `done` (the job is
   * finished: standbys stop campaigning). Resolves with whether the lease was still this
   * leader's to release.
   * @param state - `released` or `done`.
   */
  async release(state: 'released' | 'done'): Promise<boolean> {
    const deposed = this.deposition !== null;
    await this.stop();
    if (deposed || this.deposition !== null) return false;
    return this.backend.releaseLease(this.epoch, this.options.holder, state);
  }

  private schedule(): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      this.renewing = this.renew().finally(() => this.schedule());
    }, this.options.renewMs);
  }

  private async renew(): Promise<void> {
    const startedAt = this.options.now();
    let r;
    try {
      r = await this.backend.renewLease(this.epoch, this.options.holder);
    } catch (e) {
      for (const l of this.errorListeners) l(e);
      return;
    }
    if (r.renewed) {
      this.confirmedAt = startedAt;
      return;
    }
    this.stopped = true;
    this.deposition = { epoch: this.epoch, storeEpoch: r.view.epoch, holder: r.view.lease?.holder ?? null, state: r.view.lease?.state ?? null };
    for (const l of this.listeners.splice(0)) l(this.deposition);
  }
}
