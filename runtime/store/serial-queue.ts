/**
 * Runs asynchronous jobs one at a time, in the order they were queued.
 * @packageDocumentation
 */

/** A queue of asynchronous jobs run one after another. */
export class SerialQueue {
  private tail: Promise<unknown> = Promise.resolve();

  /**
   * Runs `job` after every job queued before it; resolves or rejects as `job` does.
   * @param job - the job.
   */
  run<T>(job: () => Promise<T>): Promise<T> {
    const result = this.tail.then(job, job);
    this.tail = result.catch(() => undefined);
    return result;
  }
}
