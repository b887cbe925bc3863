/**
 * A picture as a standalone SVG, laid out without external programs: machines start on a circle
 * (graphology-layout) and ForceAtlas2 pulls connected ones together for a fixed number of
 * iterations, so the same picture always gives the same drawing.
 */
import { UndirectedGraph } from 'graphology';
import { circular } from 'graphology-layout';
import forceAtlas2Module from 'graphology-layout-forceatlas2';
import noverlapModule from 'graphology-layout-noverlap';
import type { Picture, PictureEdge, PictureNode } from './picture.js';
import { COLOURS, EDGE_STYLES, edgeColour, NODE_SHAPES } from './style.js';

// The package is CommonJS (module.exports = the layout) while its types declare an ES default export.
const forceAtlas2 = forceAtlas2Module as unknown as typeof forceAtlas2Module.default;
const noverlap = noverlapModule as unknown as typeof noverlapModule.default;

const MIN_WIDTH = 960;
const MIN_PLOT_HEIGHT = 360;
const MAX_PLOT_HEIGHT = 700;
const TITLE_HEIGHT = 40;
const MARGIN = 110;
const NODE_HALF_HEIGHT = 21;
const LAYOUT_ITERATIONS = 300;
const LEGEND_LINE = 18;

interface Point {
  readonly x: number;
  readonly y: number;
}

interface Layout {
  readonly points: Map<string, Point>;
  readonly width: number;
  readonly height: number;
}

/**
 * ForceAtlas2 places the nodes; the result is scaled to the frame's width (one scale for both
 * axes, so proportions hold), then Noverlap pushes apart nodes whose boxes would touch.
 */
function layout(picture: Picture): Layout {
  const graph = new UndirectedGraph();
  for (const node of picture.nodes) graph.addNode(node.id, { size: halfWidth(node) + 6 });
  for (const edge of picture.edges) if (edge.from !== edge.to) graph.mergeEdge(edge.from, edge.to);
  circular.assign(graph, { scale: 100 });
  if (graph.order > 2)
    forceAtlas2.assign(graph, {
      iterations: LAYOUT_ITERATIONS,
      settings: { ...forceAtlas2.inferSettings(graph), gravity: 1, scalingRatio: 20 },
    });
  const fit = bounds(graph);
  const scale = Math.min(
    (MIN_WIDTH - 2 * MARGIN) / (fit.maxX - fit.minX || 1),
    MAX_PLOT_HEIGHT / (fit.maxY - fit.minY || 1),
  );
  graph.updateEachNodeAttributes((_id, a) => ({
    ...a,
    x: ((a['x'] as number) - fit.minX) * scale,
    y: ((a['y'] as number) - fit.minY) * scale,
  }));
  noverlap.assign(graph, { maxIterations: 200, settings: { margin: 6, ratio: 1, expansion: 1.05 } });
  const placed = bounds(graph);
  const width = Math.max(MIN_WIDTH, Math.ceil(placed.maxX - placed.minX + 2 * MARGIN));
  const height = Math.max(MIN_PLOT_HEIGHT, Math.ceil(placed.maxY - placed.minY + 2 * MARGIN));
  const offsetX = (width - (placed.maxX - placed.minX)) / 2 - placed.minX;
  const offsetY = (height - (placed.maxY - placed.minY)) / 2 - placed.minY + TITLE_HEIGHT;
  const points = new Map<string, Point>();
  graph.forEachNode((id, a) =>
    points.set(id, { x: round((a['x'] as number) + offsetX), y: round((a['y'] as number) + offsetY) }),
  );
  return { points, width, height: height + TITLE_HEIGHT };
}

function bounds(graph: UndirectedGraph): { minX: number; maxX: number; minY: number; maxY: number } {
  const xs = graph.mapNodes((_n, a) => a['x'] as number);
  const ys = graph.mapNodes((_n, a) => a['y'] as number);
  return { minX: Math.min(...xs), maxX: Math.max(...xs), minY: Math.min(...ys), maxY: Math.max(...ys) };
}

function round(value: number): number {
  return Math.round(value * 10) / 10;
}

function escapeXml(text: string): string {
  return text.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;').replaceAll('"', '&quot;');
}

/** Half the width a node needs for its text: bold label at about 7 px a character, detail at 5.2. */
function halfWidth(node: PictureNode): number {
  return Math.ceil(Math.max(node.label.length * 7, node.detail.length * 5.2, 60) / 2) + 10;
}

function shape(node: PictureNode, at: Point): string {
  const fill = node.down ? COLOURS.downFill : node.highlight ? COLOURS.highlightFill : COLOURS.fill;
  const stroke = node.down ? COLOURS.down : COLOURS.text;
  const common = `fill="${fill}" stroke="${stroke}" stroke-width="${node.highlight ? 2.5 : 1.2}"`;
  const w = halfWidth(node);
  switch (node.kind) {
    case 'router':
      return `<rect x="${at.x - w}" y="${at.y - 20}" width="${2 * w}" height="40" rx="3" ${common}/>`;
    case 'segment':
      return `<rect x="${at.x - w}" y="${at.y - 16}" width="${2 * w}" height="32" rx="14" ${common} stroke-dasharray="3 2"/>`;
    case 'pod':
      return `<rect x="${at.x - w}" y="${at.y - 20}" width="${2 * w}" height="40" rx="20" ${common}/>`;
    case 'external':
      return `<polygon points="${[-w, -18, w, -18, w + 10, 0, w, 18, -w, 18, -w - 10, 0].map((v, i) => (i % 2 === 0 ? at.x + v : at.y + v)).join(' ')}" ${common}/>`;
    case 'node':
      return `<ellipse cx="${at.x}" cy="${at.y}" rx="${w + 8}" ry="22" ${common}/>`;
  }
}

function nodeElement(node: PictureNode, at: Point): string {
  const lines = [
    `<text x="${at.x}" y="${at.y - (node.detail === '' ? -4 : 2)}" font-weight="bold">${escapeXml(node.label)}</text>`,
  ];
  if (node.detail !== '')
    lines.push(`<text x="${at.x}" y="${at.y + 12}" font-size="9">${escapeXml(node.detail)}</text>`);
  // Where a trace ended badly: a red cross on the node, and what happened under it.
  if (node.note !== undefined)
    lines.push(
      `<text class="note" x="${at.x}" y="${at.y + NODE_HALF_HEIGHT + 14}" font-size="10" font-weight="bold" fill="${COLOURS.down}" paint-order="stroke" stroke="#fafafa" stroke-width="3">✕ ${escapeXml(node.note)}</text>`,
    );
  return `<g class="node ${node.kind}${node.down ? ' down' : ''}" data-id="${escapeXml(node.id)}"><title>${escapeXml(`${node.label} (${NODE_SHAPES[node.kind].legend})`)}</title>${shape(node, at)}${lines.join('')}</g>`;
}

/** Where a line from `from` towards the centre of a node box of half-width w first meets the box. */
function clipToBox(from: Point, to: Point, halfWidth: number): Point {
  const dx = to.x - from.x;
  const dy = to.y - from.y;
  const t = Math.min(
    Math.abs(dx) > 0 ? halfWidth / Math.abs(dx) : Infinity,
    Math.abs(dy) > 0 ? NODE_HALF_HEIGHT / Math.abs(dy) : Infinity,
    1,
  );
  return { x: round(to.x - dx * t), y: round(to.y - dy * t) };
}

/** An edge label's place and size: placed after all edges are known, so labels can avoid each other. */
interface EdgeLabel {
  readonly from: string;
  readonly to: string;
  readonly text: string;
  readonly colour: string;
  readonly hop: boolean;
  x: number;
  y: number;
  /** The unit normal of the edge there: labels move along it, away from their own line. */
  readonly nx: number;
  readonly ny: number;
}

const LABEL_SIZE = 10;
const LABEL_CHAR = 5.8;
const LABEL_HEIGHT = 13;
const BADGE_RADIUS = 9;

/** The box a label covers (a hop's number badge and the text after it). */
export function labelBox(label: { text: string; hop: boolean; x: number; y: number }): {
  x0: number;
  y0: number;
  x1: number;
  y1: number;
} {
  const width = label.text.length * LABEL_CHAR + (label.hop ? BADGE_RADIUS : 0);
  return {
    x0: label.x - width / 2 - 2,
    y0: label.y - LABEL_HEIGHT / 2,
    x1: label.x + width / 2 + 2,
    y1: label.y + LABEL_HEIGHT / 2,
  };
}

function overlaps(a: ReturnType<typeof labelBox>, b: ReturnType<typeof labelBox>): boolean {
  return a.x0 < b.x1 && b.x0 < a.x1 && a.y0 < b.y1 && b.y0 < a.y1;
}

/**
 * Labels start just off their own line (along its normal) and are pushed further out, one way
 * then the other, until none overlaps a label already placed: crossing edges no longer print
 * "EstablishedEstablished".
 */
function placeLabels(labels: EdgeLabel[]): void {
  const placed: ReturnType<typeof labelBox>[] = [];
  for (const label of labels) {
    const start = { x: label.x, y: label.y };
    // Far enough along the normal that the whole box clears its own line.
    const box = labelBox(label);
    const clear = (Math.abs(label.nx) * (box.x1 - box.x0)) / 2 + (Math.abs(label.ny) * LABEL_HEIGHT) / 2 + 3;
    for (let attempt = 0; attempt < 16; attempt++) {
      const distance = clear + Math.ceil(attempt / 2) * 11;
      const side = attempt % 2 === 0 ? 1 : -1;
      label.x = round(start.x + label.nx * distance * side);
      label.y = round(start.y + label.ny * distance * side);
      if (!placed.some((box) => overlaps(box, labelBox(label)))) break;
    }
    placed.push(labelBox(label));
  }
}

function labelElement(label: EdgeLabel): string {
  const halo = `paint-order="stroke" stroke="#fafafa" stroke-width="3" stroke-linejoin="round"`;
  const of = `data-from="${escapeXml(label.from)}" data-to="${escapeXml(label.to)}"`;
  if (!label.hop)
    return `<g class="label" ${of}><text x="${label.x}" y="${label.y + 3.5}" font-size="${LABEL_SIZE}" fill="${label.colour}" ${halo}>${escapeXml(label.text)}</text></g>`;
  // A hop: its number in a badge that reads on any line, then what the hop carried (a tunnel).
  const [number, ...rest] = label.text.split(' ');
  const box = labelBox(label);
  const cx = round(box.x0 + 2 + BADGE_RADIUS);
  const badge = `<circle cx="${cx}" cy="${label.y}" r="${BADGE_RADIUS}" fill="#ffffff" stroke="${label.colour}" stroke-width="2"/><text x="${cx}" y="${label.y + 3.5}" font-size="${LABEL_SIZE}" font-weight="bold" fill="${COLOURS.text}">${escapeXml(number ?? '')}</text>`;
  const more =
    rest.length === 0
      ? ''
      : `<text x="${round(cx + BADGE_RADIUS + 3)}" y="${label.y + 3.5}" font-size="${LABEL_SIZE}" text-anchor="start" fill="${COLOURS.text}" ${halo}>${escapeXml(rest.join(' '))}</text>`;
  return `<g class="label hop" ${of}>${badge}${more}</g>`;
}

function edgeElement(
  edge: PictureEdge,
  from: Point,
  target: Point,
  targetHalfWidth: number,
  parallel: number,
): { path: string; label: EdgeLabel } {
  const style = EDGE_STYLES[edge.kind];
  const colour = edgeColour(edge);
  // Parallel edges (a trace over a link, a session and a next hop) bend apart so each stays visible.
  const to = target;
  const mid = { x: (from.x + to.x) / 2, y: (from.y + to.y) / 2 };
  const length = Math.hypot(to.x - from.x, to.y - from.y) || 1;
  const bend = parallel * 28;
  const control = {
    x: round(mid.x - ((to.y - from.y) / length) * bend),
    y: round(mid.y + ((to.x - from.x) / length) * bend),
  };
  // An arrow ends on the target's outline, where its head can be seen.
  const end = edge.directed ? clipToBox(control, to, targetHalfWidth) : to;
  const dash = style.dash === '' ? '' : ` stroke-dasharray="${style.dash}"`;
  const marker = edge.directed ? ` marker-end="url(#arrow-${colour.slice(1)})"` : '';
  const labelAt = { x: round((mid.x + control.x) / 2), y: round((mid.y + control.y) / 2) };
  const path =
    `<g class="edge ${edge.kind}${edge.up ? '' : ' down'}" data-from="${escapeXml(edge.from)}" data-to="${escapeXml(edge.to)}">` +
    `<path d="M${from.x},${from.y} Q${control.x},${control.y} ${end.x},${end.y}" fill="none" stroke="${colour}" stroke-width="${style.width}"${dash}${marker}/></g>`;
  const normal = { x: -(to.y - from.y) / length, y: (to.x - from.x) / length };
  const label: EdgeLabel = {
    from: edge.from,
    to: edge.to,
    text: edge.label,
    colour,
    hop: edge.kind === 'hop',
    x: labelAt.x,
    y: labelAt.y,
    nx: normal.x,
    ny: normal.y,
  };
  return { path, label };
}

function legend(picture: Picture, top: number): string[] {
  const kinds = [...new Set(picture.edges.map((e) => e.kind))];
  const rows = kinds.map((kind, i) => {
    const style = EDGE_STYLES[kind];
    const y = top + i * LEGEND_LINE;
    const dash = style.dash === '' ? '' : ` stroke-dasharray="${style.dash}"`;
    return `<line x1="20" y1="${y}" x2="60" y2="${y}" stroke="${COLOURS.text}" stroke-width="${style.width}"${dash}/><text x="68" y="${y + 4}" text-anchor="start">${escapeXml(style.legend)}</text>`;
  });
  const states = picture.edges.some((e) => e.kind !== 'link' && e.kind !== 'next-hop' && e.kind !== 'hop')
    ? [
        `<text x="300" y="${top + 4}" text-anchor="start"><tspan fill="${COLOURS.up}">green: Established</tspan><tspan dx="14" fill="${COLOURS.down}">red: not Established</tspan></text>`,
      ]
    : [];
  const fills = [
    ...(picture.nodes.some((n) => n.down)
      ? [[COLOURS.downFill, COLOURS.down, 'stopped machine (or peer outside the topology)']]
      : []),
    ...(picture.nodes.some((n) => n.highlight)
      ? [[COLOURS.highlightFill, COLOURS.text, "highlighted: the prefix's origin, a trace's ends"]]
      : []),
  ].map(([fill, stroke, text], i) => {
    const y = top + 22 + i * LEGEND_LINE;
    return `<rect x="300" y="${y - 7}" width="24" height="14" rx="3" fill="${fill}" stroke="${stroke}"/><text x="332" y="${y + 4}" text-anchor="start">${escapeXml(text as string)}</text>`;
  });
  return [`<g class="legend" font-size="11">`, ...rows, ...states, ...fills, '</g>'];
}

export function toSvg(picture: Picture): string {
  const legendHeight = Math.max(new Set(picture.edges.map((e) => e.kind)).size, 3) * LEGEND_LINE + 20;
  const { points, width, height: plotHeight } = layout(picture);
  const height = plotHeight + legendHeight;
  const colours = [...new Set(picture.edges.filter((e) => e.directed).map(edgeColour))];
  const seen = new Map<string, number>();
  const drawn = picture.edges.map((edge) => {
    const key = [edge.from, edge.to].sort().join('\u0000');
    const parallel = seen.get(key) ?? 0;
    seen.set(key, parallel + 1);
    const target = picture.nodes.find((n) => n.id === edge.to) as PictureNode;
    return edgeElement(
      edge,
      points.get(edge.from) as Point,
      points.get(edge.to) as Point,
      halfWidth(target) + (target.kind === 'node' ? 8 : 0),
      parallel,
    );
  });
  const labels = drawn.map((d) => d.label).filter((l) => l.text !== '');
  placeLabels(labels);
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="Helvetica, Arial, sans-serif" font-size="11" text-anchor="middle">`,
    `<title>${escapeXml(picture.title)}</title>`,
    '<defs>',
    ...colours.map(
      (c) =>
        `<marker id="arrow-${c.slice(1)}" viewBox="0 0 10 10" refX="10" refY="5" markerUnits="userSpaceOnUse" markerWidth="11" markerHeight="11" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="${c}"/></marker>`,
    ),
    '</defs>',
    `<rect width="${width}" height="${height}" fill="#fafafa"/>`,
    `<text x="${width / 2}" y="24" font-size="15" font-weight="bold">${escapeXml(picture.title)}</text>`,
    ...drawn.map((d) => d.path),
    ...picture.nodes.map((node) => nodeElement(node, points.get(node.id) as Point)),
    ...labels.map(labelElement),
    ...legend(picture, plotHeight + 10),
    '</svg>',
    '',
  ].join('\n');
}
