/** Mermaid flowcharts for a picture, for slides and Markdown (GitHub renders them). */
import type { Picture, PictureEdge, PictureNode } from './picture.js';
import { COLOURS, EDGE_STYLES, edgeColour } from './style.js';

function text(value: string): string {
  return value.replaceAll('"', '#quot;');
}

function nodeShape(node: PictureNode, id: string): string {
  const lines = [
    node.label,
    ...(node.detail === '' ? [] : [node.detail]),
    ...(node.note === undefined ? [] : [`X ${node.note}`]),
  ];
  const label = text(lines.join('<br/>'));
  switch (node.kind) {
    case 'router':
      return `${id}[["${label}"]]`;
    case 'segment':
      return `${id}[/"${label}"/]`;
    case 'pod':
      return `${id}(("${label}"))`;
    case 'external':
      return `${id}{{"${label}"}}`;
    case 'node':
      return `${id}(["${label}"])`;
  }
}

function arrow(edge: PictureEdge): string {
  const style = EDGE_STYLES[edge.kind];
  if (style.dash !== '') return edge.directed ? '-.->' : '-.-';
  if (style.dot === 'bold') return edge.directed ? '==>' : '===';
  return edge.directed ? '-->' : '---';
}

export function toMermaid(picture: Picture): string {
  const ids = new Map(picture.nodes.map((n, i) => [n.id, `n${i}`]));
  const lines = ['---', `title: ${text(picture.title)}`, '---', 'flowchart LR'];
  for (const node of picture.nodes) lines.push(`  ${nodeShape(node, ids.get(node.id) as string)}`);
  picture.edges.forEach((edge) => {
    lines.push(`  ${ids.get(edge.from)} ${arrow(edge)}|"${text(edge.label)}"| ${ids.get(edge.to)}`);
  });
  picture.edges.forEach((edge, i) => {
    lines.push(`  linkStyle ${i} stroke:${edgeColour(edge)},stroke-width:${EDGE_STYLES[edge.kind].width}px`);
  });
  lines.push(
    `  classDef down fill:${COLOURS.downFill},stroke:${COLOURS.down}`,
    `  classDef highlight fill:${COLOURS.highlightFill},stroke-width:2px`,
  );
  const down = picture.nodes.filter((n) => n.down).map((n) => ids.get(n.id));
  const highlighted = picture.nodes.filter((n) => n.highlight && !n.down).map((n) => ids.get(n.id));
  if (down.length > 0) lines.push(`  class ${down.join(',')} down`);
  if (highlighted.length > 0) lines.push(`  class ${highlighted.join(',')} highlight`);
  return `${lines.join('\n')}\n`;
}
