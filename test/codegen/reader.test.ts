/**
 * The schema reader: what it reads from the real spec (formats, aliases, unions, channels, key
 * paths), and how it refuses input it cannot generate from (file and line named).
 */
import { describe, expect, it } from 'vitest';
import type { GeneratorError } from '../../codegen/model.js';
import { interfaceOf, isGeneratorError } from '../../codegen/model.js';
import { readSpec } from '../../codegen/read-spec.js';
import { FIXTURES, ROOT } from './helpers.js';

const none = { byAlias: {}, byField: {} };

function failure(run: () => unknown): GeneratorError {
  try {
    run();
  } catch (e) {
    if (isGeneratorError(e)) return e;
    throw e;
  }
  throw new Error('expected a GeneratorError');
}

describe('reading the real spec', () => {
  const { model } = readSpec({ root: ROOT, messageFiles: ['spec/messages.ts', 'spec/stream-events.ts'] });

  it('finds every message in declaration order with its four tags', () => {
    expect(model.messages.map((m) => m.type)).toEqual([
      'triggerCheckpoint',
      'notifyCheckpointComplete',
      'notifyCheckpointAborted',
      'acknowledgeCheckpoint',
      'declineCheckpoint',
      'reportCheckpointMetrics',
      'taskStateChanged',
      'heartbeat',
      'barrier',
      'cancelMarker',
      'endOfPartition',
      'announcement',
    ]);
    expect(model.messages.find((m) => m.type === 'reportCheckpointMetrics')).toMatchObject({ direction: 'task-to-coordinator', channel: 'control', delivery: 'at-most-once' });
    expect(model.messages.find((m) => m.type === 'heartbeat')).toMatchObject({ direction: 'task-to-coordinator', channel: 'control', delivery: 'at-most-once' });
    // `checkpointId` of an announcement is its barrier's: the bare name resolves to the field path.
    expect(model.messages.find((m) => m.type === 'announcement')?.idempotencyKey).toEqual(['barrier.checkpointId']);
  });

  it('reads formats from aliases and field names, nullable refs and optional enums', () => {
    const fields = Object.fromEntries(interfaceOf(model, 'NotifyCheckpointComplete').fields.map((f) => [f.name, f.schema]));
    expect(fields.checkpointId).toEqual({ kind: 'number', format: 'checkpointId', alias: 'CheckpointId' });
    expect(fields.attempt).toEqual({ kind: 'number', format: 'attempt', alias: 'Attempt' });
    expect(fields.jobId).toEqual({ kind: 'string', format: 'identifier', alias: 'JobId' });
    expect(fields.timestamp).toEqual({ kind: 'number', format: 'timestamp' });
    expect(fields.lastSubsumedCheckpointId).toEqual({ kind: 'number', format: 'checkpointIdOrNone' });
    expect(interfaceOf(model, 'AcknowledgeCheckpoint').fields.find((f) => f.name === 'state')?.schema).toEqual({ kind: 'nullable', inner: { kind: 'ref', name: 'StateHandle' } });
    expect(interfaceOf(model, 'CheckpointOptions').fields.find((f) => f.name === 'syncMode')).toMatchObject({ optional: true, schema: { kind: 'enum', values: ['suspend', 'terminate'], alias: 'SyncSavepointMode' } });
    // `DeclineReason` is `Extract<...>`: read structurally, values sorted.
    expect(model.aliases.find((a) => a.name === 'DeclineReason')?.target).toMatchObject({ kind: 'enum' });
  });

  it('groups messages into channels, each with the spec union of exactly its messages', () => {
    expect(model.channels.map((c) => [c.id, c.kind, c.union, c.delivery])).toEqual([
      ['coordinatorToTask', 'control', 'CoordinatorToTaskMessage', 'at-least-once'],
      ['taskToCoordinator', 'control', 'TaskToCoordinatorMessage', 'at-least-once'],
      ['taskToTask', 'data', 'StreamEvent', 'ordered-exactly-once'],
    ]);
    expect(model.unions.map((u) => u.name)).toEqual(['CoordinatorToTaskMessage', 'TaskToCoordinatorMessage', 'ControlMessage', 'StreamEvent']);
  });
});

describe('refusing input', () => {
  it('names the file and line of a message missing a tag', () => {
    const e = failure(() => readSpec({ root: ROOT, messageFiles: [`${FIXTURES}/invalid/missing-tag.ts`], formats: none }));
    expect(e.message).toBe(`${FIXTURES}/invalid/missing-tag.ts:7: message Untagged needs exactly one @delivery tag`);
  });

  it('names the field of a type no codec can check', () => {
    const e = failure(() => readSpec({ root: ROOT, messageFiles: [`${FIXTURES}/invalid/unsupported-type.ts`], formats: none }));
    expect(e.message).toMatch(new RegExp(`^${FIXTURES}/invalid/unsupported-type.ts:12: type Map<string, number> is not supported on the wire`));
  });

  it('refuses an idempotency key that names no field', () => {
    const e = failure(() => readSpec({ root: ROOT, messageFiles: [`${FIXTURES}/invalid/bad-key.ts`], formats: none }));
    expect(e.message).toBe('BadKey: @idempotencyKey names checkpointId, which is not a field; write the field path');
  });

  it('refuses format rules that no field uses, so a stale rule cannot linger', () => {
    const e = failure(() => readSpec({ root: ROOT, messageFiles: [`${FIXTURES}/tiny-spec.ts`], formats: { byAlias: { Gone: 'count' }, byField: {} } }));
    expect(e.message).toContain('format rules never used');
    expect(e.message).toContain('alias:Gone');
  });
});
