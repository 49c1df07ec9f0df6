/**
 * Compression of task-state payloads with node:zlib (deflate). Payloads under the threshold, or
 * that deflate does not shrink, are kept as they are; the byte counts before and after are
 * reported either way.
 * @packageDocumentation
 */
import { promisify } from 'node:util';
import { deflate, deflateSync, inflate, inflateSync } from 'node:zlib';
import type { ResolvedCompression } from './options.js';

const deflateAsync = promisify(deflate);
const inflateAsync = promisify(inflate);

/** How a payload is stored. */
export type StateCodec = 'raw' | 'deflate';

/** A payload ready to store. */
export interface EncodedState {
  /** The stored bytes. */
  readonly data: Buffer;
  /** How they are encoded. */
  readonly codec: StateCodec;
  /** The payload's size. */
  readonly bytesBefore: number;
  /** The stored size. */
  readonly bytesAfter: number;
}

/**
 * Encodes a payload for storage.
 * @param payload - the task's state.
 * @param compression - the settings.
 */
export async function encodeState(payload: Uint8Array, compression: ResolvedCompression): Promise<EncodedState> {
  const raw = asBuffer(payload);
  return chosen(raw, worthCompressing(raw, compression) ? await deflateAsync(raw, { level: compression.level }) : null);
}

/**
 * {@link encodeState} on the calling thread, for callers that must answer synchronously.
 * @param payload - the task's state.
 * @param compression - the settings.
 */
export function encodeStateSync(payload: Uint8Array, compression: ResolvedCompression): EncodedState {
  const raw = asBuffer(payload);
  return chosen(raw, worthCompressing(raw, compression) ? deflateSync(raw, { level: compression.level }) : null);
}

const asBuffer = (payload: Uint8Array): Buffer => Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength);

/** Compression is tried when on and the payload reaches the threshold. */
const worthCompressing = (raw: Buffer, compression: ResolvedCompression): boolean => compression.enabled && raw.length >= compression.thresholdBytes && raw.length > 0;

/** The packed form when it is smaller, else the payload as it is. */
function chosen(raw: Buffer, packed: Buffer | null): EncodedState {
  if (packed !== null && packed.length < raw.length) return { data: packed, codec: 'deflate', bytesBefore: raw.length, bytesAfter: packed.length };
  return { data: raw, codec: 'raw', bytesBefore: raw.length, bytesAfter: raw.length };
}

/**
 * Decodes stored bytes; null when they do not decode to `bytesBefore` bytes.
 * @param data - the stored bytes.
 * @param codec - their encoding.
 * @param bytesBefore - the payload's size.
 */
export async function decodeState(data: Buffer, codec: unknown, bytesBefore: unknown): Promise<Buffer | null> {
  if (codec === 'raw') return sized(data, bytesBefore);
  if (codec !== 'deflate') return null;
  try {
    return sized(await inflateAsync(data), bytesBefore);
  } catch {
    return null;
  }
}

/**
 * {@link decodeState} on the calling thread.
 * @param data - the stored bytes.
 * @param codec - their encoding.
 * @param bytesBefore - the payload's size.
 */
export function decodeStateSync(data: Buffer, codec: unknown, bytesBefore: unknown): Buffer | null {
  if (codec === 'raw') return sized(data, bytesBefore);
  if (codec !== 'deflate') return null;
  try {
    return sized(inflateSync(data), bytesBefore);
  } catch {
    return null;
  }
}

const sized = (payload: Buffer, bytesBefore: unknown): Buffer | null => (payload.length === bytesBefore ? payload : null);
