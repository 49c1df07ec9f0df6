/**
 * The checksummed frame every durable file is written in: one header line
 * `SNAPWRIGHT/1 <sha256> <body length> <meta JSON>` and the body. The sha256 covers the meta and
 * the body, so a torn, truncated or corrupted file is told apart from a valid one on load.
 * @packageDocumentation
 */
import { createHash } from 'node:crypto';

const MAGIC = 'SNAPWRIGHT/1';

/** Small key-value metadata carried in the header (e.g. the codec of a state payload). */
export type FrameMeta = Readonly<Record<string, string | number>>;

/** Why a frame is not valid. */
export type FrameDefect = 'bad-header' | 'truncated' | 'checksum';

/** A frame read back: its body and meta, or why it is not valid (a value, never thrown). */
export type Unframed = { readonly ok: true; readonly body: Buffer; readonly meta: Record<string, unknown> } | { readonly ok: false; readonly defect: FrameDefect };

/**
 * The sha256 (hex) of the parts, in order.
 * @param parts - the bytes to hash.
 */
export function sha256(...parts: ReadonlyArray<Uint8Array | string>): string {
  const h = createHash('sha256');
  for (const p of parts) h.update(p);
  return h.digest('hex');
}

/**
 * Wraps `body` in a checksummed frame.
 * @param body - the payload.
 * @param meta - metadata for the header.
 */
export function frame(body: Uint8Array, meta: FrameMeta = {}): Buffer {
  const metaText = JSON.stringify(meta);
  const header = `${MAGIC} ${sha256(metaText, '\n', body)} ${body.length} ${metaText}\n`;
  return Buffer.concat([Buffer.from(header, 'utf8'), body]);
}

/**
 * Checks and unwraps a frame.
 * @param data - the file's bytes.
 */
export function unframe(data: Buffer): Unframed {
  const eol = data.indexOf(0x0a);
  if (eol < 0) return { ok: false, defect: data.length < 200 ? 'truncated' : 'bad-header' };
  const match = /^SNAPWRIGHT\/1 ([0-9a-f]{64}) (\d+) (\{.*\})$/.exec(data.subarray(0, eol).toString('utf8'));
  if (!match) return { ok: false, defect: 'bad-header' };
  const [, digest, length, metaText] = match as unknown as [string, string, string, string];
  const body = data.subarray(eol + 1);
  if (body.length < Number(length)) return { ok: false, defect: 'truncated' };
  if (body.length > Number(length) || sha256(metaText, '\n', body) !== digest) return { ok: false, defect: 'checksum' };
  let meta: unknown;
  try {
    meta = JSON.parse(metaText);
  } catch {
    return { ok: false, defect: 'bad-header' };
  }
  return { ok: true, body, meta: meta as Record<string, unknown> };
}
