/**
 * Checkpoint statistics over real HTTP, in the shape of Flink's `/jobs/:jobid/checkpoints`:
 * queried while a job runs with `restPort`, and after a run through `serveRest`.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { RestServer } from '../../job/rest.js';
import { runJob } from '../../job/run-job.js';

/** What the statistics endpoints answer (the fields the tests read). */
interface Body {
  readonly counts: Record<string, number>;
  readonly summary: Record<string, Record<string, number>>;
  readonly latest: Record<string, unknown>;
  readonly history: ReadonlyArray<{ readonly id: number; readonly status: string }>;
  readonly className?: string;
  readonly errors?: string[];
}

const get = async (url: string) => {
  const res = await fetch(url);
  return { status: res.status, type: res.headers.get('content-type'), body: (await res.json()) as Body };
};

describe('checkpoint statistics over HTTP', () => {
  it('answers GET /jobs/:jobid/checkpoints while the job runs, with counts, summary, latest and history', async () => {
    const answers: Array<Promise<Awaited<ReturnType<typeof get>>>> = [];
    let server: RestServer | null = null;
    const result = await runJob(
      { jobId: 'rest-job', records: 20_000, interval: 10, restPort: 0, dir: mkdtempSync(join(tmpdir(), 'snapwright-rest-')), faults: { killTask: 1 } },
      {
        onRestListening: (s) => void (server = s),
        // Ask each time a checkpoint ends, while the run goes on.
        onEvent: () => void (server && answers.push(get(`${(server as RestServer).url}/jobs/rest-job/checkpoints`))),
        beforeRestClose: () => Promise.all(answers),
      },
    );
    expect(result.exactlyOnce).toBe(true);
    expect(answers.length).toBeGreaterThan(0);
    const last = await answers[answers.length - 1]!;
    expect(last.status).toBe(200);
    expect(last.type).toBe('application/json');
    const b = last.body;
    expect(Object.keys(b).sort()).toEqual(['counts', 'history', 'latest', 'summary']);
    expect(Object.keys(b.counts).sort()).toEqual(['completed', 'failed', 'in_progress', 'restored', 'total']);
    expect(b.counts.completed! + b.counts.failed! + b.counts.in_progress!).toBe(b.counts.total);
    expect(Object.keys(b.summary.end_to_end_duration ?? {}).sort()).toEqual(['avg', 'max', 'min', 'p50', 'p90', 'p95', 'p99', 'p999']);
    expect(Object.keys(b.latest).sort()).toEqual(['completed', 'failed', 'restored', 'savepoint']);
    const ids = b.history.map((h) => h.id);
    expect(ids).toEqual([...ids].sort((x, y) => y - x));
    expect(ids.length).toBeLessThanOrEqual(10);
    for (const h of b.history) expect(['COMPLETED', 'FAILED', 'IN_PROGRESS']).toContain(h.status);
    // The server closed with the run.
    await expect(fetch(`${(server as unknown as RestServer).url}/jobs/rest-job/checkpoints`)).rejects.toThrow();
  });

  it('details one checkpoint, and answers unknown jobs, checkpoints, paths and methods as Flink does', async () => {
    let server: RestServer | null = null;
    let asked: Promise<unknown[]> | null = null;
    let first: { id: number; status: string } | null = null;
    const result = await runJob(
      { jobId: 'detail-job', records: 5000, interval: 10, restPort: 0, dir: mkdtempSync(join(tmpdir(), 'snapwright-rest-')) },
      {
        onRestListening: (s) => void (server = s),
        onEvent: (e) => {
          if (asked || e.kind !== 'checkpoint' || !server) return;
          first = { id: e.checkpoint.id, status: e.checkpoint.status };
          const url = (server as RestServer).url;
          asked = Promise.all([
            get(`${url}/jobs/detail-job/checkpoints/details/${e.checkpoint.id}`),
            get(`${url}/jobs/other/checkpoints`),
            get(`${url}/jobs/detail-job/checkpoints/details/99999`),
            get(`${url}/nothing`),
            fetch(`${url}/jobs/detail-job/checkpoints`, { method: 'POST' }).then((r) => r.status),
          ]);
        },
        beforeRestClose: () => asked ?? Promise.resolve(),
      },
    );
    expect(result.exactlyOnce).toBe(true);
    expect(asked).not.toBeNull();
    const [detail, otherJob, unknownCheckpoint, nothing, post] = (await (asked as unknown as Promise<unknown[]>)) as [Awaited<ReturnType<typeof get>>, Awaited<ReturnType<typeof get>>, Awaited<ReturnType<typeof get>>, Awaited<ReturnType<typeof get>>, number];
    expect(detail.status).toBe(200);
    expect(detail.body).toMatchObject({ id: first!.id, status: first!.status, is_savepoint: false, checkpoint_type: 'CHECKPOINT', num_subtasks: 8 });
    expect(detail.body.className).toMatch(/^\.(Completed|Failed)CheckpointStatistics$/);
    expect(otherJob).toMatchObject({ status: 404, body: { errors: ['Job other not found'] } });
    expect(unknownCheckpoint.status).toBe(404);
    expect(nothing).toMatchObject({ status: 404, body: { errors: ['Not found: /nothing'] } });
    expect(post).toBe(405);
  });
});
