/**
 * The PostgreSQL store's checkpoints, id counter and leader epoch. Every write is one
 * transaction that first reads the job's leader row `FOR SHARE`: an acquisition (which updates
 * that row) waits for writes in flight and every later write sees the new epoch, so a deposed
 * leader's write is refused and rolled back.
 * @packageDocumentation
 */
import type { Pool, PoolClient } from 'pg';
import type { CheckpointId, SnapshotKind } from '../../../spec/index.js';
import type { CompletedCheckpoint } from '../../../machines/coordinator/index.js';
import type { EpochBackend } from '../backend.js';
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

/** The checkpoint, counter and epoch part of the PostgreSQL store, for one job. */
export class PostgresBackend implements EpochBackend {
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

  /** {@inheritDoc EpochBackend.acquire} */
  async acquire(): Promise<number> {
    const r = await this.pool.query<{ epoch: string }>(
      `INSERT INTO ${this.t.leader} AS l (job_id, epoch) VALUES ($1, 1) ON CONFLICT (job_id) DO UPDATE SET epoch = l.epoch + 1 RETURNING epoch`,
      [this.jobId],
    );
    return Number(r.rows[0]!.epoch);
  }

  /** {@inheritDoc EpochBackend.currentEpoch} */
  currentEpoch(): Promise<number> {
    return this.epochIn(this.pool, false);
  }
}
