/**
 * `snapwright audit`: compares the protocol image of the working tree (or `--head FILE`) with a
 * base (the lock `spec/protocol.lock.json` by default, an image file, or a git ref) and classifies
 * every change. Exits 1 on breaking changes not accepted; `--accept` rewrites the lock instead.
 * @packageDocumentation
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { audit } from '../../audit/audit.js';
import type { ComposeResult } from '../../audit/compose.js';
import { isAuditInputError } from '../../audit/errors.js';
import type { LoadedImage } from '../../audit/image.js';
import { currentImage, loadBase, loadImageFile, LOCK_PATH, writeLock } from '../../audit/image.js';
import type { AuditContext } from '../../audit/report.js';
import { exitCodeOf, reportJson } from '../../audit/report-json.js';
import { reportMarkdown } from '../../audit/report-markdown.js';
import { reportText } from '../../audit/report-text.js';
import { REPO_ROOT } from '../../codegen/config.js';
import { isGeneratorError } from '../../codegen/model.js';
import type { ParsedArgs } from '../args.js';
import { UsageError } from '../args.js';

/** The usage line. */
export const AUDIT_USAGE = 'snapwright audit [--base <git-ref|image.json>] [--format text|markdown|json] [--accept] [--compose] [--head <image.json>] [--lock <file>]';

const FORMATS = { text: reportText, markdown: reportMarkdown, json: reportJson } as const;
const OPTIONS = ['base', 'format', 'accept', 'compose', 'head', 'lock'];

function stringOption(args: ParsedArgs, name: string): string | undefined {
  const v = args.options[name];
  if (v === true) throw new UsageError(`--${name} takes a value`);
  return v;
}

/**
 * Runs the command.
 * @param args - `--base` (default: the lock), `--format` (default text), `--accept`, `--compose`
 * (model-check the base ref's machines composed with the working tree's; needs `--base <git-ref>`),
 * `--head` (default: the working tree, generated in memory), `--lock` (default
 * `spec/protocol.lock.json` of the repository).
 * @returns 0 when nothing breaking is left unaccepted, 1 on unaccepted breaking changes, 2 when
 * an image cannot be read.
 */
export async function auditCommand(args: ParsedArgs): Promise<number> {
  const unknown = Object.keys(args.options).filter((o) => !OPTIONS.includes(o));
  if (unknown.length > 0 || args.positionals.length > 0) throw new UsageError(`unexpected ${[...unknown.map((o) => `--${o}`), ...args.positionals].join(', ')}`);
  const format = stringOption(args, 'format') ?? 'text';
  if (!(format in FORMATS)) throw new UsageError(`--format must be text, markdown or json, got ${format}`);
  if (args.options.accept !== undefined && args.options.accept !== true) throw new UsageError('--accept takes no value');
  const accept = args.options.accept === true;
  const lockArg = stringOption(args, 'lock');
  const lock = lockArg === undefined ? path.join(REPO_ROOT, LOCK_PATH) : path.resolve(lockArg);
  const lockShown = lockArg ?? LOCK_PATH;
  const baseArg = stringOption(args, 'base');
  const headArg = stringOption(args, 'head');
  if (args.options.compose !== undefined && args.options.compose !== true) throw new UsageError('--compose takes no value');
  const compose = args.options.compose === true;
  if (compose && (baseArg === undefined || existsSync(path.resolve(baseArg)))) throw new UsageError('--compose needs --base <git-ref>: the old machines are read at that ref');
  if (compose && headArg !== undefined) throw new UsageError('--compose composes with the working tree\'s machines; it cannot take --head');
  let head: LoadedImage;
  let base: LoadedImage;
  let composed: Partial<ComposeResult>;
  try {
    head = headArg === undefined ? await currentImage() : loadImageFile(headArg);
    // Accepting without a lock yet: the head is compared with itself and becomes the lock.
    base = accept && baseArg === undefined && !existsSync(lock) ? head : loadBase(baseArg, lock);
    composed = compose ? await composeWithRef(baseArg as string) : {};
  } catch (e) {
    if (!isAuditInputError(e) && !isGeneratorError(e)) throw e;
    console.error(`snapwright audit: ${e.message}`);
    return 2;
  }
  const result = audit(base.image, head.image, composed);
  if (accept) writeLock(head.image, lock);
  const ctx: AuditContext = { base: base.origin === lock ? lockShown : base.origin, head: head.origin, acceptedInto: accept ? lockShown : null };
  process.stdout.write(FORMATS[format as keyof typeof FORMATS](result, ctx));
  return exitCodeOf(result, ctx);
}

/** The model-checked composition with the machines at `ref` (loaded only when asked for: it brings in the checker). */
async function composeWithRef(ref: string): Promise<ComposeResult> {
  const { composeVersions, machinesAtRef } = await import('../../audit/compose.js');
  const { coordinatorMachine, taskMachine } = await import('../../machines/index.js');
  return composeVersions(await machinesAtRef(ref), { coordinatorMachine, taskMachine });
}
