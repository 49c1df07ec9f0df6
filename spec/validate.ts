/**
 * Structural validation of control messages at the protocol boundary: exact fields, types and
 * ranges. Semantic checks (wrong job, unknown task, stale attempt) belong to the machines.
 *
 * @remarks The field table below mirrors `messages.ts`; the code generator replaces it with
 * codecs derived from the types, and a type test keeps the two in step until then.
 * @packageDocumentation
 */
import type { Rejection } from './errors.js';
import { isAttempt, isCheckpointId } from './ids.js';
import type { ControlMessage } from './messages.js';
import type { AlignmentKind, SnapshotKind, SyncSavepointMode } from './options.js';
import { DECLINE_REASONS } from './reasons.js';
import { TASK_EXECUTION_STATES } from './task-state.js';

/** The result of validating untrusted input. */
export type Validated<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly rejection: Rejection };

type Check = (value: unknown, path: string) => Rejection | null;

const fail = (path: string, message: string): Rejection => ({ code: 'malformed', path, message });

const str: Check = (v, p) => (typeof v === 'string' && v.length > 0 && v.length <= 256 ? null : fail(p, 'must be a non-empty string of at most 256 characters'));
const checkpointId: Check = (v, p) => (isCheckpointId(v) ? null : fail(p, 'must be a positive safe integer'));
const attempt: Check = (v, p) => (isAttempt(v) ? null : fail(p, 'must be a non-negative safe integer'));
const anyId: Check = (v, p) => (v === -1 || isCheckpointId(v) ? null : fail(p, 'must be -1 or a positive safe integer'));
const time: Check = (v, p) => (typeof v === 'number' && Number.isSafeInteger(v) && v >= 0 ? null : fail(p, 'must be a non-negative integer timestamp'));
const count: Check = (v, p) => (typeof v === 'number' && Number.isFinite(v) && v >= 0 ? null : fail(p, 'must be a non-negative finite number'));
const bool: Check = (v, p) => (typeof v === 'boolean' ? null : fail(p, 'must be a boolean'));
const oneOf = (values: readonly string[]): Check => (v, p) => (typeof v === 'string' && values.includes(v) ? null : fail(p, `must be one of ${values.join(', ')}`));

function object(fields: Record<string, Check>, optional: Record<string, Check> = {}): Check {
  return (v, p) => {
    if (v === null || typeof v !== 'object' || Array.isArray(v)) return fail(p, 'must be an object');
    const o = v as Record<string, unknown>;
    for (const key of Object.keys(o)) {
      if (!(key in fields) && !(key in optional)) return fail(`${p}.${key}`, 'is not a field of this message');
    }
    for (const [key, check] of Object.entries(fields)) {
      if (!(key in o)) return fail(`${p}.${key}`, 'is missing');
      const r = check(o[key], `${p}.${key}`);
      if (r) return r;
    }
    for (const [key, check] of Object.entries(optional)) {
      if (key in o && o[key] !== undefined) {
        const r = check(o[key], `${p}.${key}`);
        if (r) return r;
      }
    }
    return null;
  };
}

const nullable = (check: Check): Check => (v, p) => (v === null ? null : check(v, p));

const metrics = object({
  bytesProcessedDuringAlignment: count,
  alignmentDurationMs: count,
  syncDurationMs: count,
  asyncDurationMs: count,
  checkpointStartDelayMs: count,
  bytesPersisted: count,
  unaligned: bool,
});

const stateHandle = object({ key: str, sizeBytes: count });

const options = object(
  {
    snapshot: oneOf(['checkpoint', 'full', 'savepoint', 'sync-savepoint'] satisfies SnapshotKind[]),
    alignment: oneOf(['aligned', 'unaligned', 'forced-aligned', 'at-least-once'] satisfies AlignmentKind[]),
    alignedCheckpointTimeoutMs: count,
  },
  { syncMode: oneOf(['suspend', 'terminate'] satisfies SyncSavepointMode[]) },
);

const head = { type: str, jobId: str, taskId: str, attempt };

const SCHEMAS: Readonly<Record<ControlMessage['type'], Check>> = {
  triggerCheckpoint: object({ ...head, checkpointId, timestamp: time, options }),
  notifyCheckpointComplete: object({ ...head, checkpointId, timestamp: time, lastSubsumedCheckpointId: anyId }),
  notifyCheckpointAborted: object({ ...head, checkpointId, latestCompletedCheckpointId: anyId, timestamp: time }),
  acknowledgeCheckpoint: object({ ...head, checkpointId, metrics, state: nullable(stateHandle) }),
  declineCheckpoint: object({ ...head, checkpointId, reason: oneOf(DECLINE_REASONS) }),
  reportCheckpointMetrics: object({ ...head, checkpointId, metrics }),
  taskStateChanged: object({ ...head, state: oneOf(TASK_EXECUTION_STATES) }),
};

/**
 * Checks that `input` is exactly one of the protocol's control messages: known `type`, every
 * field present with the right type and range, no extra field.
 * @param input - untrusted input (e.g. parsed JSON).
 * @returns the message, or a `malformed` rejection with the path of the first problem.
 */
export function validateControlMessage(input: unknown): Validated<ControlMessage> {
  if (input === null || typeof input !== 'object' || Array.isArray(input)) return { ok: false, rejection: fail('$', 'must be an object') };
  const type = (input as { type?: unknown }).type;
  if (typeof type !== 'string' || !Object.hasOwn(SCHEMAS, type)) {
    return { ok: false, rejection: fail('$.type', `must be one of ${Object.keys(SCHEMAS).join(', ')}`) };
  }
  const rejection = SCHEMAS[type as ControlMessage['type']](input, '$');
  return rejection ? { ok: false, rejection } : { ok: true, value: input as ControlMessage };
}
