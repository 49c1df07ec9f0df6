/**
 * A laid-out statechart as SVG. Every state is a `<g class="state" data-path="...">` (the viewer
 * highlights the active ones by adding the class `active`); every transition a
 * `<g class="transition" data-source data-target>` with its route and label. A standalone SVG
 * (for docs and pull requests) carries its own style; inside the viewer page the page styles it.
 * @packageDocumentation
 */
import type { PlacedEdge, PlacedNode, StatechartLayout } from './statechart-layout.js';
import { SMALL_LINE, TITLE_HEIGHT } from './statechart-layout.js';
import { escapeXml, num } from './xml.js';

/** Options of {@link statechartSvg}. */
export interface SvgOptions {
  /** Prefix of the SVG's element ids (several charts in one page need distinct ids). */
  readonly idPrefix?: string;
  /** Include the style (for a file of its own). Default true. */
  readonly standalone?: boolean;
}

/** The style of a statechart SVG; the viewer page includes it once. */
export const STATECHART_CSS = `
.statechart { font-family: ui-monospace, 'DejaVu Sans Mono', Menlo, Consolas, monospace; }
.statechart .state > rect { fill: #ffffff; stroke: #4a5568; stroke-width: 1.2; }
.statechart .state-compound > rect, .statechart .state-parallel > rect { fill: #f7fafc; }
.statechart .region > rect { stroke-dasharray: 5 3; }
.statechart .state-final > rect { stroke-width: 3; }
.statechart .machine > rect { fill: #edf2f7; stroke: #2d3748; stroke-width: 1.5; }
.statechart .title { font-size: 12px; font-weight: bold; fill: #1a202c; }
.statechart .internal { font-size: 10px; fill: #4a5568; }
.statechart .transition path { fill: none; stroke: #718096; stroke-width: 1.1; }
.statechart .transition text { font-size: 10px; fill: #2d3748; paint-order: stroke; stroke: #ffffff; stroke-width: 3px; stroke-linejoin: round; }
.statechart .initial-dot { fill: #1a202c; }
.statechart .state.active > rect { stroke: #d69e2e; stroke-width: 2.5; }
.statechart .state-atomic.active > rect { fill: #f6e05e; }
`;

function nodeSvg(p: PlacedNode, regions: ReadonlySet<string>): string {
  const n = p.node;
  const root = n.parent === null;
  const classes = root ? 'machine' : `state state-${n.type}${regions.has(n.path) ? ' region' : ''}`;
  const attrs = root ? `data-machine="${escapeXml(n.key)}"` : `data-path="${escapeXml(n.path)}"`;
  const title = `<text class="title" x="${num(p.x + 8)}" y="${num(p.y + 15)}">${escapeXml(root ? `machine ${n.key}` : n.key)}${n.type === 'parallel' ? ' ∥' : ''}</text>`;
  const internal = n.children.length === 0 ? n.internal.map((e, i) => `<text class="internal" x="${num(p.x + 8)}" y="${num(p.y + TITLE_HEIGHT + 8 + i * SMALL_LINE)}">${escapeXml(e)}</text>`).join('') : '';
  const tip = n.description ? `<title>${escapeXml(n.description)}</title>` : '';
  return `<g class="${classes}" ${attrs}>${tip}<rect x="${num(p.x)}" y="${num(p.y)}" width="${num(p.width)}" height="${num(p.height)}" rx="6"/>${title}${internal}</g>`;
}

function edgeSvg(e: PlacedEdge, marker: string): string {
  const d = e.points.map((pt, i) => `${i === 0 ? 'M' : 'L'}${num(pt.x)} ${num(pt.y)}`).join(' ');
  const label = e.label ? e.labels.map((l, i) => `<text x="${num(e.label!.x + 2)}" y="${num(e.label!.y + 10 + i * SMALL_LINE)}">${escapeXml(l)}</text>`).join('') : '';
  const cls = e.id.startsWith('init:') ? 'transition initial' : 'transition';
  return `<g class="${cls}" data-source="${escapeXml(e.source)}" data-target="${escapeXml(e.target)}"><path d="${d}" marker-end="url(#${marker})"/>${label}</g>`;
}

/**
 * The SVG of a laid-out statechart.
 * @param layout - the layout (from `layoutStatechart`).
 * @param options - id prefix, standalone.
 */
export function statechartSvg(layout: StatechartLayout, options: SvgOptions = {}): string {
  const prefix = options.idPrefix ?? '';
  const marker = `${prefix}arrow-${layout.id}`;
  const parallel = new Set(layout.nodes.filter((p) => p.node.type === 'parallel').map((p) => p.node.path));
  const regions = new Set(layout.nodes.filter((p) => p.node.parent !== null && parallel.has(p.node.parent)).map((p) => p.node.path));
  const style = options.standalone === false ? '' : `<style>${STATECHART_CSS}</style>`;
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" class="statechart" data-machine="${escapeXml(layout.id)}" viewBox="-4 -4 ${layout.width + 8} ${layout.height + 8}" width="${layout.width + 8}" height="${layout.height + 8}">`,
    style,
    `<defs><marker id="${marker}" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0 0 L10 5 L0 10 z" fill="#718096"/></marker></defs>`,
    ...layout.nodes.map((p) => nodeSvg(p, regions)),
    ...layout.edges.map((e) => edgeSvg(e, marker)),
    ...layout.initials.map((i) => `<circle class="initial-dot" data-initial-of="${escapeXml(i.parent)}" cx="${num(i.x)}" cy="${num(i.y)}" r="5"/>`),
    '</svg>',
  ].join('\n');
}
