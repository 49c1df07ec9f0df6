/**
 * The file store's checkpoints, id counter and leader epoch. A completed checkpoint whose metadata
 * is small is written into the manifest that makes it retained (one durable write); a larger one
 * is one checksummed file under `checkpoints/`, written and fsynced before that manifest. The
 * manifest (see {@link ManifestLog}) is the single point of truth, and every write to it checks
 * the writer's epoch in the same compare-and-set. The leader lease is in the manifest: each take,
 * renewal or release is one manifest write, checked in the same way.
 * @packageDocumentation
 */
import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { CheckpointId } from '../../../spec/index.js';
import type { CompletedCheckpoint } from '../../../machines/coordinator/index.js';
import type { EpochBackend } from '../backend.js';
import { decodeCheckpoint, encodeCheckpoint } from '../checkpoint-codec.js';
import { FencedWriteError, assertEpoch } from '../errors.js';
import { frame, unframe } from '../frame.js';
import type { IgnoredRecord, LoadReport } from '../ports.js';
import { retain } from '../retention.js';
import { CheckpointIdError, assertNewId } from '../checkpoint-ids.js';
import { removeIfPresent, writeAtomic } from './atomic-file.js';
import type { LeaseBackend, LeaseView, RenewResult } from '../lease-backend.js';
import { leaseReleased, leaseRenewed, leaseTaken } from '../lease-backend.js';
import type { Manifest, ManifestEntry } from './manifest-log.js';
import { ManifestLog } from './manifest-log.js';

const CHECKPOINT_FILE = /^chk-(\d+)\.json$/;

/** Thrown inside a manifest update to write nothing: a lease change was refused. */
class LeaseRefused extends Error {}

const viewOf = (m: Manifest): LeaseView => ({ epoch: m.epoch, lease: m.lease ?? null });

/** The checkpoint, counter, epoch and lease part of the file store. */
export class FileBackend implements EpochBackend, LeaseBackend {
  /** The manifest log. */
  readonly manifest: ManifestLog;
  private readonly checkpointsDir: string;

  /**
   * Creates the backend (the directories must exist).
   * @param dir - the store directory.
   * @param retained - how many checkpoints to retain.
   * @param inlineBytes - checkpoints whose encoded metadata is at most this many bytes are kept in
   *   the manifest instead of a file (0: always a file).
   */
  constructor(
    dir: string,
    private readonly retained: number,
    private readonly inlineBytes = 0,
  ) {
    this.checkpointsDir = join(dir, 'checkpoints');
    this.manifest = new ManifestLog(dir, async () => 1 + Math.max(0, ...(await this.checkpointFileIds())));
  }

  /** The ids of the checkpoint files present. */
  async checkpointFileIds(): Promise<CheckpointId[]> {
    return (await readdir(this.checkpointsDir)).map((n) => CHECKPOINT_FILE.exec(n)?.[1]).filter((s): s is string => s !== undefined).map(Number);
  }

  /** {@inheritDoc EpochBackend.loadReport} */
  async loadReport(): Promise<LoadReport> {
    const { manifest, ignored } = await this.manifest.read();
    const skipped: IgnoredRecord[] = [...ignored];
    const checkpoints: CompletedCheckpoint[] = [];
    for (const entry of manifest.checkpoints) {
      const read = await this.readCheckpoint(entry);
      if ('defect' in read) skipped.push(read);
      else checkpoints.push(read);
    }
    return { checkpoints, ignored: skipped, epoch: manifest.epoch, nextId: manifest.nextId };
  }

  private async readCheckpoint(entry: ManifestEntry): Promise<CompletedCheckpoint | IgnoredRecord> {
    if (entry.file === undefined) {
      // Held by the manifest, whose checksum covered it.
      const checkpoint = decodeCheckpoint(entry.body ?? '');
      return checkpoint && checkpoint.checkpointId === entry.checkpointId ? checkpoint : { where: `manifest (checkpoint ${entry.checkpointId})`, defect: 'malformed' };
    }
    const where = `checkpoints/${entry.file}`;
    let data: Buffer;
    try {
      data = await readFile(join(this.checkpointsDir, entry.file));
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return { where, defect: 'missing' };
      throw e;
    }
    const f = unframe(data);
    if (!f.ok) return { where, defect: f.defect };
    const checkpoint = decodeCheckpoint(f.body.toString('utf8'));
    return checkpoint && checkpoint.checkpointId === entry.checkpointId ? checkpoint : { where, defect: 'malformed' };
  }

  /** {@inheritDoc EpochBackend.add} */
  async add(epoch: number, checkpoint: CompletedCheckpoint, subsumed: readonly CheckpointId[]): Promise<void> {
    const { checkpointId, snapshot, discardOnSubsume } = checkpoint;
    const current = (await this.manifest.read()).manifest;
    assertEpoch('add', epoch, current.epoch);
    assertNewId(checkpointId, current.nextId, current.checkpoints.map((c) => c.checkpointId));
    const body = encodeCheckpoint(checkpoint);
    const inline = Buffer.byteLength(body, 'utf8') <= this.inlineBytes;
    const file = `chk-${checkpointId}.json`;
    const path = join(this.checkpointsDir, file);
    if (!inline) await writeAtomic(path, frame(Buffer.from(body, 'utf8')), 'replace');
    const entry: ManifestEntry = inline ? { checkpointId, snapshot, discardOnSubsume, body } : { checkpointId, snapshot, discardOnSubsume, file };
    let removed: readonly ManifestEntry[] = [];
    try {
      await this.manifest.update((m) => {
        assertEpoch('add', epoch, m.epoch);
        assertNewId(checkpointId, m.nextId, m.checkpoints.map((c) => c.checkpointId));
        const r = retain(m.checkpoints, entry, subsumed, this.retained);
        removed = r.removed;
        return { ...m, checkpoints: r.retained };
      });
    } catch (e) {
      // Refused before the manifest changed: the file is referenced by nothing.
      if (!inline && (e instanceof FencedWriteError || e instanceof CheckpointIdError)) await removeIfPresent(path);
      throw e;
    }
    // Not fsynced: a deletion a crash undoes leaves an orphan, which the next opening removes.
    for (const r of removed) if (r.file !== undefined) await removeIfPresent(join(this.checkpointsDir, r.file));
  }

  /** {@inheritDoc EpochBackend.reserveIds} */
  async reserveIds(epoch: number, count: number): Promise<number> {
    const { before } = await this.manifest.update((m) => {
      assertEpoch('allocate', epoch, m.epoch);
      return { ...m, nextId: m.nextId + count };
    });
    return before.nextId;
  }

  /** {@inheritDoc EpochBackend.checkEpoch} */
  async checkEpoch(epoch: number): Promise<void> {
    assertEpoch('check', epoch, await this.currentEpoch());
  }

  /** Durably increments the epoch and resolves with the new one; the new epoch has no lease. */
  async acquire(): Promise<number> {
    return (await this.manifest.update(({ lease: _, ...m }) => ({ ...m, epoch: m.epoch + 1 }))).after.epoch;
  }

  /** {@inheritDoc LeaseBackend.readLease} */
  async readLease(): Promise<LeaseView> {
    return viewOf((await this.manifest.read()).manifest);
  }

  /** Writes `change(view)` into the manifest, or nothing when it is null; resolves with the view written, or null. */
  private async changeLease(change: (current: LeaseView) => LeaseView | null): Promise<LeaseView | null> {
    try {
      const { after } = await this.manifest.update((m) => {
        const next = change(viewOf(m));
        if (next === null || next.lease === null) throw new LeaseRefused();
        return { ...m, epoch: next.epoch, lease: next.lease };
      });
      return viewOf(after);
    } catch (e) {
      if (e instanceof LeaseRefused) return null;
      throw e;
    }
  }

  /** {@inheritDoc LeaseBackend.takeLease} */
  async takeLease(seen: LeaseView, holder: string): Promise<number | null> {
    return (await this.changeLease((v) => leaseTaken(v, seen, holder)))?.epoch ?? null;
  }

  /** {@inheritDoc LeaseBackend.renewLease} */
  async renewLease(epoch: number, holder: string): Promise<RenewResult> {
    const after = await this.changeLease((v) => leaseRenewed(v, epoch, holder));
    return after?.lease ? { renewed: true, beat: after.lease.beat } : { renewed: false, view: await this.readLease() };
  }

  /** {@inheritDoc LeaseBackend.releaseLease} */
  async releaseLease(epoch: number, holder: string, state: 'released' | 'done'): Promise<boolean> {
    return (await this.changeLease((v) => leaseReleased(v, epoch, holder, state))) !== null;
  }

  /** {@inheritDoc EpochBackend.currentEpoch} */
  async currentEpoch(): Promise<number> {
    return (await this.manifest.read()).manifest.epoch;
  }

  /**
   * Deletes checkpoint files no manifest refers to that are older than the newest retained one
   * (left by a crash between the manifest write and the clean-up). Newer ones may belong to an
   * add in progress, and stay.
   */
  async removeOrphans(): Promise<number> {
    const { manifest } = await this.manifest.read();
    const retained = new Set(manifest.checkpoints.map((c) => c.checkpointId));
    const newest = Math.max(0, ...retained);
    let removed = 0;
    for (const id of await this.checkpointFileIds()) {
      if (id >= newest || retained.has(id)) continue;
      await removeIfPresent(join(this.checkpointsDir, `chk-${id}.json`));
      removed++;
    }
    return removed;
  }
}
