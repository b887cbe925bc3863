/**
 * `podnet export containerlab` and `export calico`: what they write is valid where it is going.
 * The containerlab file passes containerlab's schema rules and its links and binds are
 * consistent; the Calico and Kubernetes manifests pass their field rules; and the validators
 * reject a broken file, so a pass means something.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv } from 'ajv';
import { afterAll, describe, expect, it } from 'vitest';
import { parse, parseAllDocuments } from 'yaml';
import { CliSandbox, repoPath } from '../helpers/cli.js';
import { needs } from '../helpers/tools.js';

const cli = new CliSandbox();
afterAll(() => cli.dispose());

const ajv = new Ajv({ allErrors: true, strict: false });
const clabSchema = ajv.compile(
  JSON.parse(readFileSync(repoPath('test/fixtures/containerlab-topology.schema.json'), 'utf8')) as object,
);
const calicoSchema = JSON.parse(readFileSync(repoPath('test/fixtures/calico-manifests.schema.json'), 'utf8')) as {
  definitions: Record<string, object>;
};
ajv.addSchema(calicoSchema, 'calico');

function calicoErrors(document: { kind?: string }): string[] {
  const validate = ajv.getSchema(`calico#/definitions/${document.kind}`);
  if (validate === undefined) return [`unknown kind ${document.kind}`];
  return validate(document)
    ? []
    : (validate.errors ?? []).map((e) => `${document.kind} ${e.instancePath} ${e.message}`);
}

const TOPOLOGIES = [
  'seed-lab.yaml',
  'rr-lab.yaml',
  'two-rack.yaml',
  'cross-subnet.yaml',
  'tiny-pool.yaml',
  'ebgp-paths.yaml',
  'labs/route-reflectors/lab.yaml',
  'labs/localhost-and-ports/lab.yaml',
  'labs/replication-and-failure/lab.yaml',
];
const bird = needs('/usr/sbin/bird', 'apt-get install bird2; .ci/run does');

describe.each(TOPOLOGIES)('export of %s', (file) => {
  it('writes a containerlab lab that passes the schema, with consistent links and binds', async () => {
    const dir = `clab-${file.replaceAll('/', '-')}`;
    const { code } = await cli.run('-t', repoPath('topologies', file), 'export', 'containerlab', dir);
    expect(code).toBe(0);
    const clabFile = readdirSync(cli.path(dir)).find((f) => f.endsWith('.clab.yml')) as string;
    const lab = parse(readFileSync(cli.path(dir, clabFile), 'utf8')) as {
      name: string;
      topology: {
        nodes: Record<string, { kind: string; binds?: string[]; exec?: string[] }>;
        links: { endpoints: string[] }[];
      };
    };
    expect(clabSchema(lab), JSON.stringify(clabSchema.errors)).toBe(true);
    const nodes = lab.topology.nodes;
    const endpoints = lab.topology.links.flatMap((l) => l.endpoints);
    expect(new Set(endpoints).size).toBe(endpoints.length);
    for (const endpoint of endpoints) expect(Object.keys(nodes)).toContain(endpoint.split(':')[0]);
    for (const [name, node] of Object.entries(nodes)) {
      if (node.kind === 'bridge') {
        expect(name.length).toBeLessThanOrEqual(15);
        continue;
      }
      const bind = node.binds?.[0]?.split(':')[0] as string;
      expect(existsSync(cli.path(dir, bind))).toBe(true);
      // Every data interface the links give the machine is configured by exec.
      const interfaces = endpoints.filter((e) => e.startsWith(`${name}:`)).map((e) => e.split(':')[1]);
      for (const iface of interfaces) expect(node.exec).toContain(`ip link set ${iface} up`);
    }
    // Without BIRD (a laptop) the files are still checked above; CI always has it.
    if (!bird.skip) {
      for (const conf of readdirSync(cli.path(dir, 'bird')))
        execFileSync('/usr/sbin/bird', ['-p', '-c', cli.path(dir, 'bird', conf)]);
    }
  });

  it('writes Calico and Kubernetes manifests that pass their field rules', async () => {
    const dir = `calico-${file.replaceAll('/', '-')}`;
    expect((await cli.run('-t', repoPath('topologies', file), 'export', 'calico', dir)).code).toBe(0);
    const documents = readdirSync(cli.path(dir)).flatMap((f) =>
      parseAllDocuments(readFileSync(cli.path(dir, f), 'utf8')).map((d) => d.toJS() as { kind?: string }),
    );
    expect(documents.flatMap(calicoErrors)).toEqual([]);
    const kinds = new Set(documents.map((d) => d.kind));
    for (const kind of ['BGPConfiguration', 'IPAMConfiguration', 'IPPool', 'Node']) expect(kinds).toContain(kind);
  });
});

describe('export', () => {
  it("carries the design into the manifests: the reflector's cluster ID, the peers, the pods", async () => {
    expect((await cli.run('-t', repoPath('topologies/rr-split-clients.yaml'), 'export', 'calico', 'rr')).code).toBe(0);
    const nodes = parseAllDocuments(readFileSync(cli.path('rr', '03-nodes.yaml'), 'utf8')).map(
      (d) => d.toJS() as { metadata: { name: string }; spec: { bgp: Record<string, unknown> } },
    );
    expect(nodes.find((n) => n.metadata.name === 'rr-2')?.spec.bgp).toEqual({
      ipv4Address: '10.0.0.3/24',
      routeReflectorClusterID: '244.0.0.1',
    });
    const peers = parseAllDocuments(readFileSync(cli.path('rr', '04-bgppeers.yaml'), 'utf8')).map(
      (d) => d.toJS() as object,
    );
    expect(peers).toContainEqual({
      apiVersion: 'projectcalico.org/v3',
      kind: 'BGPPeer',
      metadata: { name: 'group-a-to-rr-1' },
      spec: { nodeSelector: "rr-group == 'a'", peerSelector: "rr == 'rr-1'" },
    });
    expect(readFileSync(cli.path('rr', '02-ippools.yaml'), 'utf8')).toContain(
      'cidr: 192.168.0.0/16\n  blockSize: 26\n  ipipMode: Always\n  vxlanMode: Never\n  natOutgoing: true\n',
    );
  });

  it('has validators that reject what a real cluster would reject', () => {
    expect(
      calicoErrors({
        apiVersion: 'projectcalico.org/v3',
        kind: 'IPPool',
        metadata: { name: 'p' },
        spec: { cidr: '10.0.0.0/16', ipipMode: 'Always', vxlanMode: 'Always' },
      } as { kind: string }),
    ).not.toEqual([]);
    expect(
      calicoErrors({
        apiVersion: 'projectcalico.org/v3',
        kind: 'BGPPeer',
        metadata: { name: 'p' },
        spec: { peerIP: '10.0.0.1' },
      } as { kind: string }),
    ).not.toEqual([]);
    expect(
      calicoErrors({
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { name: 'Web_1' },
        spec: { containers: [{ name: 'web', image: 'nginx' }] },
      } as { kind: string }),
    ).not.toEqual([]);
    expect(clabSchema({ name: 'x', topology: { nodes: { a: { kind: 'linux', imag: 'typo' } } } })).toBe(false);
    expect(
      clabSchema({
        name: 'x',
        topology: { nodes: { a: { kind: 'linux' } }, links: [{ endpoints: ['a-eth1', 'b:eth1'] }] },
      }),
    ).toBe(false);
  });

  it('leaves a directory with files in it alone', async () => {
    await cli.run('-t', repoPath('topologies/seed-lab.yaml'), 'export', 'calico', 'twice');
    const before = readFileSync(cli.path('twice', '02-ippools.yaml'), 'utf8');
    const again = await cli.run('-t', repoPath('topologies/two-rack.yaml'), 'export', 'calico', 'twice');
    expect(again.code).toBe(1);
    expect(again.stderr).toBe('error: twice is not empty; podnet export writes only into a new or empty directory\n');
    expect(readFileSync(join(cli.dir, 'twice', '02-ippools.yaml'), 'utf8')).toBe(before);
  });
});
