/**
 * The audit's input error: a base or head that cannot be read (unknown git ref, missing lock,
 * a file that is not a protocol image). The CLI prints it and exits with status 2.
 * @packageDocumentation
 */

/** A base or head image that cannot be read; names what and why. */
export class AuditInputError extends Error {
  /** @param message - what cannot be read, and why. */
  constructor(message: string) {
    super(message);
    this.name = 'AuditInputError';
  }
}

/**
 * Whether `e` is an {@link AuditInputError} (by name, so it works across module copies).
 * @param e - anything thrown.
 */
export function isAuditInputError(e: unknown): e is AuditInputError {
  return e instanceof Error && e.name === 'AuditInputError';
}
