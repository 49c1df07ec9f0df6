/**
 * `npm run bench`: every benchmark, one JSON line per measurement. Each compares the real thing
 * with a baseline measured in the same run; figures are medians.
 * @packageDocumentation
 */
import { benchCoordinator } from './coordinator-round.js';
import { benchModelCheck } from './model-check.js';
import { benchPipeline } from './pipeline.js';
import { benchTaskBarriers } from './task-barriers.js';
import { benchAmqpTransport } from './transport/amqp.js';
import { benchHttpTransport } from './transport/http.js';
import { benchNatsTransport } from './transport/nats.js';
import { benchInProcessTransport } from './transport/inprocess.js';

const suites: Array<[string, () => Promise<Array<Record<string, unknown>>>]> = [
  ['coordinator-round', benchCoordinator],
  ['task-barriers', benchTaskBarriers],
  ['model-check', benchModelCheck],
  ['transport-inprocess', () => benchInProcessTransport()],
  ['transport-http', () => benchHttpTransport()],
  ['transport-amqp', () => benchAmqpTransport()],
  ['transport-nats', () => benchNatsTransport()],
  ['pipeline', () => benchPipeline()],
];

const only = process.argv[2];
for (const [name, run] of suites) {
  if (only && name !== only) continue;
  for (const line of await run()) console.log(JSON.stringify(line));
}
