/**
 * Random runs of the coordinator under every input it takes (requests, acknowledgements, declines,
 * task failures and restarts, time, scheduler, failover, restore, shutdown), judged by the
 * protocol monitor, plus: every request settles once the coordinator is shut down, and state
 * handles are never both stored and discarded.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { CompletedCheckpoint } from '../../machines/coordinator/index.js';
import type { CheckpointOutcome } from '../../runtime/coordinator/create-coordinator.js';
import { InMemoryCheckpointStore, InMemoryIdCounter } from '../../runtime/coordinator/memory-store.js';
import type { Tracked } from '../support/coordinator-fixture.js';
import { flush, startFixture, track, useProtocolMonitors } from '../support/coordinator-fixture.js';

useProtocolMonitors();

const TASKS = ['src#0', 'src#1', 'sink#0'] as const;

const step = fc.oneof(
  { weight: 3, arbitrary: fc.constant({ kind: 'checkpoint' as const }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('savepoint' as const), sync: fc.constantFrom(undefined, 'suspend' as const) }) },
  { weight: 10, arbitrary: fc.record({ kind: fc.constant('ack' as const), task: fc.constantFrom(...TASKS), back: fc.integer({ min: 0, max: 3 }), attemptDelta: fc.constantFrom(0, 0, 0, -1) }) },
  { weight: 5, arbitrary: fc.record({ kind: fc.constant('ackAll' as const), back: fc.integer({ min: 0, max: 2 }), batch: fc.boolean() }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('decline' as const), task: fc.constantFrom(...TASKS), back: fc.integer({ min: 0, max: 3 }) }) },
  { weight: 1, arbitrary: fc.constantFrom({ kind: 'failStore' as const }, { kind: 'failCounter' as const }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('restartTask' as const), task: fc.constantFrom(...TASKS) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('failTask' as const), task: fc.constantFrom(...TASKS) }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('advance' as const), ms: fc.integer({ min: 0, max: 400 }) }) },
  { weight: 1, arbitrary: fc.constantFrom({ kind: 'start' as const }, { kind: 'stop' as const }, { kind: 'abortPending' as const }, { kind: 'restore' as const }) },
);

const config = fc.record({
  maxConcurrent: fc.integer({ min: 1, max: 3 }),
  tolerableFailures: fc.constantFrom(0, 2, Infinity),
  retained: fc.integer({ min: 1, max: 3 }),
  timeout: fc.constantFrom(300, 1000),
  minPause: fc.constantFrom(0, 100),
  interval: fc.constantFrom(200, 500),
  unaligned: fc.boolean(),
  maxQueuedRequests: fc.integer({ min: 1, max: 4 }),
});

describe('random runs', () => {
  it('never break a protocol property, and every request settles (property)', async () => {
    const seed = Number(process.env.SEED) || Date.now() % 2 ** 31;
    console.log(`random coordinator runs: seed ${seed} (replay with SEED=${seed})`);
    await fc.assert(
      fc.asyncProperty(config, fc.array(step, { minLength: 10, maxLength: 80 }), async (cfg, steps) => {
        const store = new InMemoryCheckpointStore();
        const counter = new InMemoryIdCounter();
        const f = await startFixture({ config: cfg, random: () => 0.5, store, counter });
        const attempts = new Map<string, number>(TASKS.map((t) => [t, 0]));
        const requests: Tracked<CheckpointOutcome>[] = [];
        let lastId = 0;
        const idOf = (back: number) => Math.max(1, lastId - back);
        for (const s of steps) {
          switch (s.kind) {
            case 'checkpoint':
              requests.push(track(f.c.triggerCheckpoint()));
              break;
            case 'savepoint':
              requests.push(track(f.c.triggerSavepoint(s.sync)));
              break;
            case 'ack': {
              const attempt = Math.max(0, (attempts.get(s.task) ?? 0) + s.attemptDelta);
              f.ack(s.task, idOf(s.back), { attempt });
              break;
            }
            case 'ackAll': {
              const acks = TASKS.map((t) => f.ackMessage(t, idOf(s.back), { attempt: attempts.get(t) ?? 0 }));
              if (s.batch) f.c.receiveBatch(acks);
              else for (const a of acks) f.c.receive(a);
              break;
            }
            case 'failStore':
              store.failNextAdd = true;
              break;
            case 'failCounter':
              counter.failNext = true;
              break;
            case 'decline':
              f.decline(s.task, idOf(s.back), 'CHECKPOINT_DECLINED', attempts.get(s.task));
              break;
            case 'restartTask': {
              const next = (attempts.get(s.task) ?? 0) + 1;
              attempts.set(s.task, next);
              f.report(s.task, 'deploying', next);
              f.report(s.task, 'running', next);
              break;
            }
            case 'failTask':
              f.report(s.task, 'failed', attempts.get(s.task));
              break;
            case 'advance':
              f.time.advance(s.ms);
              break;
            case 'start':
              f.c.startScheduler();
              break;
            case 'stop':
              f.c.stopScheduler();
              break;
            case 'abortPending':
              f.c.abortPending();
              break;
            case 'restore':
              f.c.restore('global');
              break;
          }
          lastId = Math.max(lastId, ...f.commandsOf('pendingCreated').map((c) => c.checkpointId));
        }
        f.c.shutdown();
        await flush();
        expect(requests.filter((r) => r.value === undefined)).toEqual([]);
        // No state is discarded once a completed checkpoint or savepoint holds it.
        const kept = new Set<string>();
        const stored = new Map<number, CompletedCheckpoint['taskStates']>();
        const wrongly: string[] = [];
        for (const c of f.commands) {
          if (c.kind === 'checkpointCompleted') stored.get(c.checkpointId)?.forEach((h) => h && kept.add(h.key));
          if (c.kind === 'storeCheckpoint' || c.kind === 'finalizeSavepoint') stored.set(c.checkpoint.checkpointId, c.checkpoint.taskStates);
          if (c.kind === 'discardState') wrongly.push(...c.handles.map((h) => h.key).filter((k) => kept.has(k)));
        }
        expect(wrongly).toEqual([]);
        expect(f.monitor.violations).toEqual([]);
        expect(f.monitor.unresolved()).toEqual([]);
      }),
      { seed, numRuns: 150 },
    );
  });
});
