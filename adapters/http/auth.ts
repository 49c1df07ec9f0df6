/**
 * Authentication of every request: a shared bearer token, or an HMAC-SHA256 signature of the
 * request (method, path, idempotency key, body). Both are compared in constant time
 * (`crypto.timingSafeEqual` over SHA-256 digests, so lengths never leak either).
 * @packageDocumentation
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { ConfigError } from '../../spec/errors.js';

/** How requests are authenticated; every participant of a job uses the same secret. */
export type HttpAuth =
  | { readonly scheme: 'bearer'; readonly token: string }
  | { readonly scheme: 'hmac'; readonly key: string }
  | { readonly scheme: 'none' };

/** The header that carries an HMAC signature (hex). */
export const SIGNATURE_HEADER = 'x-snapwright-signature';

/**
 * Checks an authentication configuration.
 * @param auth - the `auth` option.
 * @throws ConfigError (`auth`, `auth.token`, `auth.key`) when it is missing or too weak.
 */
export function checkAuth(auth: HttpAuth | undefined): HttpAuth {
  if (!auth || typeof auth !== 'object') throw new ConfigError('auth', "is required: { scheme: 'bearer', token } | { scheme: 'hmac', key } | { scheme: 'none' }");
  if (auth.scheme === 'bearer' && (typeof auth.token !== 'string' || auth.token.length < 16)) throw new ConfigError('auth.token', 'must be a string of at least 16 characters');
  if (auth.scheme === 'hmac' && (typeof auth.key !== 'string' || auth.key.length < 16)) throw new ConfigError('auth.key', 'must be a string of at least 16 characters');
  if (!['bearer', 'hmac', 'none'].includes(auth.scheme)) throw new ConfigError('auth.scheme', `must be bearer, hmac or none, got ${String(auth.scheme)}`);
  return auth;
}

const digest = (value: string | Uint8Array): Buffer => createHash('sha256').update(value).digest();

const sameSecret = (given: string, expected: string): boolean => timingSafeEqual(digest(given), digest(expected));

/**
 * The HMAC-SHA256 signature of one request, hex.
 * @param key - the shared key.
 * @param path - the request path.
 * @param idempotencyKey - the request's idempotency key ('' when none).
 * @param body - the body.
 */
export function signRequest(key: string, path: string, idempotencyKey: string, body: Uint8Array): string {
  return createHmac('sha256', key).update(`POST\n${path}\n${idempotencyKey}\n`).update(body).digest('hex');
}

/**
 * The headers that authenticate one request.
 * @param auth - the configuration.
 * @param path - the request path.
 * @param idempotencyKey - the request's idempotency key.
 * @param body - the body.
 */
export function authHeaders(auth: HttpAuth, path: string, idempotencyKey: string, body: Uint8Array): Record<string, string> {
  if (auth.scheme === 'bearer') return { authorization: `Bearer ${auth.token}` };
  if (auth.scheme === 'hmac') return { [SIGNATURE_HEADER]: signRequest(auth.key, path, idempotencyKey, body) };
  return {};
}

/**
 * Whether a request's bearer token is right (true for other schemes: they are checked with the body).
 * @param auth - the configuration.
 * @param headers - the request headers.
 */
export function bearerOk(auth: HttpAuth, headers: IncomingHttpHeaders): boolean {
  if (auth.scheme !== 'bearer') return true;
  const given = headers.authorization;
  return typeof given === 'string' && given.startsWith('Bearer ') && sameSecret(given.slice(7), auth.token);
}

/**
 * Whether a request's HMAC signature is right (true for other schemes).
 * @param auth - the configuration.
 * @param headers - the request headers.
 * @param path - the request path.
 * @param body - the body.
 */
export function signatureOk(auth: HttpAuth, headers: IncomingHttpHeaders, path: string, body: Uint8Array): boolean {
  if (auth.scheme !== 'hmac') return true;
  const given = headers[SIGNATURE_HEADER];
  const key = headers['idempotency-key'];
  return typeof given === 'string' && sameSecret(given, signRequest(auth.key, path, typeof key === 'string' ? key : '', body));
}
