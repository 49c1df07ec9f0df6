/**
 * The sequence diagram of a run, as SVG: one lifeline per actor (the coordinator first), one row
 * per step. A control message is a solid arrow from sender to receiver, an in-band event between
 * tasks a dashed one; a message the network lost ends halfway in a cross (`data-mark="dropped"`),
 * one it duplicated (delivered and kept) is marked `duplicate`; timers, crashes and commits are
 * notes on their actor's lifeline. Each row is `<g class="seq-step" data-step="N">`, so the viewer
 * can highlight the current one.
 * @packageDocumentation
 */
import type { ViewerRun, ViewerStep } from './run.js';
import { escapeXml, num } from './xml.js';

const LANE = 150;
const ROW = 24;
const HEAD = 36;
const GUTTER = 44;
const CHAR = 6.1;

/** The style of the sequence diagram. */
export const SEQUENCE_CSS = `
.sequence { font-family: ui-monospace, 'DejaVu Sans Mono', Menlo, Consolas, monospace; font-size: 10px; }
.sequence .lane-head rect { fill: #2d3748; }
.sequence .lane-head text { fill: #ffffff; font-size: 11px; font-weight: bold; }
.sequence .lifeline { stroke: #cbd5e0; stroke-dasharray: 3 3; }
.sequence .seq-step > rect.row { fill: transparent; }
.sequence .seq-step.current > rect.row { fill: #fefcbf; }
.sequence .seq-step.fault .num { fill: #c53030; font-weight: bold; }
.sequence .num { fill: #718096; }
.sequence .msg line { stroke: #2b6cb0; stroke-width: 1.3; }
.sequence .msg text { fill: #1a365d; }
.sequence .msg.data line { stroke: #38a169; stroke-dasharray: 5 3; }
.sequence .msg.data text { fill: #22543d; }
.sequence .msg.dropped line { stroke: #c53030; stroke-dasharray: 4 3; }
.sequence .msg.dropped text, .sequence .msg.dropped .cross { fill: #c53030; stroke: #c53030; }
.sequence .msg.duplicated line { stroke: #dd6b20; stroke-width: 2.2; }
.sequence .msg.duplicated text { fill: #9c4221; font-weight: bold; }
.sequence .note rect { fill: #e9d8fd; stroke: #6b46c1; }
.sequence .note text { fill: #44337a; }
`;

function rowSvg(step: ViewerStep, index: number, x: Map<string, number>, width: number): string {
  const y = HEAD + (index - 1) * ROW + 8;
  const mid = y + ROW / 2;
  const m = step.message;
  let body = '';
  if (m && m.kind === 'note') {
    const cx = x.get(m.from) ?? GUTTER;
    const w = Math.min(LANE - 8, m.text.length * CHAR + 10);
    body = `<g class="note"><rect x="${num(cx - w / 2)}" y="${num(y + 3)}" width="${num(w)}" height="${ROW - 6}" rx="3"/><text x="${num(cx)}" y="${num(mid + 3)}" text-anchor="middle">${escapeXml(m.text)}</text></g>`;
  } else if (m) {
    const x1 = x.get(m.from) ?? GUTTER;
    const x2full = x.get(m.to) ?? GUTTER;
    const x2 = m.mark === 'dropped' ? (x1 + x2full) / 2 : x2full;
    const dir = Math.sign(x2full - x1) || 1;
    const head = `${num(x2)},${num(mid)} ${num(x2 - 7 * dir)},${num(mid - 4)} ${num(x2 - 7 * dir)},${num(mid + 4)}`;
    const tag = m.mark === 'dropped' ? ' LOST' : m.mark === 'duplicated' ? ' (duplicate: stays in the network)' : '';
    const end =
      m.mark === 'dropped'
        ? `<path class="cross" d="M${num(x2 - 5)} ${num(mid - 5)} L${num(x2 + 5)} ${num(mid + 5)} M${num(x2 - 5)} ${num(mid + 5)} L${num(x2 + 5)} ${num(mid - 5)}" stroke-width="2"/>`
        : `<polygon points="${head}" class="arrowhead"/>`;
    const tx = Math.min(x1, x2) + 4;
    body = `<g class="msg ${m.kind} ${m.mark}" data-mark="${m.mark}" data-from="${escapeXml(m.from)}" data-to="${escapeXml(m.to)}"><line x1="${num(x1)}" y1="${num(mid)}" x2="${num(x2)}" y2="${num(mid)}"/>${end}<text x="${num(tx)}" y="${num(mid - 4)}">${escapeXml(m.text + tag)}</text></g>`;
  }
  return `<g class="seq-step${step.fault ? ' fault' : ''}" data-step="${index}"><rect class="row" x="0" y="${num(y)}" width="${num(width)}" height="${ROW}"/><text class="num" x="6" y="${num(mid + 3)}">${index}</text>${body}<title>${escapeXml(step.label)}</title></g>`;
}

/**
 * The sequence diagram of a run.
 * @param run - the run.
 */
export function sequenceSvg(run: ViewerRun): string {
  const x = new Map(run.actors.map((a, i) => [a.id, GUTTER + LANE / 2 + i * LANE]));
  const width = GUTTER + run.actors.length * LANE;
  const height = HEAD + run.steps.length * ROW + 16;
  const heads = run.actors
    .map((a) => {
      const cx = x.get(a.id) as number;
      return `<g class="lane-head" data-actor="${escapeXml(a.id)}"><rect x="${num(cx - LANE / 2 + 6)}" y="4" width="${LANE - 12}" height="22" rx="4"/><text x="${num(cx)}" y="19" text-anchor="middle">${escapeXml(a.id)}</text></g><line class="lifeline" x1="${num(cx)}" y1="26" x2="${num(cx)}" y2="${height}"/>`;
    })
    .join('');
  const rows = run.steps.map((s, i) => rowSvg(s, i + 1, x, width)).join('\n');
  return `<svg xmlns="http://www.w3.org/2000/svg" class="sequence" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}">${heads}\n${rows}</svg>`;
}
