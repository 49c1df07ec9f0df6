/**
 * The protocol image as the audit reads it, and where it comes from: a file, the committed lock,
 * a git ref (the lock at that ref, else the generated image there), or a fresh generation of the
 * working tree. Git runs in the repository root, so the audit works from any directory.
 * @packageDocumentation
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { canonicalJson } from '../codegen/_internals/canonical-json.js';
import { REPO_ROOT, repositoryOptions } from '../codegen/config.js';
import { generate } from '../codegen/generate.js';
import type { ApiImage } from '../codegen/read-api.js';
import type { ConfigImage } from '../codegen/read-config.js';
import type { MachineImage } from '../codegen/read-machines.js';
import type { PropertyImage } from '../codegen/read-properties.js';
import type { PersistedImage } from '../codegen/read-shapes.js';
import type { DataSchema } from './flatten.js';
import { AuditInputError } from './errors.js';

/** The lock file, relative to the repository root: the last accepted image. */
export const LOCK_PATH = 'spec/protocol.lock.json';

/** The generated image, relative to the repository root. */
export const GENERATED_IMAGE_PATH = 'generated/protocol-image.json';

/** One message's metadata in the image. */
export interface ImageMessage {
  /** The interface name (its schema's key). */
  readonly interface: string;
  /** `coordinator-to-task`, `task-to-coordinator`, `task-to-task`. */
  readonly direction: string;
  /** `control` or `data`. */
  readonly channel: string;
  /** The weakest delivery tolerated. */
  readonly delivery: string;
  /** The idempotency key's field paths. */
  readonly idempotencyKey: readonly string[];
}

/** A named interface's schema in the image. */
export interface ImageSchema {
  /** Its fields. */
  readonly fields: ReadonlyArray<{ readonly name: string; readonly optional: boolean; readonly schema: DataSchema }>;
}

/** The parts of a protocol image the audit compares (optional parts may be missing in old images). */
export interface ProtocolImage {
  /** `snapwright.protocol-image/<n>`. */
  readonly format: string;
  /** Messages by `type`. */
  readonly messages: Readonly<Record<string, ImageMessage>>;
  /** Interfaces by name. */
  readonly schemas: Readonly<Record<string, ImageSchema>>;
  /** Machines by role. */
  readonly machines: Readonly<Record<string, MachineImage>>;
  /** Configuration and defaults. */
  readonly config?: ConfigImage;
  /** Declared properties by name. */
  readonly properties?: Readonly<Record<string, PropertyImage>>;
  /** Persisted shapes. */
  readonly persisted?: PersistedImage;
  /** Public API surface. */
  readonly api?: ApiImage;
}

/** An image and where it came from. */
export interface LoadedImage {
  /** The image. */
  readonly image: ProtocolImage;
  /** Where it came from, for reports: a path, `<ref>:<path>`, or `working tree`. */
  readonly origin: string;
}

/**
 * Parses and checks an image's text.
 * @param text - JSON text.
 * @param origin - where it came from (for the error).
 * @throws AuditInputError when it is not a protocol image.
 */
export function parseImage(text: string, origin: string): ProtocolImage {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (e) {
    throw new AuditInputError(`${origin}: not JSON (${(e as Error).message})`);
  }
  const d = data as Partial<ProtocolImage> | null;
  const object = (v: unknown) => v !== null && typeof v === 'object' && !Array.isArray(v);
  if (!object(d) || typeof d?.format !== 'string' || !d.format.startsWith('snapwright.protocol-image/')) {
    throw new AuditInputError(`${origin}: not a protocol image (no "format": "snapwright.protocol-image/…")`);
  }
  for (const key of ['messages', 'schemas', 'machines'] as const) if (!object(d[key])) throw new AuditInputError(`${origin}: protocol image without "${key}"`);
  return d as ProtocolImage;
}

/**
 * Reads an image file.
 * @param file - the path (relative to the working directory).
 * @throws AuditInputError when it is missing or not an image.
 */
export function loadImageFile(file: string): LoadedImage {
  const abs = path.resolve(file);
  if (!existsSync(abs)) throw new AuditInputError(`${file}: no such file`);
  return { image: parseImage(readFileSync(abs, 'utf8'), file), origin: file };
}

/**
 * Reads the image at a git ref: the lock there, else the generated image there.
 * @param ref - a commit, branch or tag.
 * @param root - the repository root.
 * @throws AuditInputError when the ref is unknown or holds neither file.
 */
export function loadImageAtRef(ref: string, root: string = REPO_ROOT): LoadedImage {
  if (ref.startsWith('-') || ref.includes(':')) throw new AuditInputError(`--base ${ref}: not a git ref or an image file`);
  const show = (p: string): string | null => {
    try {
      return execFileSync('git', ['-C', root, 'show', `${ref}:${p}`], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 64 * 1024 * 1024 });
    } catch {
      return null;
    }
  };
  for (const p of [LOCK_PATH, GENERATED_IMAGE_PATH]) {
    const text = show(p);
    if (text !== null) return { image: parseImage(text, `${ref}:${p}`), origin: `${ref}:${p}` };
  }
  let known = true;
  try {
    execFileSync('git', ['-C', root, 'rev-parse', '--verify', '--quiet', `${ref}^{commit}`], { stdio: 'ignore' });
  } catch {
    known = false;
  }
  throw new AuditInputError(known ? `${ref} holds neither ${LOCK_PATH} nor ${GENERATED_IMAGE_PATH}` : `--base ${ref}: neither an image file nor a git ref of ${root}`);
}

/**
 * The base: a file when `base` names one, else a git ref; the lock when `base` is undefined.
 * @param base - the `--base` argument, or undefined.
 * @param lock - the lock file (absolute, or relative to the working directory).
 * @throws AuditInputError when it cannot be read.
 */
export function loadBase(base: string | undefined, lock: string): LoadedImage {
  if (base === undefined) {
    if (!existsSync(lock)) throw new AuditInputError(`no baseline ${lock}: create it with \`snapwright audit --accept\``);
    return loadImageFile(lock);
  }
  if (existsSync(path.resolve(base))) return loadImageFile(base);
  return loadImageAtRef(base);
}

/**
 * The image of the working tree, generated in memory (the same generation `generated/` holds).
 * @param root - the repository root.
 */
export async function currentImage(root: string = REPO_ROOT): Promise<LoadedImage> {
  const files = await generate(repositoryOptions(root));
  const file = files.find((f) => f.path === 'protocol-image.json');
  if (!file) throw new AuditInputError('the generator wrote no protocol-image.json');
  return { image: parseImage(file.content, 'working tree'), origin: 'working tree' };
}

/**
 * Writes `image` as the lock: the image itself, its `$comment` saying what the file is.
 * @param image - the image to accept.
 * @param lock - the lock file.
 */
export function writeLock(image: ProtocolImage, lock: string): void {
  const data = { ...image, $comment: `snapwright audit baseline: the protocol image last accepted. Update it with \`snapwright audit --accept\`; do not edit by hand.` };
  writeFileSync(lock, canonicalJson(data));
}
