/**
 * The real generated codecs (`generated/codecs.gen.ts`), compiled and run: they accept valid
 * messages, reject missing, extra and wrong-typed fields with exact paths, round-trip through
 * bytes, and agree with the hand-written validator of `spec/validate.ts` on every input of a
 * corpus of hand-made and fast-check-generated messages (valid and mutated).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { readSpec } from '../../codegen/read-spec.js';
import * as gen from '../../generated/codecs.gen.js';
import type { Rejection } from '../../spec/errors.js';
import type { AcknowledgeCheckpoint, TriggerCheckpoint } from '../../spec/messages.js';
import * as spec from '../../spec/validate.js';
import { junk, messageOf, mutated } from './arbitraries.js';
import { ROOT } from './helpers.js';

const { model } = readSpec({ root: ROOT, messageFiles: ['spec/messages.ts', 'spec/stream-events.ts'] });
const CONTROL = model.unions.find((u) => u.name === 'ControlMessage')?.members ?? [];
const STREAM = model.unions.find((u) => u.name === 'StreamEvent')?.members ?? [];

const trigger: TriggerCheckpoint = {
  type: 'triggerCheckpoint',
  jobId: 'job',
  taskId: 'map#1',
  attempt: 0,
  checkpointId: 7,
  timestamp: 1000,
  options: { snapshot: 'checkpoint', alignment: 'aligned', alignedCheckpointTimeoutMs: 0 },
};
const ack: AcknowledgeCheckpoint = {
  type: 'acknowledgeCheckpoint',
  jobId: 'job',
  taskId: 'map#1',
  attempt: 2,
  checkpointId: 7,
  metrics: { bytesProcessedDuringAlignment: 0, alignmentDurationMs: 1.5, syncDurationMs: 2, asyncDurationMs: 3, checkpointStartDelayMs: 0, bytesPersisted: 10, unaligned: false },
  state: { key: 'chk-7/map#1', sizeBytes: 10 },
};

const malformed = (path: string, message: string): Rejection => ({ code: 'malformed', path, message });
const withField = <T extends object>(m: T, patch: Record<string, unknown>): unknown => ({ ...m, ...patch });
const without = (m: object, key: string): unknown => Object.fromEntries(Object.entries(m).filter(([k]) => k !== key));

/** Same verdict; when rejected, same code and path, and the same message (enumerations as sets). */
function expectSameVerdict(a: Rejection | null, b: Rejection | null, input: unknown): void {
  const show = () => JSON.stringify(input, (_, v: unknown) => (v === undefined ? '<undefined>' : typeof v === 'number' && !Number.isFinite(v) ? String(v) : v));
  expect(a === null, `verdicts differ on ${show()}: ${JSON.stringify(a)} vs ${JSON.stringify(b)}`).toBe(b === null);
  if (!a || !b) return;
  expect({ code: a.code, path: a.path }, show()).toEqual({ code: b.code, path: b.path });
  const set = (m: string) => (m.startsWith('must be one of ') ? m.slice('must be one of '.length).split(', ').sort().join(', ') : m);
  // A nested discriminant is one literal here and a one-value enumeration in spec/validate.ts.
  const literal = (m: string) => m.replace(/^must be "(.*)"$/, 'must be one of $1');
  expect(set(literal(a.message)), show()).toBe(set(literal(b.message)));
}

describe('generated codecs on hand-made messages', () => {
  it('accept valid messages and return them typed, unchanged', () => {
    expect(gen.checkTriggerCheckpoint(trigger)).toBeNull();
    expect(gen.checkControlMessage(ack)).toBeNull();
    expect(gen.checkControlMessage({ ...ack, state: null })).toBeNull();
    expect(gen.checkControlMessage({ ...trigger, options: { ...trigger.options, snapshot: 'sync-savepoint', syncMode: 'terminate' } })).toBeNull();
    const validated = gen.validateControlMessage(ack);
    expect(validated.ok && validated.value).toBe(ack);
    expect(gen.isAcknowledgeCheckpoint(ack)).toBe(true);
    expect(gen.isTriggerCheckpoint(ack)).toBe(false);
  });

  it('reject missing, extra and wrong-typed fields with the exact path', () => {
    expect(gen.checkControlMessage(without(trigger, 'jobId'))).toEqual(malformed('$.jobId', 'is missing'));
    expect(gen.checkControlMessage(withField(trigger, { options: without(trigger.options, 'alignment') }))).toEqual(malformed('$.options.alignment', 'is missing'));
    expect(gen.checkControlMessage(withField(trigger, { options: { ...trigger.options, deadline: 5 } }))).toEqual(malformed('$.options.deadline', 'is not a field of this message'));
    expect(gen.checkControlMessage(withField(ack, { extra: 1 }))).toEqual(malformed('$.extra', 'is not a field of this message'));
    expect(gen.checkControlMessage(withField(ack, { state: { key: 'k', sizeBytes: -1 } }))).toEqual(malformed('$.state.sizeBytes', 'must be a non-negative finite number'));
    expect(gen.checkControlMessage(withField(ack, { metrics: { ...ack.metrics, unaligned: 'yes' } }))).toEqual(malformed('$.metrics.unaligned', 'must be a boolean'));
    expect(gen.checkControlMessage(withField(trigger, { checkpointId: 0 }))).toEqual(malformed('$.checkpointId', 'must be a positive safe integer'));
    expect(gen.checkControlMessage(withField(trigger, { attempt: 1.5 }))).toEqual(malformed('$.attempt', 'must be a non-negative safe integer'));
    expect(gen.checkControlMessage(withField(trigger, { options: { ...trigger.options, syncMode: 'later' } }))).toEqual(malformed('$.options.syncMode', 'must be one of suspend, terminate'));
    expect(gen.checkControlMessage(withField(trigger, { type: 'nope' }))).toEqual(
      malformed('$.type', 'must be one of triggerCheckpoint, notifyCheckpointComplete, notifyCheckpointAborted, acknowledgeCheckpoint, declineCheckpoint, reportCheckpointMetrics, taskStateChanged, heartbeat'),
    );
    expect(gen.checkControlMessage([trigger])).toEqual(malformed('$', 'must be an object'));
    expect(gen.checkTriggerCheckpoint(ack)).toEqual(malformed('$.type', 'must be "triggerCheckpoint"'));
  });

  it('check in-band events, nested discriminants included', () => {
    const barrier = { type: 'barrier', checkpointId: 3, timestamp: 10, options: trigger.options };
    expect(gen.checkStreamEvent(barrier)).toBeNull();
    expect(gen.checkStreamEvent({ type: 'announcement', barrier, sequence: 4 })).toBeNull();
    expect(gen.checkStreamEvent({ type: 'announcement', barrier: { ...barrier, type: 'cancelMarker' }, sequence: 4 })).toEqual(malformed('$.barrier.type', 'must be "barrier"'));
    expect(gen.checkStreamEvent({ type: 'announcement', barrier, sequence: 0.5 })).toEqual(malformed('$.sequence', 'must be a non-negative safe integer'));
    expect(gen.checkStreamEvent({ type: 'endOfPartition' })).toBeNull();
    expect(gen.checkCoordinatorToTaskMessage(ack)?.path).toBe('$.type');
  });

  it('round-trip through UTF-8 JSON bytes, and reject bytes that are not JSON at $', () => {
    const decoded = gen.decodeControlMessage(gen.encodeControlMessage(ack));
    expect(decoded).toEqual({ ok: true, value: ack });
    expect(gen.decodeControlMessage(new TextEncoder().encode('{"type":'))).toEqual({ ok: false, rejection: malformed('$', 'is not valid UTF-8 JSON') });
    expect(gen.decodeStreamEvent(new Uint8Array([0xff, 0xfe]))).toEqual({ ok: false, rejection: malformed('$', 'is not valid UTF-8 JSON') });
    expect(gen.decodeTaskToCoordinatorMessage(gen.encodeControlMessage(trigger))).toMatchObject({ ok: false, rejection: { path: '$.type' } });
  });
});

describe('generated codecs agree with spec/validate.ts', () => {
  const control = messageOf(model, CONTROL);
  const PARAMS = { numRuns: 1500, seed: 20_261_125 } as const;

  it('on valid messages: both accept', () => {
    fc.assert(
      fc.property(control, (m) => {
        expect(gen.checkControlMessage(m)).toBeNull();
        expect(spec.checkControlMessage(m)).toBeNull();
      }),
      PARAMS,
    );
  });

  it('on messages with one field deleted, added or replaced, anywhere: same verdict and path', () => {
    fc.assert(
      fc.property(mutated(control), (input) => {
        expectSameVerdict(gen.checkControlMessage(input), spec.checkControlMessage(input), input);
      }),
      PARAMS,
    );
  });

  it('on anything at all (and JSON round-trips of it): same verdict and path', () => {
    fc.assert(
      fc.property(fc.oneof(junk, fc.anything(), fc.jsonValue()), (input) => {
        expectSameVerdict(gen.checkControlMessage(input), spec.checkControlMessage(input), input);
      }),
      PARAMS,
    );
    for (const input of [null, undefined, 0, 'x', [], {}, { type: 'triggerCheckpoint' }, { ...trigger, type: undefined }, { ...ack, state: undefined }, JSON.parse('{"__proto__":1}')]) {
      expectSameVerdict(gen.checkControlMessage(input), spec.checkControlMessage(input), input);
    }
  });

  it('on in-band events, when spec/validate.ts has a validator for them', () => {
    const checkStreamEvent = (spec as Record<string, unknown>).checkStreamEvent as ((input: unknown) => Rejection | null) | undefined;
    const events = messageOf(model, STREAM);
    fc.assert(
      fc.property(fc.oneof(events, mutated(events)), (input) => {
        const verdict = gen.checkStreamEvent(input);
        if (checkStreamEvent) expectSameVerdict(verdict, checkStreamEvent(input), input);
      }),
      PARAMS,
    );
    fc.assert(
      fc.property(events, (e) => {
        expect(gen.checkStreamEvent(e)).toBeNull();
      }),
      PARAMS,
    );
  });
});

describe('generated codecs allocate nothing on success', () => {
  it('run two million valid checks without a single young-generation collection', async () => {
    const { PerformanceObserver } = await import('node:perf_hooks');
    const inputs = [trigger, ack, { ...ack, state: null }] as const;
    for (let i = 0; i < 100_000; i++) gen.checkControlMessage(inputs[i % 3]);
    let collections = 0;
    const observer = new PerformanceObserver((list) => {
      collections += list.getEntries().length;
    });
    observer.observe({ entryTypes: ['gc'] });
    await new Promise((r) => setTimeout(r, 20));
    collections = 0;
    let rejected = 0;
    for (let i = 0; i < 2_000_000; i++) if (gen.checkControlMessage(inputs[i % 3]) !== null) rejected++;
    await new Promise((r) => setTimeout(r, 20));
    observer.disconnect();
    expect(rejected).toBe(0);
    // `Object.keys` on each object level would cost hundreds of collections here.
    expect(collections).toBeLessThanOrEqual(2);
  });
});
