/**
 * `npm run bench`: every benchmark, one JSON line per measurement. Each compares the real thing
 * with a baseline measured in the same run; figures are medians.
 * @packageDocumentation
 */
import { benchCoordinator } from './coordinator-round.js';

const suites: Array<[string, () => Promise<Array<Record<string, unknown>>>]> = [['coordinator-round', benchCoordinator]];
try {
  const { benchTaskBarriers } = await import('./task-barriers.js');
  suites.push(['task-barriers', benchTaskBarriers]);
} catch (e) {
  if ((e as { code?: string }).code !== 'ERR_MODULE_NOT_FOUND') throw e;
}

const only = process.argv[2];
for (const [name, run] of suites) {
  if (only && name !== only) continue;
  for (const line of await run()) console.log(JSON.stringify(line));
}
