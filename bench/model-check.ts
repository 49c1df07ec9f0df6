/**
 * Benchmark: `snapwright check` on the standard configuration (two sources and one two-input
 * task, at most two concurrent checkpoints, control messages lossy, duplicating and reordering,
 * one crash, checkpoint ids 1 to 3, one savepoint request), searched exhaustively. Reports the
 * distinct states, the wall-clock seconds of the search and the distinct states per second.
 * @packageDocumentation
 */
import { check } from '../checker/protocol/run.js';

/** The model-check benchmark: one line for the standard configuration. */
export async function benchModelCheck(): Promise<Array<Record<string, unknown>>> {
  const { report } = check({});
  if (!report.complete) throw new Error('the standard configuration was not checked completely');
  const failed = report.properties.filter((p) => p.status !== 'holds');
  if (failed.length > 0) throw new Error(`the standard configuration does not pass: ${failed.map((p) => `${p.name} ${p.status}`).join(', ')}`);
  return [
    {
      bench: 'model-check',
      config: 'standard',
      states: report.states,
      seconds: report.seconds,
      statesPerSecond: report.statesPerSecond,
      complete: report.complete,
    },
  ];
}

if (import.meta.url === `file://${process.argv[1]}`) {
  for (const line of await benchModelCheck()) console.log(JSON.stringify(line));
}
