/**
 * Lays a {@link Statechart} out with ELK (elkjs, layered, hierarchy included), in Node, when a
 * diagram or a viewer page is generated: the output carries absolute coordinates, so what draws it
 * needs no layout library. Compound and parallel states contain their children; each compound
 * state's initial child is marked by an initial pseudo-state and its arrow.
 *
 * Text is sized for the monospace font the SVG uses (0.6 em per character).
 * @packageDocumentation
 */
import { createRequire } from 'node:module';
import type { ELK as ElkApi, ElkExtendedEdge, ElkNode } from 'elkjs/lib/elk-api.js';
import type { ChartNode, Statechart } from './statechart.js';

/** A state with its box. */
export interface PlacedNode {
  /** The state. */
  readonly node: ChartNode;
  /** Left edge. */
  readonly x: number;
  /** Top edge. */
  readonly y: number;
  /** Width. */
  readonly width: number;
  /** Height. */
  readonly height: number;
}

/** A point. */
export interface Point {
  /** Horizontal. */
  readonly x: number;
  /** Vertical. */
  readonly y: number;
}

/** An edge with its route and label box. */
export interface PlacedEdge {
  /** The edge's id (`init:<path>` for an initial arrow). */
  readonly id: string;
  /** Source state path (the parent's path for an initial arrow). */
  readonly source: string;
  /** Target state path. */
  readonly target: string;
  /** The label lines (none for an initial arrow). */
  readonly labels: readonly string[];
  /** The route, start to end. */
  readonly points: readonly Point[];
  /** Where the label goes (top-left), or null. */
  readonly label: Point | null;
}

/** An initial pseudo-state: a dot. */
export interface PlacedInitial {
  /** The compound state it belongs to. */
  readonly parent: string;
  /** Centre. */
  readonly x: number;
  /** Centre. */
  readonly y: number;
}

/** A laid-out statechart. */
export interface StatechartLayout {
  /** The machine's id. */
  readonly id: string;
  /** Total width. */
  readonly width: number;
  /** Total height. */
  readonly height: number;
  /** Every state, parents before children. */
  readonly nodes: readonly PlacedNode[];
  /** Every edge, initial arrows included. */
  readonly edges: readonly PlacedEdge[];
  /** The initial pseudo-states. */
  readonly initials: readonly PlacedInitial[];
}

/** Width of a character of the title font (12 px monospace). */
export const TITLE_CHAR = 7.3;
/** Width of a character of the small font (10 px monospace). */
export const SMALL_CHAR = 6.1;
/** Line height of the small font. */
export const SMALL_LINE = 12;
/** Height of a state's title line. */
export const TITLE_HEIGHT = 22;
const INITIAL_SIZE = 10;

/** elkjs is CommonJS: its `module.exports` is the constructor (what an ESM default import gives differs by loader). */
const ELK = createRequire(import.meta.url)('elkjs/lib/elk.bundled.js') as new () => ElkApi;

const nodeId = (path: string) => `n:${path}`;
const initialId = (path: string) => `i:${path}`;

function atomicSize(node: ChartNode): { width: number; height: number } {
  const width = Math.max(node.key.length * TITLE_CHAR, ...node.internal.map((e) => e.length * SMALL_CHAR)) + 20;
  return { width: Math.ceil(width), height: TITLE_HEIGHT + 6 + node.internal.length * SMALL_LINE };
}

/** The deepest state containing both (the container ELK wants a hierarchical edge in). */
function commonAncestor(chart: Map<string, ChartNode>, a: string, b: string): string {
  const up = (p: string): string[] => {
    const out: string[] = [];
    for (let n: ChartNode | undefined = chart.get(p); n; n = n.parent === null ? undefined : chart.get(n.parent)) out.push(n.path);
    return out;
  };
  const ancestorsOfB = new Set(up(b));
  // A self-loop or an edge to a descendant lives in the source's parent.
  for (const p of up(a).slice(1)) if (ancestorsOfB.has(p) && p !== b) return p;
  return '';
}

/**
 * Lays out a statechart.
 * @param chart - the graph.
 */
export async function layoutStatechart(chart: Statechart): Promise<StatechartLayout> {
  const byPath = new Map(chart.nodes.map((n) => [n.path, n]));
  const elkNodes = new Map<string, ElkNode>();
  const edgesIn = new Map<string, ElkExtendedEdge[]>();
  const edgeList = (container: string) => {
    let list = edgesIn.get(container);
    if (!list) edgesIn.set(container, (list = []));
    return list;
  };
  for (const node of chart.nodes) {
    const leaf = node.children.length === 0;
    const elk: ElkNode = {
      id: nodeId(node.path),
      ...(leaf ? atomicSize(node) : {}),
      layoutOptions: leaf
        ? {}
        : {
            'elk.padding': `[top=${TITLE_HEIGHT + 8},left=12,bottom=12,right=12]`,
            'elk.nodeSize.constraints': 'MINIMUM_SIZE',
            'elk.nodeSize.minimum': `(${Math.ceil(node.key.length * TITLE_CHAR + 24)}, 40)`,
          },
      children: [],
    };
    elkNodes.set(node.path, elk);
    if (node.parent !== null) elkNodes.get(node.parent)?.children?.push(elk);
    if (node.initial) {
      elk.children?.push({ id: initialId(node.path), width: INITIAL_SIZE, height: INITIAL_SIZE });
      edgeList(node.path).push({ id: `init:${node.path}`, sources: [initialId(node.path)], targets: [nodeId(node.initial)] });
    }
  }
  for (const e of chart.edges) {
    const width = Math.ceil(Math.max(...e.labels.map((l) => l.length)) * SMALL_CHAR + 4);
    edgeList(commonAncestor(byPath, e.source, e.target)).push({
      id: e.id,
      sources: [nodeId(e.source)],
      targets: [nodeId(e.target)],
      labels: [{ text: e.labels.join('\n'), width, height: e.labels.length * SMALL_LINE + 2 }],
    });
  }
  for (const [container, list] of edgesIn) {
    const n = elkNodes.get(container);
    if (n) n.edges = list;
  }
  const root = elkNodes.get('') as ElkNode;
  root.layoutOptions = {
    ...root.layoutOptions,
    'elk.algorithm': 'layered',
    'elk.direction': 'DOWN',
    'elk.hierarchyHandling': 'INCLUDE_CHILDREN',
    'elk.edgeRouting': 'POLYLINE',
    'elk.layered.spacing.nodeNodeBetweenLayers': '36',
    'elk.spacing.nodeNode': '24',
    'elk.spacing.edgeLabel': '4',
    'elk.edgeLabels.inline': 'false',
    'elk.json.shapeCoords': 'ROOT',
    'elk.json.edgeCoords': 'ROOT',
  };
  const elk = new ELK();
  const laid = await elk.layout(root);
  const placed = new Map<string, ElkNode>();
  const collect = (n: ElkNode) => {
    placed.set(n.id, n);
    n.children?.forEach(collect);
  };
  collect(laid);
  const edges: PlacedEdge[] = [];
  const walkEdges = (n: ElkNode) => {
    for (const e of n.edges ?? []) {
      const s = e.sections?.[0];
      if (!s) continue;
      const points = [s.startPoint, ...(s.bendPoints ?? []), s.endPoint].map((p) => ({ x: p.x, y: p.y }));
      const isInit = e.id.startsWith('init:');
      const label = e.labels?.[0];
      const source = isInit ? e.id.slice('init:'.length) : (chart.edges.find((c) => c.id === e.id)?.source ?? '');
      const target = isInit ? (byPath.get(source)?.initial ?? '') : (chart.edges.find((c) => c.id === e.id)?.target ?? '');
      edges.push({
        id: e.id,
        source,
        target,
        labels: isInit ? [] : (chart.edges.find((c) => c.id === e.id)?.labels ?? []),
        points,
        label: label && label.x !== undefined && label.y !== undefined ? { x: label.x, y: label.y } : null,
      });
    }
    n.children?.forEach(walkEdges);
  };
  walkEdges(laid);
  const nodes = chart.nodes.map((node): PlacedNode => {
    const n = placed.get(nodeId(node.path)) as ElkNode;
    return { node, x: n.x ?? 0, y: n.y ?? 0, width: n.width ?? 0, height: n.height ?? 0 };
  });
  const initials = chart.nodes
    .filter((n) => n.initial)
    .map((n): PlacedInitial => {
      const p = placed.get(initialId(n.path)) as ElkNode;
      return { parent: n.path, x: (p.x ?? 0) + INITIAL_SIZE / 2, y: (p.y ?? 0) + INITIAL_SIZE / 2 };
    });
  return { id: chart.id, width: Math.ceil(laid.width ?? 0), height: Math.ceil(laid.height ?? 0), nodes, edges, initials };
}
