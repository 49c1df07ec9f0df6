/**
 * Benchmark: 1,000 tasks acknowledging a checkpoint over the in-process transport (generated
 * bindings: encode, per-address queue, decode and validate; idempotency-key dedup) against raw:
 * the same JSON bytes through a plain microtask hand-off and `JSON.parse`.
 * @packageDocumentation
 */
import { InProcessNetwork } from '../../adapters/in-process/index.js';
import { DedupWindow, idempotencyKeyOf } from '../../adapters/shared/dedup.js';
import { createInProcessCoordinatorControlBinding, createInProcessTaskControlBinding } from '../../generated/bindings/in-process.gen.js';
import type { TaskControlBinding } from '../../generated/bindings/endpoints.gen.js';
import type { AcknowledgeCheckpoint } from '../../spec/index.js';
import type { AckPath } from './shared.js';
import { BENCH_JOB, benchAckPaths, benchTaskIds, rawBytes } from './shared.js';

/**
 * Our receiving side on a coordinator control binding: every acknowledgement deduplicated by its
 * idempotency key (as `serveCoordinator` does), then counted.
 * @param subscribe - the binding's subscribe.
 * @param received - the counter.
 */
export function countAcks(subscribe: (h: Parameters<ReturnType<typeof createInProcessCoordinatorControlBinding>['subscribe']>[0]) => unknown, received: (ack: AcknowledgeCheckpoint) => void): void {
  const dedup = new DedupWindow();
  const ignore = () => {};
  subscribe({
    acknowledgeCheckpoint: (m) => {
      const key = idempotencyKeyOf(m) as string;
      if (dedup.has(key)) return;
      dedup.add(key);
      received(m);
    },
    declineCheckpoint: ignore,
    reportCheckpointMetrics: ignore,
    taskStateChanged: ignore,
    heartbeat: ignore,
    rejected: ignore,
  });
}

function ours(tasks: number): AckPath {
  const transport = new InProcessNetwork().transport();
  const control = createInProcessCoordinatorControlBinding(transport, { jobId: BENCH_JOB });
  const bindings = new Map<string, TaskControlBinding>(benchTaskIds(tasks).map((taskId) => [taskId, createInProcessTaskControlBinding(transport, { jobId: BENCH_JOB, taskId })]));
  return {
    attach: async (received) => countAcks((h) => control.subscribe(h), received),
    send: (ack) => bindings.get(ack.taskId)!.send(ack),
    close: () => transport.close(),
  };
}

function raw(): AckPath {
  const decoder = new TextDecoder();
  let received: (ack: AcknowledgeCheckpoint) => void = () => {};
  return {
    attach: async (r) => void (received = r),
    send: (ack) => {
      const bytes = rawBytes(ack);
      return new Promise<void>((resolve) =>
        queueMicrotask(() => {
          received(JSON.parse(decoder.decode(bytes)) as AcknowledgeCheckpoint);
          resolve();
        }),
      );
    },
    close: async () => {},
  };
}

/**
 * Runs the in-process transport benchmark.
 * @param tasks - acknowledging tasks per round (default 1,000).
 */
export async function benchInProcessTransport(tasks = 1000): Promise<Array<Record<string, unknown>>> {
  // A round takes a few milliseconds here: many rounds, so the median is not one garbage collection's.
  return [await benchAckPaths('inprocess', ours(tasks), raw(), tasks, 61)];
}
