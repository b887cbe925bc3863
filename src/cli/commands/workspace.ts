/** Workspace and file commands: init, validate, status (the default lab's overview), schema. */
import * as z from 'zod';
import { formatCidr } from '../../core/net/index.js';
import * as schema from '../../core/topology/schema.js';
import { ipamShow } from '../../io/format/calicoctl.js';
import { getNodes, getPods } from '../../io/format/kubectl.js';
import { createWorkspace, SETTLE_SECONDS } from '../../io/workspace.js';
import { DEFAULT_LAB, displayPath, instantRequested, loadTopologyOrFail, openSource, stateDir, viewSimulation, type GlobalOptions } from '../context.js';
import { simulate } from '../../core/bgp/simulate.js';
import { buildFib } from '../../core/fib/index.js';
import { ipRoute, summary } from '../../io/format/bgp.js';
import { CommandFailure, InputProblems } from '../errors.js';
import { generateTopology, type Design, type Encap } from '../../io/generate.js';
import { parseCidr } from '../../core/net/index.js';
import type { CliIo } from '../io.js';
import { resolve } from 'node:path';
import { stringify, parse } from 'yaml';

export function initCommand(io: CliIo, options: GlobalOptions, file: string | undefined, flags: { pods: boolean; force?: boolean }): number {
  const dir = stateDir(options, io);
  if (io.fs.exists(dir) && !flags.force) {
    throw new CommandFailure(`error: workspace ${displayPath(io, dir)} already exists (podnet init --force replaces it)`, 1);
  }
  const path = file === undefined ? DEFAULT_LAB : resolve(io.cwd, file);
  const loaded = loadTopologyOrFail(io, path);
  const snapshot = flags.pods ? loaded.snapshot() : withoutPods(loaded.snapshot());
  createWorkspace(dir, displayPath(io, path), snapshot, io.fs, { instant: instantRequested(options, io), wallMs: io.wallMs() });
  const { topology } = loaded;
  const pods = flags.pods ? topology.pods.length : 0;
  io.stdout(
    `workspace ${displayPath(io, dir)} created from ${displayPath(io, path)}: cluster ${topology.name}, ` +
      `${topology.nodes.length} node${topology.nodes.length === 1 ? '' : 's'}, ${pods} pod${pods === 1 ? '' : 's'}, ` +
      `pools ${topology.pools.map((p) => formatCidr(p.cidr)).join(', ')}\n`,
  );
  return 0;
}

/** The snapshot without its pods: the cluster as it stood before anyone created one. */
function withoutPods(snapshot: string): string {
  return snapshot
    .split('---\n')
    .map((text) => parse(text) as Record<string, unknown> | null)
    .filter((doc) => doc?.['kind'] !== 'Pod')
    .map((doc) => {
      if (doc === null || !('cluster' in doc)) return stringify(doc);
      const { pods: _pods, ...rest } = doc;
      return stringify(rest);
    })
    .join('---\n');
}

export function validateCommand(io: CliIo, files: readonly string[]): number {
  const problems = [];
  for (const file of files) {
    try {
      const { topology } = loadTopologyOrFail(io, file);
      io.stdout(
        `${file}: valid (cluster ${topology.name}: ${topology.nodes.length} nodes, ${topology.routers.length} routers, ` +
          `${topology.pools.length} pools, ${topology.pods.length} pods, ${topology.events.length} events)\n`,
      );
    } catch (error) {
      if (!(error instanceof InputProblems)) throw error;
      problems.push(...error.problems);
    }
  }
  if (problems.length > 0) throw new InputProblems(problems);
  return 0;
}

/** The main job: the cluster at a glance: nodes, pods, address blocks, BGP, one node's routes. */
export function statusCommand(io: CliIo, options: GlobalOptions): number {
  const { sim, moment, workspace } = viewSimulation(options, io);
  const { cluster, topology } = sim;
  const source = workspace ? `workspace ${displayPath(io, workspace.dir)} (from ${workspace.state.origin})` : options.topology;
  const mesh = topology.bgp.nodeToNodeMeshEnabled ? 'node-to-node mesh' : 'no mesh';
  const worker = topology.nodes.find((n) => n.role === 'worker') ?? topology.nodes[0];
  const fib = worker === undefined ? undefined : buildFib(sim, worker.name);
  io.stdout(
    [
      `Cluster ${topology.name}, ${source}, simulated time ${moment.now.toFixed(1)}s`,
      `BGP: AS ${topology.bgp.asNumber}, ${mesh}; IPAM: strictAffinity ${topology.ipam.strictAffinity}, maxBlocksPerHost ${topology.ipam.maxBlocksPerHost}`,
      '',
      '$ podnet get nodes -o wide',
      getNodes(cluster, moment, true),
      '',
      '$ podnet get pods -A -o wide',
      cluster.pods().length === 0 ? 'No resources found' : getPods(cluster, cluster.pods(), moment, { wide: true, allNamespaces: true }),
      '',
      '$ podnet ipam show --show-blocks',
      ipamShow(cluster, true),
      '',
      '$ podnet bgp summary',
      summary(sim).trimEnd(),
      ...(fib && worker ? ['', `$ podnet routes ${worker.name}`, ipRoute(fib).trimEnd()] : []),
      '',
    ].join('\n'),
  );
  return 0;
}

/** The interactive UI on a topology file, the workspace, or the seed lab; a summary without a terminal. */
export async function tuiCommand(io: CliIo, options: GlobalOptions, file: string | undefined): Promise<number> {
  const source = file !== undefined ? { ...options, topology: file } : options.topology !== undefined || io.fs.exists(stateDir(options, io)) ? options : { ...options, topology: DEFAULT_LAB };
  if (io.terminal === undefined) {
    statusCommand(io, source);
    io.stderr('podnet tui: standard output is not a terminal, so this is the summary; run it in a terminal for the interactive view\n');
    return 0;
  }
  const { topology, journal, moment, workspace } = openSource(source, io);
  // A topology file opens where it first converged; a workspace, at its present.
  const at = workspace !== undefined ? moment.now : Math.ceil(simulate(topology, journal, { until: SETTLE_SECONDS }).network.counters.lastRouteChange);
  const { runTui } = await import('../../tui/run.js');
  await runTui({ topology, journal, at, terminal: io.terminal, color: !io.env['NO_COLOR'] });
  return 0;
}

export interface GenerateFlags {
  readonly nodes: string;
  readonly podsPerNode: string;
  readonly design: Design;
  readonly reflectors: string;
  readonly racks: string;
  readonly spine?: boolean;
  readonly pool?: string;
  readonly encap: Encap;
  readonly seed: string;
  readonly output?: string;
}

function wholeNumber(text: string, flag: string, min: number, max: number): number {
  const value = Number(text);
  if (!Number.isInteger(value) || value < min || value > max) throw new CommandFailure(`error: ${flag} "${text}" must be a whole number from ${min} to ${max}`, 2);
  return value;
}

export function generateCommand(io: CliIo, flags: GenerateFlags): number {
  const nodes = wholeNumber(flags.nodes, '--nodes', 1, 100_000);
  const pool = flags.pool === undefined ? undefined : parseCidr(flags.pool);
  if (pool !== undefined && !pool.ok) throw new CommandFailure(`error: --pool: ${pool.reason}`, 2);
  const text = generateTopology({
    nodes,
    podsPerNode: wholeNumber(flags.podsPerNode, '--pods-per-node', 0, 10_000),
    design: flags.design,
    reflectors: Math.min(nodes, wholeNumber(flags.reflectors, '--reflectors', 2, 1000)),
    racks: Math.min(nodes, wholeNumber(flags.racks, '--racks', 1, 10_000)),
    spine: flags.spine ?? false,
    encap: flags.encap,
    seed: wholeNumber(flags.seed, '--seed', 0, 2 ** 31),
    ...(pool?.ok ? { pool: pool.value } : {}),
  });
  if (flags.output === undefined) io.stdout(text);
  else io.fs.writeAtomic(resolve(io.cwd, flags.output), text);
  return 0;
}

export function topologyJsonSchema(): object {
  const documents = [
    schema.topologyDocument,
    schema.podManifest,
    schema.ipPoolResource,
    schema.bgpPeerResource,
    schema.bgpConfigurationResource,
    schema.ipamConfigurationResource,
    schema.calicoNodeResource,
    schema.kubeNodeResource,
  ];
  return {
    ...z.toJSONSchema(z.union(documents), { io: 'input', unrepresentable: 'any' }),
    $id: 'urn:podnet:topology-schema',
    title: 'podnet topology',
    description: 'A podnet topology file: one document with a cluster: section, optionally followed by Kubernetes/Calico resources.',
  };
}

export function schemaCommand(io: CliIo): number {
  io.stdout(`${JSON.stringify(topologyJsonSchema(), null, 2)}\n`);
  return 0;
}
