/**
 * The PostgreSQL store's checkpoints, id counter and leader epoch. Every write is one
 * transaction that first reads the job's leader row `FOR SHARE`: an acquisition (which updates
 * that row) waits for writes in flight and every later write sees the new epoch, so a deposed
 * leader's write is refused and rolled back. The leader lease is in the same row (`holder`,
 * `beat`, `lease_state`): taking it is one conditional update of the epoch, a renewal one
 * conditional update of the beat.
 * @packageDocumentation
 */
import type { Pool, PoolClient } from 'pg';
import type { CheckpointId, SnapshotKind } from '../../../spec/index.js';
import type { CompletedCheckpoint } from '../../../machines/coordinator/index.js';
import type { EpochBackend } from '../backend.js';
import type { LeaseBackend, LeaseState, LeaseView, RenewResult } from '../lease-backend.js';
import { decodeCheckpoint, encodeCheckpoint } from '../checkpoint-codec.js';
import { assertNewId } from '../checkpoint-ids.js';
import { assertEpoch } from '../errors.js';
import { sha256 } from '../frame.js';
import type { IgnoredRecord, LoadReport } from '../ports.js';
import type { RetentionEntry } from '../retention.js';
import { retain } from '../retention.js';
import type { Tables } from './sql.js';
import { tablesOf, transaction } from './sql.js';

interface CheckpointRow {
  readonly checkpoint_id: string;
  readonly snapshot: SnapshotKind;
  readonly discard_on_subsume: boolean;
  readonly body?: string;
  readonly sha256?: string;
}

const entryOf = (r: CheckpointRow): RetentionEntry => ({ checkpointId: Number(r.checkpoint_id), snapshot: r.snapshot, discardOnSubsume: r.discard_on_subsume });

interface LeaderRow {
  readonly epoch: string;
  readonly holder: string | null;
  readonly beat: string;
  readonly lease_state: LeaseState | null;
}

const viewOf = (r: LeaderRow | undefined): LeaseView =>
  r === undefined ? { epoch: 0, lease: null } : { epoch: Number(r.epoch), lease: r.holder === null ? null : { holder: r.holder, beat: Number(r.beat), state: r.lease_state ?? 'held' } };

/** The checkpoint, counter, epoch and lease part of the PostgreSQL store, for one job. */
export class PostgresBackend implements EpochBackend, LeaseBackend {
  private readonly t: Tables;

  /**
   * Creates the backend (the schema must exist).
   * @param pool - the connection pool.
   * @param schema - the schema.
   * @param jobId - the job.
   * @param retained - how many checkpoints to retain.
   */
  constructor(
    private readonly pool: Pool,
    schema: string,
    private readonly jobId: string,
    private readonly retained: number,
  ) {
    this.t = tablesOf(schema);
  }

  private async epochIn(c: Pool | PoolClient, lock: boolean): Promise<number> {
    const r = await c.query<{ epoch: string }>(`SELECT epoch FROM ${this.t.leader} WHERE job_id = $1${lock ? ' FOR SHARE' : ''}`, [this.jobId]);
    return Number(r.rows[0]?.epoch ?? 0);
  }

  private async nextIdIn(c: Pool | PoolClient): Promise<number> {
    const r = await c.query<{ next_id: string }>(`SELECT next_id FROM ${this.t.ids} WHERE job_id = $1`, [this.jobId]);
    return Number(r.rows[0]?.next_id ?? 1);
  }

  /** {@inheritDoc EpochBackend.loadReport} */
  async loadReport(): Promise<LoadReport> {
    const client = await this.pool.connect();
    try {
      await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
      const epoch = await this.epochIn(client, false);
      const nextId = await this.nextIdIn(client);
      const rows = await client.query<CheckpointRow>(`SELECT checkpoint_id, snapshot, discard_on_subsume, body, sha256 FROM ${this.t.checkpoints} WHERE job_id = $1 ORDER BY position`, [this.jobId]);
      await client.query('COMMIT');
      const checkpoints: CompletedCheckpoint[] = [];
      const ignored: IgnoredRecord[] = [];
      for (const row of rows.rows) {
        const where = `${this.t.checkpoints}/${row.checkpoint_id}`;
        if (sha256(row.body ?? '') !== row.sha256) {
          ignored.push({ where, defect: 'checksum' });
          continue;
        }
        const c = decodeCheckpoint(row.body ?? '');
        if (c && c.checkpointId === Number(row.checkpoint_id)) checkpoints.push(c);
        else ignored.push({ where, defect: 'malformed' });
      }
      return { checkpoints, ignored, epoch, nextId };
    } finally {
      client.release();
    }
  }

  /** {@inheritDoc EpochBackend.add} */
  add(epoch: number, checkpoint: CompletedCheckpoint, subsumed: readonly CheckpointId[]): Promise<void> {
    const body = encodeCheckpoint(checkpoint);
    return transaction(this.pool, async (c) => {
      assertEpoch('add', epoch, await this.epochIn(c, true));
      const rows = await c.query<CheckpointRow>(`SELECT checkpoint_id, snapshot, discard_on_subsume FROM ${this.t.checkpoints} WHERE job_id = $1 ORDER BY position FOR UPDATE`, [this.jobId]);
      const entries = rows.rows.map(entryOf);
      const { checkpointId, snapshot, discardOnSubsume } = checkpoint;
      assertNewId(checkpointId, await this.nextIdIn(c), entries.map((e) => e.checkpointId));
      const { removed } = retain(entries, { checkpointId, snapshot, discardOnSubsume }, subsumed, this.retained);
      await c.query(`INSERT INTO ${this.t.checkpoints} (job_id, checkpoint_id, snapshot, discard_on_subsume, body, sha256) VALUES ($1, $2, $3, $4, $5, $6)`, [
        this.jobId,
        checkpointId,
        snapshot,
        discardOnSubsume,
        body,
        sha256(body),
      ]);
      if (removed.length > 0) {
        await c.query(`DELETE FROM ${this.t.checkpoints} WHERE job_id = $1 AND checkpoint_id = ANY($2::bigint[])`, [this.jobId, removed.map((e) => e.checkpointId)]);
      }
    });
  }

  /** {@inheritDoc EpochBackend.reserveIds} */
  reserveIds(epoch: number, count: number): Promise<number> {
    return transaction(this.pool, async (c) => {
      assertEpoch('allocate', epoch, await this.epochIn(c, true));
      const r = await c.query<{ first: string }>(
        `INSERT INTO ${this.t.ids} AS i (job_id, next_id) VALUES ($1, 1 + $2::bigint)
         ON CONFLICT (job_id) DO UPDATE SET next_id = i.next_id + $2::bigint RETURNING next_id - $2::bigint AS first`,
        [this.jobId, count],
      );
      return Number(r.rows[0]!.first);
    });
  }

  /** {@inheritDoc EpochBackend.checkEpoch} */
  async checkEpoch(epoch: number): Promise<void> {
    assertEpoch('check', epoch, await this.currentEpoch());
  }

  /** Durably increments the epoch and resolves with the new one; the new epoch has no lease. */
  async acquire(): Promise<number> {
    const r = await this.pool.query<{ epoch: string }>(
      `INSERT INTO ${this.t.leader} AS l (job_id, epoch) VALUES ($1, 1)
       ON CONFLICT (job_id) DO UPDATE SET epoch = l.epoch + 1, holder = NULL, beat = 0, lease_state = NULL RETURNING epoch`,
      [this.jobId],
    );
    return Number(r.rows[0]!.epoch);
  }

  /** {@inheritDoc LeaseBackend.readLease} */
  async readLease(): Promise<LeaseView> {
    const r = await this.pool.query<LeaderRow>(`SELECT epoch, holder, beat, lease_state FROM ${this.t.leader} WHERE job_id = $1`, [this.jobId]);
    return viewOf(r.rows[0]);
  }

  /** {@inheritDoc LeaseBackend.takeLease} */
  async takeLease(seen: LeaseView, holder: string): Promise<number | null> {
    // One statement: concurrent takers queue on the row lock and re-check the condition against
    // the winner's version, so exactly one of them sees its view unchanged.
    const r =
      seen.epoch === 0 && seen.lease === null
        ? await this.pool.query<{ epoch: string }>(
            `INSERT INTO ${this.t.leader} (job_id, epoch, holder, beat, lease_state) VALUES ($1, 1, $2, 0, 'held') ON CONFLICT (job_id) DO NOTHING RETURNING epoch`,
            [this.jobId, holder],
          )
        : await this.pool.query<{ epoch: string }>(
            `UPDATE ${this.t.leader} SET epoch = epoch + 1, holder = $3, beat = 0, lease_state = 'held'
             WHERE job_id = $1 AND epoch = $2 AND (CASE WHEN $4::text IS NULL THEN holder IS NULL ELSE holder = $4 AND beat = $5 AND lease_state = $6 END)
             RETURNING epoch`,
            [this.jobId, seen.epoch, holder, seen.lease?.holder ?? null, seen.lease?.beat ?? 0, seen.lease?.state ?? null],
          );
    const row = r.rows[0];
    return row === undefined ? null : Number(row.epoch);
  }

  /** {@inheritDoc LeaseBackend.renewLease} */
  async renewLease(epoch: number, holder: string): Promise<RenewResult> {
    const r = await this.pool.query<{ beat: string }>(
      `UPDATE ${this.t.leader} SET beat = beat + 1 WHERE job_id = $1 AND epoch = $2 AND holder = $3 AND lease_state = 'held' RETURNING beat`,
      [this.jobId, epoch, holder],
    );
    const row = r.rows[0];
    return row === undefined ? { renewed: false, view: await this.readLease() } : { renewed: true, beat: Number(row.beat) };
  }

  /** {@inheritDoc LeaseBackend.releaseLease} */
  async releaseLease(epoch: number, holder: string, state: 'released' | 'done'): Promise<boolean> {
    const r = await this.pool.query(`UPDATE ${this.t.leader} SET lease_state = $4 WHERE job_id = $1 AND epoch = $2 AND holder = $3 AND lease_state = 'held'`, [
      this.jobId,
      epoch,
      holder,
      state,
    ]);
    return r.rowCount === 1;
  }

  /** {@inheritDoc EpochBackend.currentEpoch} */
  currentEpoch(): Promise<number> {
    return this.epochIn(this.pool, false);
  }
}
