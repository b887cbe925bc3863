/**
 * `podnet graph`: the pictures a student opens. The SVG must be well-formed XML with one element
 * per machine, segment and pod and one per link, session or hop, labelled as the simulation says;
 * DOT and Mermaid must say the same thing.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { afterAll, describe, expect, it } from 'vitest';
import { CliSandbox, repoPath } from '../helpers/cli.js';

const cli = new CliSandbox();
afterAll(() => cli.dispose());

interface Group {
  readonly '@_class': string;
  readonly '@_data-id'?: string;
  readonly '@_data-from'?: string;
  readonly '@_data-to'?: string;
  readonly text: string | string[];
}

async function svg(...args: string[]): Promise<{ title: string; nodes: Group[]; edges: Group[] }> {
  const { code, stdout, stderr } = await cli.run(...args, '--format', 'svg');
  expect({ code, stderr }).toEqual({ code: 0, stderr: '' });
  expect(XMLValidator.validate(stdout)).toBe(true);
  const doc = new XMLParser({ ignoreAttributes: false, isArray: (name) => name === 'g' || name === 'text' }).parse(
    stdout,
  ) as { svg: { title: string; g: Group[] } };
  const groups = doc.svg.g;
  // Edge labels are drawn last (over lines and nodes), each naming its edge: the n-th label of a
  // pair of ends belongs to the n-th edge between them.
  const labels = groups.filter((g) => g['@_class'].startsWith('label'));
  const taken = new Map<string, number>();
  const edges = groups
    .filter((g) => g['@_class'].startsWith('edge'))
    .map((edge) => {
      const key = `${edge['@_data-from']}>${edge['@_data-to']}`;
      const n = taken.get(key) ?? 0;
      taken.set(key, n + 1);
      const label = labels.filter((l) => `${l['@_data-from']}>${l['@_data-to']}` === key)[n];
      return {
        ...edge,
        text: label === undefined ? [] : texts(label).join(' ') === '' ? [] : [texts(label).join(' ')],
      };
    });
  return { title: doc.svg.title, nodes: groups.filter((g) => g['@_class'].startsWith('node')), edges };
}

const texts = (g: Group): string[] =>
  [g.text].flat().map((t) => (typeof t === 'string' ? t : String((t as { '#text': string })['#text'])));

describe('podnet graph --format svg', () => {
  it("draws the seed lab's mesh: three nodes, three Established mesh sessions", async () => {
    const picture = await svg('-t', repoPath('topologies/seed-lab.yaml'), 'graph', '--layer', 'bgp');
    expect(picture.title).toBe('seed-lab: BGP sessions at 300s');
    expect(picture.nodes.map((n) => n['@_data-id'])).toEqual(['k8s-master', 'node-1', 'node-2']);
    expect(picture.nodes.map((n) => texts(n))).toEqual([
      ['k8s-master', '10.0.1.10 AS64512'],
      ['node-1', '10.0.1.11 AS64512'],
      ['node-2', '10.0.1.12 AS64512'],
    ]);
    expect(
      picture.edges.map((e) => [e['@_class'], [e['@_data-from'], e['@_data-to']].sort().join(' '), texts(e)[0]]),
    ).toEqual([
      ['edge mesh', 'k8s-master node-1', 'Established'],
      ['edge mesh', 'k8s-master node-2', 'Established'],
      ['edge mesh', 'node-1 node-2', 'Established'],
    ]);
  });

  it('draws the underlay: machines on their segment, each link labelled with its address', async () => {
    const picture = await svg('-t', repoPath('topologies/seed-lab.yaml'), 'graph', '--layer', 'underlay');
    expect(picture.nodes.map((n) => n['@_class'])).toEqual(['node node', 'node node', 'node node', 'node segment']);
    expect(picture.edges.map((e) => `${e['@_data-from']} ${texts(e)[0]}`)).toEqual([
      'k8s-master 10.0.1.10/24',
      'node-1 10.0.1.11/24',
      'node-2 10.0.1.12/24',
    ]);
  });

  it('draws reflector sessions as rr-client from reflector to client, and eBGP to the spine', async () => {
    const picture = await svg('-t', repoPath('topologies/two-rack.yaml'), 'graph', '--layer', 'bgp');
    const kinds = picture.edges.map((e) => `${e['@_class']} ${e['@_data-from']}->${e['@_data-to']}`);
    expect(kinds).toContain('edge rr-client tor-1->node-1a');
    expect(kinds).toContain('edge ebgp spine->tor-1');
    expect(kinds.filter((k) => k.startsWith('edge ebgp'))).toHaveLength(2);
  });

  it('draws a trace hop by hop over the underlay, with the disposition in the title', async () => {
    const picture = await svg(
      '-t',
      repoPath('topologies/two-rack.yaml'),
      'graph',
      '--layer',
      'trace',
      'client',
      'server',
    );
    expect(picture.title).toBe('two-rack: default/client -> 10.244.218.64:80/TCP: ACCEPTED at default/server');
    const hops = picture.edges
      .filter((e) => e['@_class'] === 'edge hop')
      .map((e) => `${texts(e)[0]}: ${e['@_data-from']} -> ${e['@_data-to']}`);
    expect(hops).toEqual([
      '1: default/client -> node-1a',
      '2: node-1a -> tor-1',
      '3: tor-1 -> spine',
      '4: spine -> tor-2',
      '5: tor-2 -> node-2b',
      '6: node-2b -> default/server',
    ]);
    expect(picture.nodes.filter((n) => n['@_class'] === 'node pod').map((n) => texts(n))).toEqual([
      ['default/client', '10.244.247.0'],
      ['default/server', '10.244.218.64'],
    ]);
  });

  it('draws where a prefix is forwarded, and who has no route (the shared-cluster-ID trap)', async () => {
    const picture = await svg(
      '-t',
      repoPath('topologies/rr-split-clients.yaml'),
      'graph',
      '--layer',
      'routes-to',
      '192.168.61.0/26',
    );
    const details = Object.fromEntries(picture.nodes.map((n) => [n['@_data-id'], texts(n)[1]]));
    expect(details).toEqual({
      'rr-1': '192.168.61.0/26 via 10.0.0.11',
      'rr-2': '192.168.61.0/26 via 10.0.0.11',
      'node-1': 'owns 192.168.61.0/26',
      'node-2': '192.168.61.0/26 via 10.0.0.11',
      'node-3': 'no route',
      'node-4': 'no route',
    });
    expect(picture.edges.map((e) => `${e['@_data-from']}->${e['@_data-to']}`).sort()).toEqual([
      'node-2->node-1',
      'rr-1->node-1',
      'rr-2->node-1',
    ]);
  });

  it('marks a stopped node and its sessions down once the hold timer expired', async () => {
    const ws = new CliSandbox({ PODNET_INSTANT: '1' });
    try {
      await ws.run('init');
      await ws.run('fail', 'node', 'node-2');
      const { stdout } = await ws.run('graph', '--layer', 'bgp');
      expect(stdout).toMatch(/<g class="node node down" data-id="node-2">/);
      expect(stdout.match(/<g class="edge mesh down"/g)).toHaveLength(2);
      expect(stdout.match(/<g class="edge mesh"/g)).toHaveLength(1);
    } finally {
      ws.dispose();
    }
  });

  it("draws a trace to a Service: kube-proxy's DNAT and the chosen endpoint on each branch", async () => {
    const ws = new CliSandbox({ PODNET_INSTANT: '1' });
    try {
      await ws.run('init');
      writeFileSync(
        ws.path('svc.yml'),
        'apiVersion: v1\nkind: Service\nmetadata: { name: date }\nspec:\n  selector: { zone: prod }\n  ports: [{ port: 80, targetPort: 8080 }]\n',
      );
      await ws.run('create', '-f', 'svc.yml');
      const { stdout } = await ws.run('graph', '--layer', 'trace', 'date-pod', 'date', '--format', 'mermaid');
      expect(stdout).toMatch(/n\d ==>\|"2 DNAT default\/date→192\.168\.61\.1:8080 \(1\/1\)"\| n\d/);
    } finally {
      ws.dispose();
    }
  });

  it('gives byte-identical drawings for the same inputs', async () => {
    const args = ['-t', repoPath('topologies/two-rack.yaml'), 'graph', '--layer', 'trace', 'client', 'server'];
    expect((await cli.run(...args)).stdout).toBe((await cli.run(...args)).stdout);
  });
});

describe('podnet graph --format dot and mermaid', () => {
  it('writes DOT with a node per machine and an edge per session, coloured by state', async () => {
    const { code, stdout } = await cli.run(
      '-t',
      repoPath('topologies/seed-lab.yaml'),
      'graph',
      '--layer',
      'bgp',
      '--format',
      'dot',
    );
    expect(code).toBe(0);
    expect(stdout).toMatch(/^digraph "seed-lab: BGP sessions at 300s" \{\n/);
    expect(stdout.match(/^ {2}"[^"]+" \[label=/gm)).toHaveLength(3);
    expect(
      stdout.match(
        /^ {2}"[^"]+" -> "[^"]+" \[label="Established", color="#2e7d32", style=solid, penwidth=1.5, dir=none\];$/gm,
      ),
    ).toHaveLength(3);
    expect(stdout.endsWith('}\n')).toBe(true);
  });

  it('writes a Mermaid flowchart with a link style per edge', async () => {
    const { code, stdout } = await cli.run(
      '-t',
      repoPath('topologies/two-rack.yaml'),
      'graph',
      '--layer',
      'bgp',
      '--format',
      'mermaid',
    );
    expect(code).toBe(0);
    const lines = stdout.trimEnd().split('\n');
    expect(lines.slice(0, 4)).toEqual(['---', 'title: two-rack: BGP sessions at 300s', '---', 'flowchart LR']);
    const edges = lines.filter((l) => /^ {2}n\d+ (-\.->|-\.-|==>|===|-->|---)\|/.test(l));
    expect(edges).toContain('  n4 -.->|"Established"| n1');
    expect(lines.filter((l) => l.startsWith('  linkStyle '))).toHaveLength(edges.length);
  });

  it('writes to a file with -o and says what is wrong with the arguments', async () => {
    expect((await cli.run('-t', repoPath('topologies/seed-lab.yaml'), 'graph', '-o', 'seed.svg')).code).toBe(0);
    const wrong = await cli.run('-t', repoPath('topologies/seed-lab.yaml'), 'graph', '--layer', 'trace', 'date-pod');
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toBe('error: --layer trace takes two arguments: podnet graph --layer trace SRC DST\n');
  });
});

describe('the pictures README shows', () => {
  it.each([
    ['docs/seed-lab-bgp.svg', 'topologies/seed-lab.yaml', ['--layer', 'bgp']],
    ['docs/two-rack-trace.svg', 'topologies/two-rack.yaml', ['--layer', 'trace', 'client', 'server']],
    [
      'docs/rr-split-clients-routes.svg',
      'topologies/rr-split-clients.yaml',
      ['--layer', 'routes-to', '192.168.61.0/26'],
    ],
  ])('%s is what podnet graph draws today', async (picture, topology, args) => {
    const { stdout } = await cli.run('-t', repoPath(topology), 'graph', ...args);
    expect(stdout).toBe(readFileSync(repoPath(picture), 'utf8'));
  });
});
