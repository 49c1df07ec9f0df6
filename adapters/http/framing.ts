/**
 * The body of a batch request (`application/x-snapwright-frames`): each message as a 4-byte
 * big-endian length followed by its bytes.
 * @packageDocumentation
 */

/** The content type of a batch. */
export const FRAMES_CONTENT_TYPE = 'application/x-snapwright-frames';

/**
 * Frames a batch of messages into one body.
 * @param messages - the encoded messages.
 */
export function encodeFrames(messages: readonly Uint8Array[]): Uint8Array {
  let size = 0;
  for (const m of messages) size += 4 + m.byteLength;
  const body = new Uint8Array(size);
  const view = new DataView(body.buffer);
  let at = 0;
  for (const m of messages) {
    view.setUint32(at, m.byteLength);
    body.set(m, at + 4);
    at += 4 + m.byteLength;
  }
  return body;
}

/** Why a body is not a valid batch. */
export type FrameProblem = { readonly problem: 'truncated' | 'empty'; readonly at: number } | { readonly problem: 'too-large'; readonly at: number; readonly size: number };

/**
 * Splits a batch body into its messages (views into `body`, no copy).
 * @param body - the request body.
 * @param maxMessageBytes - the largest message taken.
 * @returns the messages, or what is wrong and where.
 */
export function decodeFrames(body: Uint8Array, maxMessageBytes: number): Uint8Array[] | FrameProblem {
  if (body.byteLength === 0) return { problem: 'empty', at: 0 };
  const view = new DataView(body.buffer, body.byteOffset, body.byteLength);
  const messages: Uint8Array[] = [];
  let at = 0;
  while (at < body.byteLength) {
    if (at + 4 > body.byteLength) return { problem: 'truncated', at };
    const size = view.getUint32(at);
    if (size > maxMessageBytes) return { problem: 'too-large', at, size };
    if (at + 4 + size > body.byteLength) return { problem: 'truncated', at };
    messages.push(body.subarray(at + 4, at + 4 + size));
    at += 4 + size;
  }
  return messages;
}
