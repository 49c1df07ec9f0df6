/**
 * Shared set-up of the audit tests: fresh copies of the committed protocol image to edit, and
 * running the `audit` command in-process with its output captured.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { vi } from 'vitest';
import type { AuditResult } from '../../audit/audit.js';
import type { Finding } from '../../audit/finding.js';
import type { ProtocolImage } from '../../audit/image.js';
import { parseImage } from '../../audit/image.js';
import { parseArgs } from '../../cli/args.js';
import { auditCommand } from '../../cli/commands/audit.js';

/** The repository root. */
export const ROOT = fileURLToPath(new URL('../..', import.meta.url)).replace(/[\\/]$/, '');

/** The committed generated image, relative to the root. */
export const IMAGE = `${ROOT}/generated/protocol-image.json`;

/** A fresh, deep copy of the committed generated image (edit it freely). */
export function baseImage(): ProtocolImage {
  return parseImage(readFileSync(IMAGE, 'utf8'), IMAGE);
}

/** A mutable deep copy of an image, for deliberate edits. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function editable(image: ProtocolImage): any {
  return structuredClone(image);
}

/**
 * The findings of a rule.
 * @param result - an audit.
 * @param rule - the rule.
 */
export function withRule(result: AuditResult, rule: string): Finding[] {
  return result.findings.filter((f) => f.rule === rule);
}

/**
 * Runs `snapwright audit` in-process.
 * @param argv - the arguments after `audit`.
 * @returns the exit status and everything written to stdout and stderr.
 */
export async function runAudit(argv: readonly string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const out = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    stdout += String(chunk);
    return true;
  });
  const log = vi.spyOn(console, 'log').mockImplementation((...a: unknown[]) => {
    stdout += `${a.join(' ')}\n`;
  });
  const err = vi.spyOn(console, 'error').mockImplementation((...a: unknown[]) => {
    stderr += `${a.join(' ')}\n`;
  });
  try {
    const code = await auditCommand(parseArgs(argv));
    return { code, stdout, stderr };
  } finally {
    out.mockRestore();
    log.mockRestore();
    err.mockRestore();
  }
}
