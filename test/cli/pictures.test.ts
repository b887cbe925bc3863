/**
 * The pictures as a person sees them: rendered to PNG by rsvg-convert (librsvg, as browsers and
 * image viewers draw SVG), with no two edge labels overlapping, hop numbers on badges, the tunnel
 * a hop took, where a failed trace ended and why, a legend for every fill, and session states
 * that say what `bgp status` says.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync, statSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CliSandbox, repoPath } from '../helpers/cli.js';
import { needs } from '../helpers/tools.js';

let cli: CliSandbox;
beforeEach(() => {
  cli = new CliSandbox({ PODNET_INSTANT: '1' });
});
afterEach(() => cli.dispose());

const CHAR = 5.8;
const HALF_HEIGHT = 6.5;

interface Box {
  readonly label: string;
  readonly x0: number;
  readonly y0: number;
  readonly x1: number;
  readonly y1: number;
}

const num = (text: string | undefined): number => Number(text);

/** The boxes of every edge label in an SVG, read from the drawing as written. */
function labelBoxes(svg: string): Box[] {
  const boxes: Box[] = [];
  for (const [, body] of svg.matchAll(/<g class="label"[^>]*>(.*?)<\/g>/g)) {
    const m = /<text x="([\d.]+)" y="([\d.]+)"[^>]*>([^<]*)<\/text>/.exec(body ?? '');
    if (!m) continue;
    const [x, y, text] = [num(m[1]), num(m[2]) - 3.5, m[3] ?? ''];
    boxes.push({
      label: text,
      x0: x - (text.length * CHAR) / 2,
      y0: y - HALF_HEIGHT,
      x1: x + (text.length * CHAR) / 2,
      y1: y + HALF_HEIGHT,
    });
  }
  for (const [, body] of svg.matchAll(/<g class="label hop"[^>]*>(.*?)<\/g>/g)) {
    const circle = /<circle cx="([\d.]+)" cy="([\d.]+)" r="([\d.]+)"/.exec(body ?? '');
    if (!circle) continue;
    const [cx, cy, r] = [num(circle[1]), num(circle[2]), num(circle[3])];
    const more = /<text x="([\d.]+)"[^>]*text-anchor="start"[^>]*>([^<]*)<\/text>/.exec(body ?? '');
    const right = more ? num(more[1]) + (more[2] ?? '').length * CHAR : cx + r;
    boxes.push({
      label: `hop ${body?.replace(/<[^>]+>/g, ' ').trim()}`,
      x0: cx - r,
      y0: cy - HALF_HEIGHT,
      x1: right,
      y1: cy + HALF_HEIGHT,
    });
  }
  return boxes;
}

function overlapping(boxes: readonly Box[]): string[] {
  const found: string[] = [];
  boxes.forEach((a, i) => {
    for (const b of boxes.slice(i + 1)) {
      if (a.x0 < b.x1 && b.x0 < a.x1 && a.y0 < b.y1 && b.y0 < a.y1) found.push(`"${a.label}" and "${b.label}"`);
    }
  });
  return found;
}

const PICTURES: readonly (readonly string[])[] = [
  ['topologies/seed-lab.yaml', '--layer', 'bgp'],
  ['topologies/rr-lab.yaml', '--layer', 'bgp'],
  ['topologies/two-rack.yaml', '--layer', 'bgp'],
  ['topologies/two-rack.yaml', '--layer', 'trace', 'client', 'server'],
  ['topologies/rr-lab.yaml', '--layer', 'trace', 'web-1', 'web-4'],
  ['topologies/rr-split-clients.yaml', '--layer', 'routes-to', '192.168.61.0/26'],
  ['topologies/seed-lab.yaml', '--layer', 'underlay'],
];

async function draw(args: readonly string[]): Promise<string> {
  const [file, ...rest] = args as [string, ...string[]];
  const result = await cli.run('-t', repoPath(file), 'graph', ...rest);
  expect(result.code, result.stderr).toBe(0);
  return result.stdout;
}

const rsvg = needs('rsvg-convert', 'apt-get install librsvg2-bin; .ci/run does');

describe('pictures, looked at', () => {
  it.each(PICTURES.map((p) => [p.join(' '), p] as const))('%s: no two edge labels overlap', async (_name, args) => {
    const boxes = labelBoxes(await draw(args));
    expect(boxes.length).toBeGreaterThan(0);
    expect(overlapping(boxes)).toEqual([]);
  });

  it.skipIf(rsvg.skip)('every picture renders to a PNG of its stated size', async () => {
    for (const args of PICTURES) {
      const svgPath = cli.path('picture.svg');
      const pngPath = cli.path('picture.png');
      await cli.run('-t', repoPath(args[0] as string), 'graph', ...args.slice(1), '-o', svgPath);
      const render = spawnSync('rsvg-convert', [svgPath, '-o', pngPath], { encoding: 'utf8' });
      expect(render.status, render.stderr).toBe(0);
      const png = readFileSync(pngPath);
      const width = png.readUInt32BE(16);
      const height = png.readUInt32BE(20);
      const stated = /<svg [^>]*width="(\d+)" height="(\d+)"/.exec(readFileSync(svgPath, 'utf8'));
      expect([width, height]).toEqual([Number(stated?.[1]), Number(stated?.[2])]);
      expect(statSync(pngPath).size).toBeGreaterThan(10_000);
    }
  });

  it('a hop shows its number on a badge, and a tunnelled hop the tunnel and its outer addresses', async () => {
    const svg = await draw(['topologies/rr-lab.yaml', '--layer', 'trace', 'web-1', 'web-4']);
    expect(svg).toMatch(
      /<circle [^>]*fill="#ffffff"[^>]*\/><text [^>]*font-weight="bold"[^>]*>2<\/text><text [^>]*>IPIP 10\.0\.0\.11→10\.0\.0\.14<\/text>/,
    );
  });

  it('a trace that fails or leaves the network marks where, and why', async () => {
    const leaves = await draw(['topologies/seed-lab.yaml', '--layer', 'trace', 'date-pod', '10.0.9.9:80']);
    expect(leaves).toContain('✕ EXITS_NETWORK: left through 10.0.1.1 with source 10.0.1.11');
    await cli.run('init');
    await cli.run('fail', 'node', 'node-2');
    const rr = await cli.run('graph', '--layer', 'bgp');
    // A stopped machine's fill has its legend entry, and sessions say what bgp status says.
    expect(rr.stdout).toContain('stopped machine');
    const status = (await cli.run('bgp', 'status', 'node-1')).stdout;
    const info = /\| 10\.0\.1\.12 +\| [^|]+\| [^|]+\| [^|]+\| (\S+) +\|/.exec(status)?.[1];
    expect(info).toBeDefined();
    expect(rr.stdout).toMatch(new RegExp(`data-from="node-2" data-to="node-1"><text[^>]*>${info}<`));
    expect(info).toBe('Passive');
  });
});
