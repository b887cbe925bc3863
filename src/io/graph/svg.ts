/**
 * A picture as a standalone SVG, laid out without external programs: machines start on a circle
 * (graphology-layout) and ForceAtlas2 pulls connected ones together for a fixed number of
 * iterations, so the same picture always gives the same drawing.
 */
import { UndirectedGraph } from 'graphology';
import { circular } from 'graphology-layout';
import forceAtlas2Module from 'graphology-layout-forceatlas2';
import type { Picture, PictureEdge, PictureNode } from './picture.js';
import { COLOURS, EDGE_STYLES, edgeColour, NODE_SHAPES } from './style.js';

// The package is CommonJS (module.exports = the layout) while its types declare an ES default export.
const forceAtlas2 = forceAtlas2Module as unknown as typeof forceAtlas2Module.default;

const WIDTH = 960;
const MARGIN = 130;
const LAYOUT_ITERATIONS = 300;
const LEGEND_LINE = 18;

interface Point {
  readonly x: number;
  readonly y: number;
}

function layout(picture: Picture, height: number): Map<string, Point> {
  const graph = new UndirectedGraph();
  for (const node of picture.nodes) graph.addNode(node.id);
  for (const edge of picture.edges) if (edge.from !== edge.to) graph.mergeEdge(edge.from, edge.to);
  circular.assign(graph, { scale: 100 });
  if (graph.order > 2) forceAtlas2.assign(graph, { iterations: LAYOUT_ITERATIONS, settings: { ...forceAtlas2.inferSettings(graph), gravity: 1, scalingRatio: 20, adjustSizes: false } });
  const xs = graph.mapNodes((_n, a) => a['x'] as number);
  const ys = graph.mapNodes((_n, a) => a['y'] as number);
  const [minX, maxX, minY, maxY] = [Math.min(...xs), Math.max(...xs), Math.min(...ys), Math.max(...ys)];
  const scale = (value: number, min: number, max: number, size: number): number => (max === min ? size / 2 : MARGIN + ((value - min) / (max - min)) * (size - 2 * MARGIN));
  const points = new Map<string, Point>();
  graph.forEachNode((id, a) => points.set(id, { x: round(scale(a['x'] as number, minX, maxX, WIDTH)), y: round(scale(a['y'] as number, minY, maxY, height) + 40) }));
  return points;
}

function round(value: number): number {
  return Math.round(value * 10) / 10;
}

function escape(text: string): string {
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
  const lines = [`<text x="${at.x}" y="${at.y - (node.detail === '' ? -4 : 2)}" font-weight="bold">${escape(node.label)}</text>`];
  if (node.detail !== '') lines.push(`<text x="${at.x}" y="${at.y + 12}" font-size="9">${escape(node.detail)}</text>`);
  return `<g class="node ${node.kind}${node.down ? ' down' : ''}" data-id="${escape(node.id)}"><title>${escape(`${node.label} (${NODE_SHAPES[node.kind].legend})`)}</title>${shape(node, at)}${lines.join('')}</g>`;
}

function edgeElement(edge: PictureEdge, from: Point, to: Point, parallel: number): string {
  const style = EDGE_STYLES[edge.kind];
  const colour = edgeColour(edge);
  // Parallel edges (a trace over a link, a session and a next hop) bend apart so each stays visible.
  const mid = { x: (from.x + to.x) / 2, y: (from.y + to.y) / 2 };
  const length = Math.hypot(to.x - from.x, to.y - from.y) || 1;
  const bend = parallel * 28;
  const control = { x: round(mid.x - ((to.y - from.y) / length) * bend), y: round(mid.y + ((to.x - from.x) / length) * bend) };
  const dash = style.dash === '' ? '' : ` stroke-dasharray="${style.dash}"`;
  const marker = edge.directed ? ` marker-end="url(#arrow-${colour.slice(1)})"` : '';
  const labelAt = { x: round((mid.x + control.x) / 2), y: round((mid.y + control.y) / 2) };
  return (
    `<g class="edge ${edge.kind}${edge.up ? '' : ' down'}" data-from="${escape(edge.from)}" data-to="${escape(edge.to)}">` +
    `<path d="M${from.x},${from.y} Q${control.x},${control.y} ${to.x},${to.y}" fill="none" stroke="${colour}" stroke-width="${style.width}"${dash}${marker}/>` +
    `<text x="${labelAt.x}" y="${labelAt.y - 3}" font-size="9" fill="${colour}">${escape(edge.label)}</text></g>`
  );
}

function legend(picture: Picture, top: number): string[] {
  const kinds = [...new Set(picture.edges.map((e) => e.kind))];
  const rows = kinds.map((kind, i) => {
    const style = EDGE_STYLES[kind];
    const y = top + i * LEGEND_LINE;
    const dash = style.dash === '' ? '' : ` stroke-dasharray="${style.dash}"`;
    return `<line x1="20" y1="${y}" x2="60" y2="${y}" stroke="${COLOURS.text}" stroke-width="${style.width}"${dash}/><text x="68" y="${y + 4}" text-anchor="start">${escape(style.legend)}</text>`;
  });
  const states = picture.edges.some((e) => e.kind !== 'link' && e.kind !== 'next-hop' && e.kind !== 'hop')
    ? [`<text x="300" y="${top + 4}" text-anchor="start"><tspan fill="${COLOURS.up}">green: Established</tspan>  <tspan fill="${COLOURS.down}">red: not Established</tspan></text>`]
    : [];
  return [`<g class="legend" font-size="11">`, ...rows, ...states, '</g>'];
}

export function toSvg(picture: Picture): string {
  const legendHeight = new Set(picture.edges.map((e) => e.kind)).size * LEGEND_LINE + 20;
  const plotHeight = Math.max(420, Math.min(900, 160 + picture.nodes.length * 28));
  const height = plotHeight + 40 + legendHeight;
  const points = layout(picture, plotHeight);
  const colours = [...new Set(picture.edges.filter((e) => e.directed).map(edgeColour))];
  const seen = new Map<string, number>();
  const edges = picture.edges.map((edge) => {
    const key = [edge.from, edge.to].sort().join('\u0000');
    const parallel = seen.get(key) ?? 0;
    seen.set(key, parallel + 1);
    return edgeElement(edge, points.get(edge.from) as Point, points.get(edge.to) as Point, parallel);
  });
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" viewBox="0 0 ${WIDTH} ${height}" font-family="Helvetica, Arial, sans-serif" font-size="11" text-anchor="middle">`,
    `<title>${escape(picture.title)}</title>`,
    '<defs>',
    ...colours.map((c) => `<marker id="arrow-${c.slice(1)}" viewBox="0 0 10 10" refX="34" refY="5" markerUnits="userSpaceOnUse" markerWidth="11" markerHeight="11" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="${c}"/></marker>`),
    '</defs>',
    `<rect width="${WIDTH}" height="${height}" fill="#fafafa"/>`,
    `<text x="${WIDTH / 2}" y="24" font-size="15" font-weight="bold">${escape(picture.title)}</text>`,
    ...edges,
    ...picture.nodes.map((node) => nodeElement(node, points.get(node.id) as Point)),
    ...legend(picture, plotHeight + 60),
    '</svg>',
    '',
  ].join('\n');
}
