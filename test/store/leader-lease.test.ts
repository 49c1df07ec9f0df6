/**
 * The leader lease on the file store (real files, fsynced), its pure transitions, and the
 * validation of its options.
 */
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../spec/index.js';
import type { LeaseView } from '../../runtime/store/index.js';
import { campaign, leaseReleased, leaseRenewed, leaseTaken, leaseVacant, openFileStore, resolveLeaseOptions } from '../../runtime/store/index.js';
import { describeLeaderLease } from './lease-contract.js';
import { tempDir, useTempDirs } from './support.js';

useTempDirs();

describeLeaderLease('file store', async () => {
  const dir = await tempDir();
  return (options) => openFileStore(dir, options);
});

const held = (epoch: number, holder: string, beat = 0): LeaseView => ({ epoch, lease: { holder, beat, state: 'held' } });

describe('lease transitions', () => {
  it('a take bumps the epoch only from the very view the taker saw', () => {
    expect(leaseTaken({ epoch: 0, lease: null }, { epoch: 0, lease: null }, 'a')).toEqual(held(1, 'a'));
    expect(leaseTaken(held(3, 'a', 7), held(3, 'a', 7), 'b')).toEqual(held(4, 'b'));
    expect(leaseTaken(held(3, 'a', 8), held(3, 'a', 7), 'b')).toBeNull();
    expect(leaseTaken(held(4, 'c'), held(3, 'a', 7), 'b')).toBeNull();
    expect(leaseTaken({ epoch: 3, lease: null }, held(3, 'a'), 'b')).toBeNull();
    expect(leaseTaken({ epoch: 3, lease: { holder: 'a', beat: 7, state: 'released' } }, held(3, 'a', 7), 'b')).toBeNull();
  });

  it('only the holder of the current epoch renews or releases', () => {
    expect(leaseRenewed(held(2, 'a', 5), 2, 'a')).toEqual(held(2, 'a', 6));
    expect(leaseRenewed(held(3, 'b'), 2, 'a')).toBeNull();
    expect(leaseRenewed(held(2, 'b'), 2, 'a')).toBeNull();
    expect(leaseRenewed({ epoch: 2, lease: null }, 2, 'a')).toBeNull();
    expect(leaseReleased(held(2, 'a', 5), 2, 'a', 'done')).toEqual({ epoch: 2, lease: { holder: 'a', beat: 5, state: 'done' } });
    expect(leaseRenewed({ epoch: 2, lease: { holder: 'a', beat: 5, state: 'released' } }, 2, 'a')).toBeNull();
    expect(leaseReleased(held(3, 'b'), 2, 'a', 'released')).toBeNull();
  });

  it('vacant: no leader ever, or released; an epoch without a lease is not', () => {
    expect(leaseVacant({ epoch: 0, lease: null })).toBe(true);
    expect(leaseVacant({ epoch: 2, lease: { holder: 'a', beat: 0, state: 'released' } })).toBe(true);
    expect(leaseVacant({ epoch: 2, lease: null })).toBe(false);
    expect(leaseVacant(held(2, 'a'))).toBe(false);
  });
});

describe('lease options', () => {
  it('default to a 3 s timeout renewed every 500 ms', () => {
    expect(resolveLeaseOptions({ holder: 'h' })).toMatchObject({ holder: 'h', leaseTimeoutMs: 3000, renewMs: 500, pollMs: 500 });
  });

  it.each([
    [{ holder: '' }, 'holder'],
    [{ holder: 'h', leaseTimeoutMs: 10 }, 'leaseTimeoutMs'],
    [{ holder: 'h', leaseTimeoutMs: 1.5 }, 'leaseTimeoutMs'],
    [{ holder: 'h', leaseTimeoutMs: 1000, renewMs: 500 }, 'renewMs'],
    [{ holder: 'h', leaseTimeoutMs: 1000, renewMs: 100, pollMs: 101 }, 'pollMs'],
    [{ holder: 'h', now: 5 }, 'now'],
    [{ holder: 'h', ttl: 5 }, 'ttl'],
  ])('%o is a ConfigError naming %s', (options, option) => {
    expect(() => resolveLeaseOptions(options as never)).toThrow(expect.objectContaining({ option }) as Error);
    expect(() => resolveLeaseOptions(options as never)).toThrow(ConfigError);
  });

  it('a campaign with bad options fails before touching the store', async () => {
    const dir = await tempDir();
    const s = await openFileStore(dir, { leadership: 'none' });
    await expect(campaign(s.lease, { holder: 'h', renewMs: 0 })).rejects.toBeInstanceOf(ConfigError);
    expect(await s.lease.readLease()).toEqual({ epoch: 0, lease: null });
  });
});
