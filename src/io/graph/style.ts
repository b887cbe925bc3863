/** How each kind of node and edge looks, shared by the DOT, Mermaid and SVG writers. */
import type { PictureEdge, PictureEdgeKind, PictureNodeKind } from './picture.js';

export const COLOURS = {
  up: '#2e7d32',
  down: '#c62828',
  link: '#607d8b',
  nextHop: '#1565c0',
  hop: '#ef6c00',
  fill: '#ffffff',
  downFill: '#ffebee',
  highlightFill: '#fff8e1',
  text: '#212121',
} as const;

export interface EdgeStyle {
  readonly width: number;
  /** SVG stroke-dasharray; empty for a solid line. */
  readonly dash: string;
  readonly dot: 'solid' | 'dashed' | 'dotted' | 'bold';
  readonly legend: string;
}

export const EDGE_STYLES: Readonly<Record<PictureEdgeKind, EdgeStyle>> = {
  link: { width: 1.5, dash: '', dot: 'solid', legend: 'link (interface address)' },
  mesh: { width: 1.5, dash: '', dot: 'solid', legend: 'node-to-node mesh' },
  ibgp: { width: 2.5, dash: '', dot: 'bold', legend: 'iBGP peer (BGPPeer)' },
  'rr-client': { width: 2, dash: '7 4', dot: 'dashed', legend: 'route reflector -> client' },
  ebgp: { width: 2.5, dash: '2 4', dot: 'dotted', legend: 'eBGP' },
  'next-hop': { width: 2.5, dash: '', dot: 'bold', legend: 'next hop towards the prefix' },
  hop: { width: 3, dash: '', dot: 'bold', legend: 'packet hop' },
};

export function edgeColour(edge: PictureEdge): string {
  if (edge.kind === 'next-hop') return COLOURS.nextHop;
  if (edge.kind === 'hop') return COLOURS.hop;
  if (edge.kind === 'link') return edge.up ? COLOURS.link : COLOURS.down;
  return edge.up ? COLOURS.up : COLOURS.down;
}

export const NODE_SHAPES: Readonly<Record<PictureNodeKind, { dot: string; legend: string }>> = {
  node: { dot: 'ellipse', legend: 'Kubernetes node' },
  router: { dot: 'box', legend: 'router' },
  segment: { dot: 'note', legend: 'segment (L2 subnet)' },
  pod: { dot: 'oval', legend: 'pod' },
  external: { dot: 'octagon', legend: 'peer outside the topology' },
};
