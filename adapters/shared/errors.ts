/**
 * The typed error every transport runtime rejects a send with, so a caller can tell bad input
 * (never worth retrying) from an unreachable peer (retried until the policy gives up).
 * @packageDocumentation
 */
import type { Rejection } from '../../spec/errors.js';

/**
 * Why a transport refused or failed a message:
 * - `unauthorized`: missing or wrong credentials (HTTP 401);
 * - `too-large`: the message exceeds the receiver's size limit (HTTP 413);
 * - `malformed`: the receiver could not read the request or the message (HTTP 400, 415);
 * - `rejected`: the receiving runtime rejected the message; `rejection` says why (HTTP 422);
 * - `not-found`: nobody serves the address (HTTP 404);
 * - `unavailable`: the peer could not be reached, and retries gave up;
 * - `closed`: the transport was closed.
 */
export type TransportErrorCode = 'unauthorized' | 'too-large' | 'malformed' | 'rejected' | 'not-found' | 'unavailable' | 'closed';

/** A transport refused or failed a message. */
export class TransportError extends Error {
  /** What went wrong. */
  readonly code: TransportErrorCode;
  /** The receiver's typed rejection of the message, when it gave one. */
  readonly rejection: Rejection | null;
  /** The HTTP status, for HTTP. */
  readonly status: number | null;

  /**
   * Creates the error.
   * @param code - what went wrong.
   * @param message - for people.
   * @param details - the receiver's rejection and the HTTP status, when known.
   */
  constructor(code: TransportErrorCode, message: string, details: { readonly rejection?: Rejection | null; readonly status?: number | null } = {}) {
    super(`${code}: ${message}`);
    this.name = 'TransportError';
    this.code = code;
    this.rejection = details.rejection ?? null;
    this.status = details.status ?? null;
  }
}

/**
 * Whether a failed send may succeed when tried again: only `unavailable` (the peer was not
 * reached or answered with a transient failure). Bad input never becomes good by retrying.
 * @param error - what the send failed with.
 */
export function isRetryable(error: unknown): boolean {
  return error instanceof TransportError ? error.code === 'unavailable' : true;
}
