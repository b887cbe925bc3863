/** Graphviz DOT for a picture: `dot -Tsvg` or any DOT viewer draws it. */
import type { Picture, PictureNode } from './picture.js';
import { COLOURS, EDGE_STYLES, edgeColour, NODE_SHAPES } from './style.js';

function quote(text: string): string {
  return `"${text.replaceAll('\\', '\\\\').replaceAll('"', '\\"')}"`;
}

function nodeLine(node: PictureNode): string {
  const fill = node.down ? COLOURS.downFill : node.highlight ? COLOURS.highlightFill : COLOURS.fill;
  const lines = [
    node.label,
    ...(node.detail === '' ? [] : [node.detail]),
    ...(node.note === undefined ? [] : [`X ${node.note}`]),
  ];
  const label = lines.join('\\n');
  const attrs = [
    `label="${label.replaceAll('"', '\\"')}"`,
    `shape=${NODE_SHAPES[node.kind].dot}`,
    'style=filled',
    `fillcolor=${quote(fill)}`,
  ];
  if (node.down) attrs.push(`color=${quote(COLOURS.down)}`);
  if (node.highlight) attrs.push('penwidth=2');
  return `  ${quote(node.id)} [${attrs.join(', ')}];`;
}

export function toDot(picture: Picture): string {
  const lines = [
    `digraph ${quote(picture.title)} {`,
    `  label=${quote(picture.title)};`,
    '  labelloc=t;',
    '  fontname="Helvetica";',
    '  node [fontname="Helvetica", fontsize=11];',
    '  edge [fontname="Helvetica", fontsize=9];',
  ];
  lines.push(...picture.nodes.map(nodeLine));
  for (const edge of picture.edges) {
    const style = EDGE_STYLES[edge.kind];
    const attrs = [
      `label=${quote(edge.label)}`,
      `color=${quote(edgeColour(edge))}`,
      `style=${style.dot}`,
      `penwidth=${style.width}`,
    ];
    if (!edge.directed) attrs.push('dir=none');
    lines.push(`  ${quote(edge.from)} -> ${quote(edge.to)} [${attrs.join(', ')}];`);
  }
  lines.push('}');
  return `${lines.join('\n')}\n`;
}
