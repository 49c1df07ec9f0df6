/**
 * `snapwright diagram`: writes a diagram of each machine that ships, for docs and pull requests:
 * SVG (laid out with ELK) and Mermaid `stateDiagram-v2` text.
 * @packageDocumentation
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { machineCharts } from '../../viewer/machines.js';
import { statechartMermaid } from '../../viewer/mermaid.js';
import { statechartSvg } from '../../viewer/svg.js';
import type { ParsedArgs } from '../args.js';
import { UsageError } from '../args.js';

/** Usage line of the command. */
export const DIAGRAM_USAGE = 'snapwright diagram [--out DIR] [--format svg|mermaid|both]';

const FORMATS = ['svg', 'mermaid', 'both'] as const;

/**
 * Writes the diagrams.
 * @param args - `--out DIR` (default `diagrams`), `--format` (default both).
 * @returns 0.
 */
export async function diagramCommand(args: ParsedArgs): Promise<number> {
  for (const key of Object.keys(args.options)) if (key !== 'out' && key !== 'format') throw new UsageError(`unknown option --${key}`);
  if (args.positionals.length > 0) throw new UsageError(`unexpected argument ${args.positionals[0]}`);
  const format = args.options.format ?? 'both';
  if (format === true || !(FORMATS as readonly string[]).includes(format)) throw new UsageError(`--format is one of ${FORMATS.join(', ')}, got ${String(format)}`);
  const dir = args.options.out ?? 'diagrams';
  if (dir === true) throw new UsageError('--out takes a directory');
  mkdirSync(dir, { recursive: true });
  const written: string[] = [];
  for (const [name, { chart, layout }] of Object.entries(await machineCharts())) {
    if (format !== 'mermaid') {
      writeFileSync(join(dir, `${name}.svg`), statechartSvg(layout));
      written.push(`${name}.svg`);
    }
    if (format !== 'svg') {
      writeFileSync(join(dir, `${name}.mmd`), statechartMermaid(chart));
      written.push(`${name}.mmd`);
    }
  }
  console.log(`wrote ${written.join(', ')} to ${dir}`);
  return 0;
}
