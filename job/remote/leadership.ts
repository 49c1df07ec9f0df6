/**
 * Hot standby for the coordinator of a remote run. Every `--role coordinator` process campaigns
 * for the lease of the durable store in `<dir>/store` before it opens any link: the first one
 * leads; another stands by (it prints for whom) and takes over with the next leader epoch once the
 * lease has not been renewed for `--lease-timeout` ms by its own clock. Only then does it bind the
 * coordinator's port (HTTP) or start consuming the coordinator's queues and stream (RabbitMQ,
 * NATS). While leading, its sends go through {@link fencedTransport}: refused whenever the lease
 * is not fresh (frozen past the timeout, or deposed), so a coordinator that wakes up after a
 * standby took over sends nothing before its renewal tells it that it was deposed.
 * @packageDocumentation
 */
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { join } from 'node:path';
import type { Transport } from '../../adapters/runtime/contract.js';
import type { Leadership } from '../../runtime/store/leader-lease.js';
import { campaign } from '../../runtime/store/leader-lease.js';
import type { CoordinatorStorage } from '../coordinator-storage.js';
import { openStandbyStorage } from '../coordinator-storage.js';
import type { RemoteJob } from './roles.js';

/** What a coordinator's campaign came to. */
export type Campaigned =
  | { readonly kind: 'leading'; readonly storage: CoordinatorStorage; readonly leadership: Leadership }
  | { readonly kind: 'job-done'; readonly epoch: number; readonly holder: string };

const message = (e: unknown): string => (e instanceof Error ? e.message : String(e));

/**
 * Campaigns for the coordinator's lease: resolves once this process leads (with its storage
 * bound to the new epoch), or when the leader said the job is done.
 * @param r - the run's options (role `coordinator`).
 * @param say - where progress lines go.
 */
export async function leadOrStandBy(r: RemoteJob, say: (line: string) => void): Promise<Campaigned> {
  const { job, remote } = r;
  const standby = await openStandbyStorage(join(job.dir, 'store'), 1);
  const holder = `${hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`;
  let result;
  try {
    result = await campaign(
      standby.lease,
      { holder, leaseTimeoutMs: remote.leaseTimeout, ...(remote.leaseRenew !== null ? { renewMs: remote.leaseRenew } : {}) },
      {
        onStandby: (v) =>
          say(`standing by for leader epoch ${v.epoch}'s holder ${v.lease?.holder ?? '(a coordinator without a lease)'}: taking over once its lease is not renewed for ${remote.leaseTimeout} ms`),
        onError: (e) => say(`lease not read: ${message(e)}`),
      },
    );
  } catch (e) {
    await standby.close();
    throw e;
  }
  if (result.status !== 'leading') {
    await standby.close();
    if (result.status === 'cancelled') throw new Error('the campaign was cancelled');
    say(`the job finished under leader epoch ${result.epoch} (${result.holder}): nothing to take over`);
    return { kind: 'job-done', epoch: result.epoch, holder: result.holder };
  }
  const leadership = result.leadership;
  leadership.onRenewError((e) => say(`lease not renewed: ${message(e)}`));
  say(`leading: took leader epoch ${leadership.epoch} as ${holder}`);
  return { kind: 'leading', storage: standby.lead(leadership.epoch), leadership };
}

/** An error for sends refused because the lease is not fresh. */
export class LeaseLapsedError extends Error {
  /**
   * @param epoch - the sender's leader epoch.
   */
  constructor(readonly epoch: number) {
    super(`the lease of leader epoch ${epoch} is not fresh (deposed, or not renewed in time)`);
    this.name = 'LeaseLapsedError';
  }
}

/**
 * `transport` with every send refused (a rejected promise, nothing sent) while `leadership` is
 * not fresh; `onRefused` counts them.
 * @param transport - the coordinator's control transport.
 * @param leadership - its leadership.
 * @param onRefused - told of each refused send.
 */
export function fencedTransport(transport: Transport, leadership: Leadership, onRefused: () => void): Transport {
  return {
    kind: transport.kind,
    delivery: transport.delivery,
    send: (to, bytes) => {
      if (leadership.fresh()) return transport.send(to, bytes);
      onRefused();
      return Promise.reject(new LeaseLapsedError(leadership.epoch));
    },
    subscribe: (at, handler) => transport.subscribe(at, handler),
    ...(transport.onEvent ? { onEvent: transport.onEvent.bind(transport) } : {}),
    ...(transport.close ? { close: transport.close.bind(transport) } : {}),
  };
}

/**
 * Runs `open` again while it fails because its port is taken (the process this one took over
 * from may still hold it, frozen), as long as `leadership` lasts and until `deadline`
 * (`performance.now()` ms).
 * @param open - opens something that listens.
 * @param what - what it is, for the progress line.
 * @param leadership - the leadership.
 * @param say - where progress lines go.
 * @param deadline - when to give up.
 */
export async function whenPortFree<T>(open: () => Promise<T>, what: string, leadership: Leadership, say: (line: string) => void, deadline: number): Promise<T> {
  let told = false;
  for (;;) {
    try {
      return await open();
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EADDRINUSE' || leadership.deposition !== null || performance.now() >= deadline) throw e;
      if (!told) say(`${what}: port in use (the previous leader may still hold it): retrying`);
      told = true;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}
