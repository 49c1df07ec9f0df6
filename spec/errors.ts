/**
 * The two typed errors of the protocol boundary. Protocol outcomes (declined, expired, subsumed)
 * are values, never errors; these are for input that is wrong.
 * @packageDocumentation
 */

/**
 * A configuration is malformed. Thrown at construction, before anything runs; names the option.
 */
export class ConfigError extends Error {
  /** The offending option, as written in the configuration object (e.g. `"maxConcurrent"`). */
  readonly option: string;

  /**
   * Creates the error.
   * @param option - the offending option.
   * @param message - what is wrong with it.
   */
  constructor(option: string, message: string) {
    super(`invalid configuration: ${option}: ${message}`);
    this.name = 'ConfigError';
    this.option = option;
  }
}

/** Why an input was rejected. */
export type RejectionCode =
  | 'malformed'
  | 'wrong-job'
  | 'unknown-task'
  | 'stale-attempt'
  | 'stale-epoch'
  | 'unknown-checkpoint'
  | 'invalid-request'
  | 'shut-down';

/**
 * A typed rejection of one input: the input changed nothing. Returned as a value by the runtime
 * (and thrown only by APIs that cannot return one).
 */
export interface Rejection {
  /** The kind of rejection. */
  readonly code: RejectionCode;
  /** Where in the input the problem is, e.g. `"$.checkpointId"`; `"$"` for the whole input. */
  readonly path: string;
  /** What is wrong, for people. */
  readonly message: string;
}

/** An `Error` carrying a {@link Rejection}, for APIs that must throw. */
export class RejectedInputError extends Error {
  /** The rejection. */
  readonly rejection: Rejection;

  /**
   * Wraps a rejection.
   * @param rejection - the rejection to carry.
   */
  constructor(rejection: Rejection) {
    super(`rejected (${rejection.code}) at ${rejection.path}: ${rejection.message}`);
    this.name = 'RejectedInputError';
    this.rejection = rejection;
  }
}
