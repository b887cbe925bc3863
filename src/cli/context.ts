/**
 * Where a command's cluster comes from: a topology file given with -t (read-only, shown at its
 * settled moment), or the workspace (created from the built-in seed lab on first use).
 */
import { isAbsolute, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildCluster, type Cluster } from '../core/cluster/index.js';
import type { Topology } from '../core/topology/model.js';
import type { Moment } from '../io/format/kubectl.js';
import { loadTopology } from '../io/topology-file.js';
import { createWorkspace, INSTANT_EPOCH_MS, loadWorkspace, SETTLE_SECONDS, type Workspace } from '../io/workspace.js';
import { CommandFailure, InputProblems } from './errors.js';
import type { CliIo } from './io.js';

export const DEFAULT_LAB = fileURLToPath(new URL('../../topologies/seed-lab.yaml', import.meta.url));

export interface GlobalOptions {
  readonly state?: string;
  readonly topology?: string;
  readonly instant?: boolean;
}

export interface ClusterView {
  readonly cluster: Cluster;
  readonly moment: Moment;
  readonly workspace?: Workspace;
}

export function instantRequested(options: GlobalOptions, io: CliIo): boolean {
  const env = io.env['PODNET_INSTANT'];
  return options.instant === true || (env !== undefined && env !== '' && env !== '0' && env !== 'false');
}

export function displayPath(io: CliIo, path: string): string {
  const rel = relative(io.cwd, path);
  return rel === '' || rel.startsWith('..') || isAbsolute(rel) ? path : rel;
}

export function loadTopologyOrFail(io: CliIo, file: string): { topology: Topology; snapshot: string } {
  const loaded = loadTopology(resolve(io.cwd, file), io.fs);
  if (!loaded.ok) throw new InputProblems(loaded.problems.map((p) => ({ ...p, file: displayPath(io, p.file) })));
  return loaded;
}

export function stateDir(options: GlobalOptions, io: CliIo): string {
  return resolve(io.cwd, options.state ?? io.env['PODNET_STATE'] ?? '.podnet');
}

/** The workspace, created from the seed lab when there is none yet. */
export function openWorkspace(options: GlobalOptions, io: CliIo): Workspace {
  const dir = stateDir(options, io);
  if (!io.fs.exists(dir)) {
    const { snapshot } = loadTopologyOrFail(io, DEFAULT_LAB);
    createWorkspace(dir, displayPath(io, DEFAULT_LAB), snapshot, io.fs, { instant: instantRequested(options, io), wallMs: io.wallMs() });
    io.stderr(`podnet: created workspace ${displayPath(io, dir)} from the built-in seed lab (podnet init FILE chooses another)\n`);
  }
  const loaded = loadWorkspace(dir, io.fs);
  if (!loaded.ok) {
    const problems = loaded.problems.map((p) => ({ ...p, file: displayPath(io, p.file) }));
    throw new InputProblems(problems, `the workspace ${displayPath(io, dir)} was left as it is: fix the file, or start over with podnet init --force`);
  }
  return loaded.workspace;
}

/** The moment a workspace command acts at; --instant first moves time on so pods settle. */
export function workspaceMoment(workspace: Workspace, io: CliIo, instant: boolean): Moment {
  const skip = instant && !workspace.state.clock.instant ? SETTLE_SECONDS : 0;
  return { now: workspace.now(io.wallMs()) + skip, epochMs: workspace.epochMs() };
}

export function viewCluster(options: GlobalOptions, io: CliIo): ClusterView {
  if (options.topology !== undefined) {
    const { topology } = loadTopologyOrFail(io, options.topology);
    const lastEvent = topology.events.reduce((latest, event) => Math.max(latest, event.at), 0);
    return { cluster: buildCluster(topology), moment: { now: lastEvent + SETTLE_SECONDS, epochMs: INSTANT_EPOCH_MS } };
  }
  const workspace = openWorkspace(options, io);
  const moment = workspaceMoment(workspace, io, instantRequested(options, io));
  return { cluster: buildCluster(workspace.topology, workspace.ops(), moment.now), moment, workspace };
}

export function refuseStateless(options: GlobalOptions, verb: string): void {
  if (options.topology !== undefined) {
    throw new CommandFailure(`error: ${verb} changes a workspace; -t/--topology only reads a file (use podnet init ${options.topology})`, 1);
  }
}
