/**
 * What a transport provides to run the one conformance suite ({@link defineConformanceSuite} in
 * `suite.ts`). A per-transport test file implements {@link TransportHarness} and calls the suite:
 *
 * ```ts
 * defineConformanceSuite(createHttpHarness());
 * ```
 *
 * Every optional hook has a capability flag. A case whose hook the transport lacks still runs, and
 * its name says `not applicable (...)`: it then asserts that the capability is really absent (the
 * hook is undefined), so nothing is skipped silently.
 * @packageDocumentation
 */
import type { ChannelAddress, Transport, TransportKind } from '../../../adapters/runtime/contract.js';
import type { TransportError } from '../../../adapters/shared/errors.js';

/** One participant of a job: the coordinator, or one task. */
export interface Participant {
  /** The job (unique per case, so broker resources never collide between cases). */
  readonly jobId: string;
  /** `coordinator` or `task`. */
  readonly role: 'coordinator' | 'task';
  /** `coordinator`, or the task id (e.g. `src#0`). */
  readonly id: string;
}

/** How a forged message is forged. */
export type Forgery = 'no-credentials' | 'bad-credentials';

/**
 * What the forger got back: the typed error (null when the transport cannot answer a sender). The
 * suite checks on its own that nothing reached a subscriber.
 */
export interface ForgedOutcome {
  /** The typed error, e.g. `unauthorized`. */
  readonly error: TransportError | null;
}

/** What the transport can do; each flag gates the hook of the same name. */
export interface HarnessCapabilities {
  /** `dropConnection` exists: the transport has connections that can be cut. */
  readonly dropConnection: boolean;
  /** `stopServer` and `startServer` exist: there is a server or broker to restart. */
  readonly restartServer: boolean;
  /** `sendForged` exists: the transport authenticates senders. */
  readonly authentication: boolean;
  /**
   * The largest message the receiving side takes, in bytes, or null when the transport has no
   * limit (then the oversized case says not applicable).
   */
  readonly maxMessageBytes: number | null;
}

/**
 * A transport under test. The suite calls `setup` before each case, creates one transport per
 * participant with `createTransport`, and calls `teardown` after each case (also when it failed).
 */
export interface TransportHarness {
  /** The transport's name in case titles, e.g. `http`. */
  readonly name: string;
  /** The transport kind (selects the generated bindings). */
  readonly kind: TransportKind;
  /** What the transport can do. */
  readonly capabilities: HarnessCapabilities;
  /** Prepares one case (start a server, connect to the broker, ...). */
  setup(): Promise<void>;
  /**
   * Creates the transport of one participant. The suite subscribes and sends through the generated
   * bindings of `kind`.
   * @param participant - who will use it.
   */
  createTransport(participant: Participant): Promise<Transport>;
  /** Closes everything created since `setup` (transports, servers, broker resources). */
  teardown(): Promise<void>;
  /**
   * Cuts the live connection(s) of one participant's transport, as a network failure would; the
   * transport must notice, report `transport.lost`, reconnect and report `transport.restored`.
   * @param participant - whose connections to cut.
   */
  dropConnection?(participant: Participant): Promise<void>;
  /** Stops the server or broker (the suite always starts it again, in a `finally`). */
  stopServer?(): Promise<void>;
  /** Starts the server or broker stopped by `stopServer`, at the same address. */
  startServer?(): Promise<void>;
  /**
   * Sends `bytes` to `to` as an outsider would, with forged or missing credentials.
   * @param to - where.
   * @param bytes - what.
   * @param forgery - how the credentials are wrong.
   */
  sendForged?(to: ChannelAddress, bytes: Uint8Array, forgery: Forgery): Promise<ForgedOutcome>;
}
