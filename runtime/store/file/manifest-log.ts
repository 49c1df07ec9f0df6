/**
 * The file store's manifest: the leader epoch, the id counter's high-water mark and the index of
 * retained checkpoints (holding the small ones whole), in one checksummed file. Each change writes
 * a new numbered file `manifest-<seq>.json`, created only if absent (a hard link, atomic across
 * processes), so two writers can never both turn version n into n+1: the loser re-reads and
 * re-checks its epoch.
 * The leader lease lives in the manifest too, so taking it and bumping the epoch is one write.
 * Loading takes the newest valid manifest; a corrupted one is reported and skipped.
 * @packageDocumentation
 */
import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { CheckpointId } from '../../../spec/index.js';
import { frame, unframe } from '../frame.js';
import type { LeaseRecord } from '../lease-backend.js';
import { isLeaseRecord } from '../lease-backend.js';
import type { IgnoredRecord } from '../ports.js';
import type { RetentionEntry } from '../retention.js';
import { SerialQueue } from '../serial-queue.js';
import { removeIfPresent, writeAtomic } from './atomic-file.js';

/** A retained checkpoint in the manifest's index: in a file of its own, or (a small one) in the manifest. */
export interface ManifestEntry extends RetentionEntry {
  /** Its file in the checkpoints directory, when it has one. */
  readonly file?: string;
  /** The checkpoint itself (`encodeCheckpoint`), when the manifest holds it. */
  readonly body?: string;
}

/** The manifest's contents. */
export interface Manifest {
  /** The current leader epoch (0 before any leader). */
  readonly epoch: number;
  /** Ids below this were handed out or skipped; the next reservation starts here. */
  readonly nextId: CheckpointId;
  /** Retained checkpoints, oldest first. */
  readonly checkpoints: readonly ManifestEntry[];
  /** The lease of `epoch`, if it was taken as a lease (see `LeaseBackend`). */
  readonly lease?: LeaseRecord;
}

/** The newest valid manifest and what reading it found. */
export interface ManifestRead {
  /** The manifest (the initial one when none is valid). */
  readonly manifest: Manifest;
  /** The highest manifest number present, valid or not (the next write takes the one after). */
  readonly top: number;
  /** Newer manifests that failed their checks. */
  readonly ignored: readonly IgnoredRecord[];
}

const INITIAL: Manifest = { epoch: 0, nextId: 1, checkpoints: [] };
const NAME = /^manifest-(\d{12})\.json$/;
/** How many older manifests are kept behind the newest, to fall back to if it is corrupted. */
const KEEP = 3;

const nameOf = (seq: number): string => `manifest-${String(seq).padStart(12, '0')}.json`;

function isManifest(m: unknown): m is Manifest {
  const v = m as Manifest;
  return (
    typeof v === 'object' &&
    v !== null &&
    Number.isInteger(v.epoch) &&
    Number.isInteger(v.nextId) &&
    Array.isArray(v.checkpoints) &&
    (v.lease === undefined || isLeaseRecord(v.lease)) &&
    v.checkpoints.every((e) => Number.isInteger(e.checkpointId) && typeof e.snapshot === 'string' && typeof e.discardOnSubsume === 'boolean' && (typeof e.file === 'string') !== (typeof e.body === 'string'))
  );
}

/** The manifest files of one store directory. */
export class ManifestLog {
  private readonly queue = new SerialQueue();
  /** The newest manifest this log read whole or wrote, with its number. */
  private known: { readonly top: number; readonly manifest: Manifest } | null = null;

  /**
   * Creates the log (the directory must exist).
   * @param dir - the store directory.
   * @param idFloor - when the newest manifest is corrupted and an older one is used: the lowest
   *   id that may be handed out judging by other files (so ids the lost manifest recorded as
   *   used and that left a checkpoint file are not handed out again).
   */
  constructor(
    private readonly dir: string,
    private readonly idFloor: () => Promise<number> = async () => 1,
  ) {}

  /** Reads the newest valid manifest. */
  async read(): Promise<ManifestRead> {
    return (await this.scan()).read;
  }

  /**
   * The manifest numbers present, newest first, and the newest valid manifest. A manifest file
   * never changes once created, and numbers only grow (clean-up removes old ones, never the
   * newest), so when the newest number is the one this log last read or wrote, the manifest is
   * the one it holds: one directory listing instead of reading, checksumming and parsing a file.
   */
  private async scan(): Promise<{ readonly read: ManifestRead; readonly seqs: readonly number[] }> {
    for (;;) {
      const seqs = (await readdir(this.dir))
        .map((n) => NAME.exec(n)?.[1])
        .filter((s): s is string => s !== undefined)
        .map(Number)
        .sort((a, b) => b - a);
      const top = seqs[0] ?? 0;
      const known = this.known;
      if (known !== null && known.top === top) return { read: { manifest: known.manifest, top, ignored: [] }, seqs };
      const ignored: IgnoredRecord[] = [];
      let vanished = false;
      for (const seq of seqs) {
        let data: Buffer;
        try {
          data = await readFile(join(this.dir, nameOf(seq)));
        } catch (e) {
          if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
          vanished = true; // deleted by a concurrent writer's clean-up: list again
          break;
        }
        const f = unframe(data);
        if (!f.ok) {
          ignored.push({ where: nameOf(seq), defect: f.defect });
          continue;
        }
        let doc: unknown = null;
        try {
          doc = JSON.parse(f.body.toString('utf8'));
        } catch {
          // reported below
        }
        if (!isManifest(doc)) {
          ignored.push({ where: nameOf(seq), defect: 'malformed' });
          continue;
        }
        // Only the newest, read whole, is remembered: a fallback's id floor depends on other files.
        if (seq === top) this.known = { top, manifest: doc };
        return { read: { manifest: await this.withFloor(doc, ignored), top, ignored }, seqs };
      }
      if (!vanished) return { read: { manifest: await this.withFloor(INITIAL, ignored), top, ignored }, seqs };
    }
  }

  private async withFloor(manifest: Manifest, ignored: readonly IgnoredRecord[]): Promise<Manifest> {
    if (ignored.length === 0) return manifest;
    const floor = await this.idFloor();
    return floor > manifest.nextId ? { ...manifest, nextId: floor } : manifest;
  }

  /**
   * Replaces the manifest by `change(current)`, atomically against every other writer of the
   * directory. `change` may throw (for example a fenced epoch); then nothing is written.
   * @param change - computes the new manifest from the current one.
   */
  update(change: (current: Manifest) => Manifest): Promise<{ readonly before: Manifest; readonly after: Manifest }> {
    return this.queue.run(async () => {
      for (;;) {
        const { read, seqs } = await this.scan();
        const { manifest: before, top } = read;
        const after = change(before);
        const body = Buffer.from(JSON.stringify(after), 'utf8');
        if (!(await writeAtomic(join(this.dir, nameOf(top + 1)), frame(body), 'create'))) continue;
        this.known = { top: top + 1, manifest: after };
        // Each write retires the manifests listed that fell out of the window (all of them, to catch up after crashes).
        for (const seq of seqs) if (seq <= top + 1 - KEEP) await removeIfPresent(join(this.dir, nameOf(seq)));
        return { before, after };
      }
    });
  }
}
