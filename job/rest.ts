/**
 * Checkpoint statistics over HTTP, in the shape of Flink's REST API (`node:http`):
 * - `GET /jobs/:jobid/checkpoints`: counts, summary, latest completed / failed / restored, and the
 *   history (newest first, the last 10, as Flink's `web.checkpoints.history`);
 * - `GET /jobs/:jobid/checkpoints/details/:checkpointid`: one checkpoint.
 * Unknown jobs and checkpoints answer 404, other methods 405, with Flink's `{"errors": [...]}`.
 * @packageDocumentation
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { CheckpointRecord, JobFigures } from './figures.js';
import { quantile } from './figures.js';

/** What the server reports on. */
export interface RestSource {
  /** The job id the paths must name. */
  readonly jobId: string;
  /** The figures. */
  readonly figures: JobFigures;
}

/** A running server. */
export interface RestServer {
  /** The port it listens on. */
  readonly port: number;
  /** `http://127.0.0.1:<port>`. */
  readonly url: string;
  /** Stops listening and closes open connections. */
  close(): Promise<void>;
}

/** How many checkpoints the history lists (Flink's default). */
export const HISTORY_SIZE = 10;

/**
 * Flink's min/max/avg/quantile statistics of some numbers.
 * @param values - the samples.
 */
export function minMaxAvg(values: readonly number[]): Record<string, number> {
  const n = values.length;
  const sum = values.reduce((a, b) => a + b, 0);
  return {
    min: n ? Math.min(...values) : 0,
    max: n ? Math.max(...values) : 0,
    avg: n ? Math.round(sum / n) : 0,
    p50: quantile(values, 0.5),
    p90: quantile(values, 0.9),
    p95: quantile(values, 0.95),
    p99: quantile(values, 0.99),
    p999: quantile(values, 0.999),
  };
}

/**
 * One checkpoint in Flink's `CheckpointStatistics` shape.
 * @param r - the checkpoint.
 */
export function checkpointStatistics(r: CheckpointRecord): Record<string, unknown> {
  const base = {
    className: r.status === 'COMPLETED' ? '.CompletedCheckpointStatistics' : r.status === 'FAILED' ? '.FailedCheckpointStatistics' : '.PendingCheckpointStatistics',
    id: r.id,
    status: r.status,
    is_savepoint: false,
    savepointFormat: null,
    trigger_timestamp: r.triggeredAt,
    latest_ack_timestamp: r.latestAckAt ?? -1,
    checkpointed_size: r.stateBytes,
    state_size: r.stateBytes,
    end_to_end_duration: (r.endedAt ?? r.latestAckAt ?? r.triggeredAt) - r.triggeredAt,
    alignment_buffered: 0,
    processed_data: 0,
    persisted_data: 0,
    num_subtasks: r.subtasks,
    num_acknowledged_subtasks: r.acknowledged,
    checkpoint_type: 'CHECKPOINT',
    tasks: {},
  };
  if (r.status === 'COMPLETED') return { ...base, external_path: null, discarded: false };
  if (r.status === 'FAILED') return { ...base, failure_timestamp: r.endedAt ?? -1, failure_message: r.failure };
  return base;
}

/**
 * The body of `GET /jobs/:jobid/checkpoints` (Flink's `CheckpointingStatistics`).
 * @param figures - the run's figures.
 */
export function checkpointingStatistics(figures: JobFigures): Record<string, unknown> {
  const all = [...figures.history.values()];
  const completed = all.filter((r) => r.status === 'COMPLETED');
  const sizes = completed.map((r) => r.stateBytes);
  const restored = figures.restores.filter((r) => r.checkpointId >= 0);
  const lastRestore = restored[restored.length - 1];
  const latestCompleted = figures.latestCompleted();
  const latestFailed = figures.latestFailed();
  return {
    counts: { restored: restored.length, total: all.length, in_progress: figures.inProgress(), completed: figures.completed, failed: figures.aborted },
    summary: {
      checkpointed_size: minMaxAvg(sizes),
      state_size: minMaxAvg(sizes),
      end_to_end_duration: minMaxAvg(figures.durations()),
      alignment_buffered: minMaxAvg([]),
      processed_data: minMaxAvg([]),
      persisted_data: minMaxAvg([]),
    },
    latest: {
      completed: latestCompleted ? checkpointStatistics(latestCompleted) : null,
      savepoint: null,
      failed: latestFailed ? checkpointStatistics(latestFailed) : null,
      restored: lastRestore ? { id: lastRestore.checkpointId, restore_timestamp: lastRestore.at, is_savepoint: false, external_path: null } : null,
    },
    history: all
      .sort((a, b) => b.id - a.id)
      .slice(0, HISTORY_SIZE)
      .map(checkpointStatistics),
  };
}

/**
 * Answers one request: the status and the body.
 * @param method - the HTTP method.
 * @param url - the path (and query).
 * @param source - what to report on.
 */
export function route(method: string, url: string, source: RestSource): { status: number; body: unknown } {
  const path = url.split('?')[0] ?? '';
  const m = /^\/jobs\/([^/]+)\/checkpoints(?:\/details\/([^/]+))?\/?$/.exec(path);
  if (!m) return { status: 404, body: { errors: [`Not found: ${path}`] } };
  if (method !== 'GET') return { status: 405, body: { errors: [`${method} is not allowed on ${path}`] } };
  const jobId = decodeURIComponent(m[1] as string);
  if (jobId !== source.jobId) return { status: 404, body: { errors: [`Job ${jobId} not found`] } };
  if (m[2] === undefined) return { status: 200, body: checkpointingStatistics(source.figures) };
  const id = Number(m[2]);
  const r = Number.isSafeInteger(id) ? source.figures.history.get(id) : undefined;
  if (!r) return { status: 404, body: { errors: [`Could not find checkpointing statistics for checkpoint ${m[2]}.`] } };
  return { status: 200, body: checkpointStatistics(r) };
}

/**
 * Serves the statistics on `127.0.0.1:port` (0: any free port).
 * @param port - the port.
 * @param source - read on every request.
 */
export function serveRest(port: number, source: () => RestSource): Promise<RestServer> {
  const server = createServer((req, res) => {
    const { status, body } = route(req.method ?? 'GET', req.url ?? '/', source());
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      const actual = (server.address() as AddressInfo).port;
      resolve({
        port: actual,
        url: `http://127.0.0.1:${actual}`,
        close: () =>
          new Promise<void>((done) => {
            server.closeAllConnections();
            server.close(() => done());
          }),
      });
    });
  });
}
