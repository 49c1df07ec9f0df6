/**
 * The checkpoint timeline of a run, as SVG: steps run left to right, one row per checkpoint, a bar
 * from the step that created it to the step that completed or aborted it (open to the end while
 * still pending), green for completed, red for aborted, grey for still pending, with a diamond
 * where the store wrote it. The viewer moves the cursor (`.timeline-cursor`) to the current step;
 * the SVG carries where step 0 lies and how wide a step is (`data-x0`, `data-step-width`).
 * @packageDocumentation
 */
import type { CheckpointMark, ViewerRun } from './run.js';
import { escapeXml, num } from './xml.js';

const LEFT = 60;
const ROW = 22;
const TOP = 20;

/** The style of the timeline. */
export const TIMELINE_CSS = `
.timeline { font-family: ui-monospace, 'DejaVu Sans Mono', Menlo, Consolas, monospace; font-size: 10px; }
.timeline .axis { stroke: #a0aec0; }
.timeline .bar { height: 12px; }
.timeline .checkpoint.completed .bar { fill: #48bb78; }
.timeline .checkpoint.aborted .bar { fill: #f56565; }
.timeline .checkpoint.pending .bar { fill: #a0aec0; }
.timeline .stored { fill: #2c5282; }
.timeline .timeline-cursor { stroke: #d69e2e; stroke-width: 2; }
.timeline text { fill: #2d3748; }
`;

/** One checkpoint's life. */
interface Life {
  readonly id: number;
  readonly start: number;
  readonly end: number | null;
  readonly outcome: 'completed' | 'aborted' | 'pending';
  readonly detail: string;
  readonly stored: number | null;
}

function lives(marks: readonly CheckpointMark[]): Life[] {
  const byId = new Map<number, { start: number; end: number | null; outcome: Life['outcome']; detail: string; stored: number | null }>();
  for (const m of marks) {
    const l = byId.get(m.checkpointId) ?? { start: m.step, end: null, outcome: 'pending' as Life['outcome'], detail: '', stored: null };
    byId.set(m.checkpointId, l);
    if (m.kind === 'pending') l.detail = m.detail;
    else if (m.kind === 'stored') l.stored = m.step;
    else if (l.end === null) {
      l.end = m.step;
      l.outcome = m.kind;
      if (m.detail) l.detail = m.detail;
    }
  }
  return [...byId].sort((a, b) => a[0] - b[0]).map(([id, l]) => ({ id, ...l }));
}

/**
 * The checkpoint timeline of a run.
 * @param run - the run.
 * @param width - the drawing's width in pixels.
 */
export function timelineSvg(run: ViewerRun, width = 900): string {
  const steps = run.steps.length;
  const stepWidth = Math.max(2, (width - LEFT - 20) / Math.max(1, steps));
  const x = (step: number) => LEFT + step * stepWidth;
  const all = lives(run.checkpoints);
  const height = TOP + Math.max(1, all.length) * ROW + 24;
  const rows = all.map((l, i) => {
    const y = TOP + i * ROW;
    const end = l.end ?? steps;
    const w = Math.max(3, x(end) - x(l.start));
    const stored = l.stored === null ? '' : `<path class="stored" d="M${num(x(l.stored))} ${y} l5 6 l-5 6 l-5 -6 z"/>`;
    const what = `checkpoint ${l.id}${l.detail ? ` (${l.detail})` : ''}: created at step ${l.start}, ${l.outcome === 'pending' ? 'still pending' : `${l.outcome} at step ${l.end}`}`;
    return `<g class="checkpoint ${l.outcome}" data-checkpoint="${l.id}" data-start="${l.start}" data-end="${l.end ?? ''}"><title>${escapeXml(what)}</title><text x="4" y="${y + 10}">#${l.id}</text><rect class="bar" x="${num(x(l.start))}" y="${y}" width="${num(w)}" height="12" rx="3"/>${stored}</g>`;
  });
  const empty = all.length === 0 ? `<text x="${LEFT}" y="${TOP + 10}">no checkpoint was created in this run</text>` : '';
  const axisY = height - 18;
  const ticks: string[] = [];
  const every = Math.max(1, Math.ceil(steps / 20));
  for (let s = 0; s <= steps; s += every) ticks.push(`<text x="${num(x(s))}" y="${axisY + 12}" text-anchor="middle">${s}</text>`);
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" class="timeline" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" data-x0="${LEFT}" data-step-width="${num(stepWidth)}">`,
    `<line class="axis" x1="${LEFT}" y1="${axisY}" x2="${num(x(steps))}" y2="${axisY}"/>`,
    ...ticks,
    ...rows,
    empty,
    `<line class="timeline-cursor" x1="${LEFT}" y1="4" x2="${LEFT}" y2="${axisY}"/>`,
    '</svg>',
  ].join('\n');
}
