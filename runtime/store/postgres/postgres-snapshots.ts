/**
 * Task-state payloads in PostgreSQL: one row per state with its codec, payload size and sha256,
 * checked when read back.
 * @packageDocumentation
 */
import type { Pool } from 'pg';
import type { CheckpointId, StateHandle, TaskId } from '../../../spec/index.js';
import { decodeState, encodeState } from '../compression.js';
import { CorruptStateError } from '../errors.js';
import { sha256 } from '../frame.js';
import type { ResolvedCompression } from '../options.js';
import type { SnapshotTotals, StateSnapshotStore, StoredState } from '../ports.js';
import { SnapshotTally, isStateKey, stateKey } from '../state-keys.js';
import { tablesOf } from './sql.js';

/** State snapshots of one job in PostgreSQL. */
export class PostgresSnapshots implements StateSnapshotStore {
  private readonly tally = new SnapshotTally();
  private readonly table: string;

  /**
   * Creates the store (the schema must exist).
   * @param pool - the pool.
   * @param schema - the schema.
   * @param jobId - the job.
   * @param compression - compression settings.
   */
  constructor(
    private readonly pool: Pool,
    schema: string,
    private readonly jobId: string,
    private readonly compression: ResolvedCompression,
  ) {
    this.table = tablesOf(schema).states;
  }

  /** {@inheritDoc StateSnapshotStore.put} */
  async put(taskId: TaskId, checkpointId: CheckpointId, payload: Uint8Array): Promise<StoredState> {
    const key = stateKey(taskId, checkpointId);
    const encoded = await encodeState(payload, this.compression);
    await this.pool.query(
      `INSERT INTO ${this.table} (job_id, key, codec, bytes, data, sha256) VALUES ($1, $2, $3, $4, $5, $6)
       ON CONFLICT (job_id, key) DO UPDATE SET codec = EXCLUDED.codec, bytes = EXCLUDED.bytes, data = EXCLUDED.data, sha256 = EXCLUDED.sha256`,
      [this.jobId, key, encoded.codec, encoded.bytesBefore, encoded.data, sha256(encoded.data)],
    );
    return this.tally.record(key, encoded);
  }

  /** {@inheritDoc StateSnapshotStore.get} */
  async get(handle: StateHandle): Promise<Buffer> {
    if (!isStateKey(handle.key)) throw new CorruptStateError(String(handle.key), 'not a key of this store');
    const r = await this.pool.query<{ codec: string; bytes: string; data: Buffer; sha256: string }>(`SELECT codec, bytes, data, sha256 FROM ${this.table} WHERE job_id = $1 AND key = $2`, [
      this.jobId,
      handle.key,
    ]);
    const row = r.rows[0];
    if (!row) throw new CorruptStateError(handle.key, 'missing');
    if (sha256(row.data) !== row.sha256) throw new CorruptStateError(handle.key, 'checksum');
    const payload = await decodeState(row.data, row.codec, Number(row.bytes));
    if (!payload) throw new CorruptStateError(handle.key, 'does not decode');
    return payload;
  }

  /** {@inheritDoc StateSnapshotStore.discard} */
  async discard(handles: readonly StateHandle[]): Promise<void> {
    if (handles.length === 0) return;
    await this.pool.query(`DELETE FROM ${this.table} WHERE job_id = $1 AND key = ANY($2::text[])`, [this.jobId, handles.map((h) => h.key)]);
  }

  /** {@inheritDoc StateSnapshotStore.totals} */
  totals(): SnapshotTotals {
    return this.tally.totals();
  }
}
