/**
 * Compression of task-state payloads with node:zlib (deflate). Payloads under the threshold, or
 * that deflate does not shrink, are kept as they are; the byte counts before and after are
 * reported either way.
 * @packageDocumentation
 */
import { promisify } from 'node:util';
import { deflate, inflate } from 'node:zlib';
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
  const raw = Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength);
  if (compression.enabled && raw.length >= compression.thresholdBytes && raw.length > 0) {
    const packed = await deflateAsync(raw, { level: compression.level });
    if (packed.length < raw.length) return { data: packed, codec: 'deflate', bytesBefore: raw.length, bytesAfter: packed.length };
  }
  return { data: raw, codec: 'raw', bytesBefore: raw.length, bytesAfter: raw.length };
}

/**
 * Decodes stored bytes; null when they do not decode to `bytesBefore` bytes.
 * @param data - the stored bytes.
 * @param codec - their encoding.
 * @param bytesBefore - the payload's size.
 */
export async function decodeState(data: Buffer, codec: unknown, bytesBefore: unknown): Promise<Buffer | null> {
  let payload: Buffer;
  if (codec === 'raw') payload = data;
  else if (codec === 'deflate') {
    try {
      payload = await inflateAsync(data);
    } catch {
      return null;
    }
  } else return null;
  return payload.length === bytesBefore ? payload : null;
}
