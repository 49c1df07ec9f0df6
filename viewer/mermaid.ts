/**
 * A statechart as Mermaid `stateDiagram-v2` text, for Markdown docs and pull requests: every state
 * declared with its own key as the label and its path as the id (`active.trigger.idle` becomes
 * `active_trigger_idle`, so the two `idle` states stay apart), compound states as blocks with their
 * initial arrow, parallel regions separated by `--`, and one line per transition:
 * `source --> target : event [guard]`.
 * @packageDocumentation
 */
import type { ChartNode, Statechart } from './statechart.js';

/**
 * The Mermaid id of a state path.
 * @param path - a dotted state path.
 */
export function mermaidId(path: string): string {
  return path.replace(/[^A-Za-z0-9_]/g, '_');
}

/** Mermaid reads `;` and `#...;` specially in labels; these stand in for them. */
function label(text: string): string {
  return text.replace(/;/g, ',').replace(/#/g, '');
}

/**
 * The Mermaid text of a statechart.
 * @param chart - the graph (from `statechartOf`).
 */
export function statechartMermaid(chart: Statechart): string {
  const byPath = new Map(chart.nodes.map((n) => [n.path, n]));
  const lines = ['stateDiagram-v2', '  direction TB'];
  const block = (node: ChartNode, indent: string) => {
    const id = mermaidId(node.path);
    lines.push(`${indent}state "${node.key}" as ${id}`);
    if (node.children.length === 0) return;
    lines.push(`${indent}state ${id} {`);
    const inner = `${indent}  `;
    if (node.initial) lines.push(`${inner}[*] --> ${mermaidId(node.initial)}`);
    node.children.forEach((c, i) => {
      if (node.type === 'parallel' && i > 0) lines.push(`${inner}--`);
      block(byPath.get(c) as ChartNode, inner);
    });
    lines.push(`${indent}}`);
  };
  const root = chart.nodes.find((n) => n.parent === null) as ChartNode;
  if (root.initial) lines.push(`  [*] --> ${mermaidId(root.initial)}`);
  root.children.forEach((c, i) => {
    if (root.type === 'parallel' && i > 0) lines.push('  --');
    block(byPath.get(c) as ChartNode, '  ');
  });
  for (const e of chart.edges) for (const l of e.labels) lines.push(`  ${mermaidId(e.source)} --> ${mermaidId(e.target)} : ${label(l)}`);
  return `${lines.join('\n')}\n`;
}
