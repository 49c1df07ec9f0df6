/**
 * The coordinator's redelivery window for a remote run, which lets every heartbeat through.
 *
 * `spec/messages.ts` gives `heartbeat` the idempotency key (jobId, taskId, attempt): the same key
 * for every heartbeat of an attempt. With the plain {@link DedupWindow}, `serveCoordinator` takes
 * the first heartbeat of an attempt and drops every later one as a redelivery, so heartbeat
 * supervision sees an attempt alive only at its first heartbeat and state reports, and declares
 * every live task lost one timeout later. A heartbeat is harmless to take twice (it only says the
 * attempt is alive), so this window never records heartbeat keys. (The fix belongs in spec/: a
 * heartbeat needs a sequence number in its key, or no key.)
 * @packageDocumentation
 */
import { DedupWindow } from '../../adapters/shared/dedup.js';

/** The key prefix of every heartbeat (`idempotencyKeyOf` starts a key with the message type and NUL). */
const HEARTBEAT = 'heartbeat\u0000';

/** A redelivery window that never drops a heartbeat. */
export class LivenessDedupWindow extends DedupWindow {
  /**
   * Records `key` unless it is a heartbeat's.
   * @param key - an idempotency key.
   */
  override add(key: string): void {
    if (!key.startsWith(HEARTBEAT)) super.add(key);
  }
}
