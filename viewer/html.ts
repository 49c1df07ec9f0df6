/**
 * The viewer page: one self-contained HTML file (inline CSS, script and SVG; no link, no font, no
 * request of any kind) showing a {@link ViewerRun}: the step controls and what happened, every
 * actor's statechart (laid out when the page was generated) with its active states, the sequence
 * diagram of the messages, and the checkpoint timeline.
 * @packageDocumentation
 */
import type { MachineChart } from './machines.js';
import { PAGE_SCRIPT } from './page-script.js';
import type { ActorMachine, ActorState, ViewerRun } from './run.js';
import { SEQUENCE_CSS, sequenceSvg } from './sequence.js';
import { activePaths } from './statechart.js';
import { STATECHART_CSS, statechartSvg } from './svg.js';
import { TIMELINE_CSS, timelineSvg } from './timeline.js';
import { escapeXml } from './xml.js';

const PAGE_CSS = `
* { box-sizing: border-box; }
body { margin: 0; font-family: system-ui, -apple-system, 'Segoe UI', sans-serif; color: #1a202c; background: #ffffff; }
header { position: sticky; top: 0; z-index: 2; background: #1a202c; color: #ffffff; padding: 10px 16px; }
header h1 { margin: 0 0 2px; font-size: 18px; }
header .subtitle { font-size: 13px; color: #cbd5e0; }
.controls { display: flex; align-items: center; gap: 8px; margin-top: 8px; }
.controls button { font-size: 14px; padding: 3px 10px; border-radius: 4px; border: 1px solid #a0aec0; background: #2d3748; color: #ffffff; cursor: pointer; }
.controls button:disabled { opacity: 0.4; cursor: default; }
#step-counter { font-family: ui-monospace, monospace; min-width: 120px; }
#step-label { font-family: ui-monospace, monospace; font-size: 13px; }
#step-notes { margin: 4px 0 0; padding-left: 20px; font-size: 13px; color: #faf089; }
#step-notes .violation { color: #feb2b2; font-weight: bold; }
.hint { font-size: 12px; color: #a0aec0; }
main { padding: 12px 16px; }
h2 { font-size: 15px; margin: 18px 0 6px; }
.scroll { overflow: auto; border: 1px solid #e2e8f0; border-radius: 4px; }
.sequence-box { max-height: 420px; }
details.actor-panel { margin: 6px 0; border: 1px solid #e2e8f0; border-radius: 4px; }
details.actor-panel > summary { cursor: pointer; padding: 5px 8px; background: #f7fafc; font-size: 13px; }
details.actor-panel .leaves { font-family: ui-monospace, monospace; color: #744210; }
.chart svg { max-width: 100%; height: auto; }
`;

/** Everything the page script needs per step: active state paths and attempts per actor. */
function stepData(run: ViewerRun) {
  const one = (label: string, notes: readonly string[], states: Readonly<Record<string, ActorState>>) => ({
    label,
    notes,
    active: Object.fromEntries(run.actors.map((a) => [a.id, states[a.id] ? activePaths(states[a.id]?.value) : []])),
    attempt: Object.fromEntries(run.actors.filter((a) => a.machine === 'task' && states[a.id]).map((a) => [a.id, states[a.id]?.attempt])),
  });
  return { steps: [one('the initial state', [], run.initial), ...run.steps.map((s) => one(s.label, s.notes, s.states))] };
}

/** JSON safe inside a `<script>` element. */
function scriptJson(value: unknown): string {
  return JSON.stringify(value).replace(/</g, '\\u003c');
}

/**
 * The viewer page of a run.
 * @param run - the run.
 * @param charts - the laid-out machines (from `machineCharts`).
 */
export function viewerHtml(run: ViewerRun, charts: Readonly<Record<ActorMachine, MachineChart>>): string {
  const panels = run.actors
    .map((a, i) => {
      const svg = statechartSvg(charts[a.machine].layout, { idPrefix: `a${i}-`, standalone: false });
      return `<details class="actor-panel" data-actor="${escapeXml(a.id)}" data-machine="${a.machine}"${i < 2 ? ' open' : ''}><summary><b>${escapeXml(a.id)}</b> <span class="attempt"></span>: <span class="leaves"></span></summary><div class="chart scroll">${svg}</div></details>`;
    })
    .join('\n');
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:">
<title>${escapeXml(`snapwright: ${run.title}`)}</title>
<style>${PAGE_CSS}${STATECHART_CSS}${SEQUENCE_CSS}${TIMELINE_CSS}</style>
</head>
<body data-step="0">
<header>
<h1>${escapeXml(run.title)}</h1>
<div class="subtitle">${escapeXml(run.subtitle)}</div>
<div class="controls">
<button id="first" title="first step (Home)">first</button>
<button id="prev" title="previous step (←)">◀ prev</button>
<span id="step-counter"></span>
<button id="next" title="next step (→)">next ▶</button>
<button id="last" title="last step (End)">last</button>
<span id="step-label"></span>
</div>
<ul id="step-notes"></ul>
<div class="hint">keys: ← → (or k j) step, Home End first and last; click a row of the sequence diagram to jump to it</div>
</header>
<main>
<h2>Checkpoints</h2>
<div class="scroll">${timelineSvg(run)}</div>
<h2>Messages</h2>
<div class="scroll sequence-box">${sequenceSvg(run)}</div>
<h2>Statecharts</h2>
${panels}
</main>
<script type="application/json" id="viewer-data">${scriptJson(stepData(run))}</script>
<script>${PAGE_SCRIPT}</script>
</body>
</html>
`;
}
