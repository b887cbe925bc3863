/** Workspace and file commands: init, validate, status (the default lab's overview), schema. */

import { dirname, join, relative, resolve } from 'node:path';
import { parse, stringify } from 'yaml';
import * as z from 'zod';
import { simulate } from '../../core/bgp/simulate.js';
import { buildFib } from '../../core/fib/index.js';
import { formatCidr, parseCidr } from '../../core/net/index.js';
import { Query } from '../../core/query/index.js';
import { parseDuration } from '../../core/topology/duration.js';
import { KUBERNETES_LIMITS, NO_LIMITS } from '../../core/topology/resolve.js';
import * as schema from '../../core/topology/schema.js';
import { ipRoute, summary, summaryData } from '../../io/format/bgp.js';
import { ipamShow } from '../../io/format/calicoctl.js';
import { getNodes, getPods, nodeObject, podObject } from '../../io/format/kubectl.js';
import { type Design, type Encap, GENERATED_BLOCK_SIZE, generateTopology } from '../../io/generate.js';
import type { LocatedMessage } from '../../io/located.js';
import { requireOutputDir, requireOutputFile } from '../../io/output.js';
import { createWorkspace, isWorkspace, recoverWorkspace, SETTLE_SECONDS, STATE_FILE } from '../../io/workspace.js';
import {
  DEFAULT_LAB,
  displayPath,
  type GlobalOptions,
  instantRequested,
  loadTopologyOrFail,
  openSource,
  openWorkspace,
  refuseForeignDirectory,
  refuseStateless,
  stateDir,
  underLock,
  viewSimulation,
} from '../context.js';
import { CommandFailure, InputProblems } from '../errors.js';
import type { CliIo } from '../io.js';

export function initCommand(
  io: CliIo,
  options: GlobalOptions,
  file: string | undefined,
  flags: { pods: boolean; force?: boolean },
): number {
  const dir = stateDir(options, io);
  const replace = isWorkspace(dir, io.fs);
  if (replace && !flags.force) {
    throw new CommandFailure(
      `error: workspace ${displayPath(io, dir)} already exists (podnet init --force replaces it)`,
      1,
    );
  }
  refuseForeignDirectory(io, dir);
  if (dir === io.cwd || !relative(dir, io.cwd).startsWith('..')) {
    throw new CommandFailure(
      `error: the workspace ${displayPath(io, dir)} would hold the current directory; choose another with --state DIR`,
      1,
    );
  }
  requireOutputDir(io.fs, dirname(dir));
  const path = file === undefined ? DEFAULT_LAB : resolve(io.cwd, file);
  const loaded = loadTopologyOrFail(io, path, options);
  const snapshot = flags.pods ? loaded.snapshot() : withoutPods(loaded.snapshot());
  // A workspace keeps its clock mode: --force on a settled (instant) one, as labs open makes, stays settled.
  const instant = instantRequested(options, io) || (replace && clockIsInstant(dir, io));
  const make = () =>
    createWorkspace(dir, displayPath(io, path), snapshot, io.fs, { instant, wallMs: io.wallMs() }, replace);
  if (replace) underLock(io, options, 'init --force', make);
  else make();
  const { topology } = loaded;
  const pods = flags.pods ? topology.pods.length : 0;
  io.stdout(
    `workspace ${displayPath(io, dir)} created from ${displayPath(io, path)}: cluster ${topology.name}, ` +
      `${topology.nodes.length} node${topology.nodes.length === 1 ? '' : 's'}, ${pods} pod${pods === 1 ? '' : 's'}, ` +
      `pool${topology.pools.length === 1 ? '' : 's'} ${topology.pools.map((p) => formatCidr(p.cidr)).join(', ')}\n`,
  );
  return 0;
}

/** Ink's own test for CI (is-in-ci: CI or CONTINUOUS_INTEGRATION set, and not "0" or "false"). */
function inCi(env: Readonly<Record<string, string | undefined>>): boolean {
  return [env['CI'], env['CONTINUOUS_INTEGRATION']].some((v) => v !== undefined && v !== '0' && v !== 'false');
}

/** Whether an existing workspace's clock is the settled (instant) kind; read even from a damaged state. */
function clockIsInstant(dir: string, io: CliIo): boolean {
  try {
    const state = JSON.parse(io.fs.readText(join(dir, STATE_FILE)) ?? '{}') as { clock?: { instant?: unknown } };
    return state.clock?.instant === true;
  } catch {
    return false;
  }
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

/** `podnet advance DURATION`: the workspace's clock moves on, as if that much time had passed. */
export function advanceCommand(io: CliIo, options: GlobalOptions, duration: string): number {
  refuseStateless(options, 'advance');
  const seconds = /^\d+(\.\d+)?(ms|s|m|h)$/.test(duration) ? parseDuration(duration) : Number.NaN;
  if (!Number.isFinite(seconds) || seconds <= 0 || seconds > 1e9)
    throw new CommandFailure(`error: "${duration}" is not a duration such as 30s, 5m or 1h`, 1);
  const now = underLock(io, options, 'advance', () => {
    const workspace = openWorkspace(options, io);
    const moved = workspace.withEntries([], seconds);
    moved.save(io.fs);
    return moved.now(io.wallMs());
  });
  io.stdout(`simulated time is now ${now.toFixed(1)}s (moved on ${duration})\n`);
  return 0;
}

/**
 * `podnet workspace recover`: puts back the previous generation of a damaged state (keeping the
 * damaged file), or with --accept-edits seals a hand-edited state that passes every other check.
 */
export function recoverCommand(io: CliIo, options: GlobalOptions, flags: { acceptEdits?: boolean }): number {
  const dir = stateDir(options, io);
  if (!isWorkspace(dir, io.fs))
    throw new CommandFailure(`error: ${displayPath(io, dir)} holds no podnet workspace to recover`, 1);
  const where = displayPath(io, dir);
  const recovery = underLock(io, options, 'workspace recover', () =>
    recoverWorkspace(dir, io.fs, flags.acceptEdits === true),
  );
  switch (recovery.kind) {
    case 'intact':
      io.stdout(`workspace ${where} is intact: nothing to recover\n`);
      return 0;
    case 'accepted':
      io.stdout(
        `workspace ${where}: the edited state (${recovery.entries} journal entries) passes every check and is sealed as it is\n`,
      );
      return 0;
    case 'restored':
      io.stdout(
        `workspace ${where}: restored the previous state (${recovery.entries} journal entries); ` +
          `the damaged file is kept as ${recovery.keptAs}${recovery.lost > 0 ? ` and holds ${recovery.lost} later entr${recovery.lost === 1 ? 'y' : 'ies'} not restored` : ''}\n`,
      );
      return 0;
    case 'impossible':
      throw new InputProblems(
        recovery.problems.map((p) => ({ ...p, file: displayPath(io, p.file) })),
        `the previous state cannot be restored either; the workspace ${where} was left as it is (podnet init --force starts over)`,
      );
  }
}

/**
 * `podnet validate FILE…`: every problem of every file, located; with -o json, the same as data
 * (each problem with its code, for tools and autograders to match on), exit 2 all the same.
 */
export function validateCommand(
  io: CliIo,
  options: GlobalOptions,
  files: readonly string[],
  flags: { output?: 'json' } = {},
): number {
  const problems: LocatedMessage[] = [];
  const valid: {
    file: string;
    cluster: string;
    nodes: number;
    routers: number;
    pools: number;
    pods: number;
    events: number;
  }[] = [];
  for (const file of files) {
    try {
      const { topology: t } = loadTopologyOrFail(io, file, options);
      valid.push({
        file,
        cluster: t.name,
        nodes: t.nodes.length,
        routers: t.routers.length,
        pools: t.pools.length,
        pods: t.pods.length,
        events: t.events.length,
      });
    } catch (error) {
      if (!(error instanceof InputProblems)) throw error;
      problems.push(...error.problems);
    }
  }
  if (flags.output === 'json') {
    io.stdout(`${JSON.stringify({ valid, problems }, null, 2)}\n`);
    return problems.length > 0 ? 2 : 0;
  }
  for (const v of valid) {
    io.stdout(
      `${v.file}: valid (cluster ${v.cluster}: ${v.nodes} nodes, ${v.routers} routers, ` +
        `${v.pools} pools, ${v.pods} pods, ${v.events} events)\n`,
    );
  }
  if (problems.length > 0) throw new InputProblems(problems);
  return 0;
}

/** The main job: the cluster at a glance: nodes, pods, address blocks, BGP, one node's routes. */
export function statusCommand(io: CliIo, options: GlobalOptions, flags: { output?: 'json' } = {}): number {
  const { sim, moment, workspace } = viewSimulation(options, io);
  const { cluster, topology } = sim;
  const source = workspace
    ? `workspace ${displayPath(io, workspace.dir)} (from ${workspace.state.origin})`
    : options.topology;
  if (flags.output === 'json') {
    const status = {
      cluster: topology.name,
      source,
      simulatedTime: moment.now,
      nodes: cluster.nodes().map((record) => nodeObject(cluster, record, moment)),
      pods: cluster.pods().map((record) => podObject(cluster, record, moment)),
      bgp: summaryData(sim),
    };
    io.stdout(`${JSON.stringify(status, null, 2)}\n`);
    return 0;
  }
  const mesh = topology.bgp.nodeToNodeMeshEnabled ? 'node-to-node mesh' : 'no mesh';
  const worker = topology.nodes.find((n) => n.role === 'worker') ?? topology.nodes[0];
  const fib = worker === undefined ? undefined : buildFib(sim, worker.name);
  io.stdout(
    [
      `Cluster ${topology.name}, ${source}, simulated time ${moment.now.toFixed(1)}s`,
      `BGP: AS ${topology.bgp.asNumber}, ${mesh}; IPAM: strictAffinity ${topology.ipam.strictAffinity}, maxBlocksPerHost ${topology.ipam.maxBlocksPerHost}`,
      '',
      '$ podnet get nodes -o wide',
      getNodes(cluster, cluster.nodes(), moment, { wide: true, showLabels: false }),
      '',
      '$ podnet get pods -A -o wide',
      cluster.pods().length === 0
        ? 'No resources found'
        : getPods(cluster, cluster.pods(), moment, { wide: true, allNamespaces: true, showLabels: false }),
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
  const source =
    file !== undefined
      ? { ...options, topology: file }
      : options.topology !== undefined || io.fs.exists(stateDir(options, io))
        ? options
        : { ...options, topology: DEFAULT_LAB };
  if (io.terminal === undefined) {
    statusCommand(io, source);
    io.stderr(
      'podnet tui: standard output is not a terminal, so this is the summary; run it in a terminal for the interactive view\n',
    );
    return 0;
  }
  // Ink draws nothing while CI is set (it assumes a log, not a screen): say so instead of a blank screen.
  if (inCi(io.env)) {
    statusCommand(io, source);
    io.stderr(
      'podnet tui: CI is set, and the terminal UI does not draw under CI, so this is the summary; unset CI for the interactive view\n',
    );
    return 0;
  }
  const { topology, journal, moment, workspace } = openSource(source, io);
  // A topology file opens where it first converged; a workspace, at its present.
  const at =
    workspace !== undefined
      ? moment.now
      : Math.ceil(new Query(simulate(topology, journal, { until: SETTLE_SECONDS })).counters.lastRouteChange);
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

function wholeNumber(text: string, flag: string, min: number, max: number, why = ''): number {
  const value = Number(text);
  if (!Number.isInteger(value) || value < min || value > max)
    throw new CommandFailure(`error: ${flag} "${text}" must be a whole number from ${min} to ${max}${why}`, 1);
  return value;
}

/**
 * `podnet generate`: refuses, before writing anything, what its own `check` would reject: more
 * than Kubernetes' ceiling (unless --beyond-limits), and a pool smaller than one block.
 */
export function generateCommand(io: CliIo, options: GlobalOptions, flags: GenerateFlags): number {
  const limits = options.beyondLimits ? NO_LIMITS : KUBERNETES_LIMITS;
  const beyond = options.beyondLimits ? '' : " (Kubernetes' ceiling; --beyond-limits goes past it)";
  const nodes = wholeNumber(flags.nodes, '--nodes', 1, Math.min(limits.nodes, 100_000), beyond);
  const podsPerNode = wholeNumber(flags.podsPerNode, '--pods-per-node', 0, 10_000);
  if (nodes * podsPerNode > limits.pods) {
    throw new CommandFailure(
      `error: --nodes ${nodes} × --pods-per-node ${podsPerNode} is ${nodes * podsPerNode} pods; podnet models at most ${limits.pods}${beyond}`,
      1,
    );
  }
  const pool = flags.pool === undefined ? undefined : parseCidr(flags.pool);
  if (pool !== undefined && !pool.ok) throw new CommandFailure(`error: --pool: ${pool.reason}`, 1);
  if (pool?.ok && pool.value.len > GENERATED_BLOCK_SIZE) {
    throw new CommandFailure(
      `error: --pool ${flags.pool} is smaller than one /${GENERATED_BLOCK_SIZE} block; a pool needs a prefix of /${GENERATED_BLOCK_SIZE} or shorter`,
      1,
    );
  }
  const output = flags.output === undefined ? undefined : resolve(io.cwd, flags.output);
  if (output !== undefined) requireOutputFile(io.fs, output);
  const text = generateTopology({
    nodes,
    podsPerNode,
    design: flags.design,
    reflectors: Math.min(nodes, wholeNumber(flags.reflectors, '--reflectors', 2, 1000)),
    racks: Math.min(nodes, wholeNumber(flags.racks, '--racks', 1, 10_000)),
    spine: flags.spine ?? false,
    encap: flags.encap,
    seed: wholeNumber(flags.seed, '--seed', 0, 2 ** 31),
    ...(pool?.ok ? { pool: pool.value } : {}),
  });
  if (output === undefined) io.stdout(text);
  else io.fs.writeAtomic(output, text);
  return 0;
}

export function topologyJsonSchema(): object {
  const documents = [
    schema.topologyDocument,
    schema.podManifest,
    schema.serviceManifest,
    schema.replicationControllerManifest,
    schema.replicaSetManifest,
    schema.deploymentManifest,
    schema.ipPoolResource,
    schema.bgpPeerResource,
    schema.bgpConfigurationResource,
    schema.ipamConfigurationResource,
    schema.calicoNodeResource,
    schema.kubeNodeResource,
    schema.networkPolicyManifest,
    schema.calicoNetworkPolicyManifest,
    schema.globalNetworkPolicyManifest,
    schema.namespaceManifest,
    schema.tierManifest,
  ];
  return {
    ...z.toJSONSchema(z.union(documents), { io: 'input', unrepresentable: 'any' }),
    $id: 'urn:podnet:topology-schema',
    title: 'podnet topology',
    description:
      'A podnet topology file: one document with a cluster: section, optionally followed by Kubernetes/Calico resources.',
  };
}

export function schemaCommand(io: CliIo): number {
  io.stdout(`${JSON.stringify(topologyJsonSchema(), null, 2)}\n`);
  return 0;
}
