/**
 * Where a command's cluster comes from: a topology file given with -t (read-only, shown at its
 * settled moment), or the workspace (created from the built-in seed lab on first use).
 */
import { isAbsolute, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildCluster, type Cluster } from '../core/cluster/index.js';
import { simulate, toClusterOps, type Simulation, type WorldOp } from '../core/bgp/simulate.js';
import type { Topology } from '../core/topology/model.js';
import type { Moment } from '../io/format/kubectl.js';
import { loadTopology } from '../io/topology-file.js';
import { createWorkspace, INSTANT_EPOCH_MS, loadWorkspace, SETTLE_SECONDS, type JournalEntry, type Workspace } from '../io/workspace.js';
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

export function loadTopologyOrFail(io: CliIo, file: string): { topology: Topology; snapshot: () => string } {
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
    createWorkspace(dir, displayPath(io, DEFAULT_LAB), snapshot(), io.fs, { instant: instantRequested(options, io), wallMs: io.wallMs() });
    io.stderr(`podnet: created workspace ${displayPath(io, dir)} from the built-in seed lab (podnet init FILE chooses another)\n`);
  }
  const loaded = loadWorkspace(dir, io.fs);
  if (!loaded.ok) {
    const problems = loaded.problems.map((p) => ({ ...p, file: displayPath(io, p.file) }));
    throw new InputProblems(problems, `the workspace ${displayPath(io, dir)} was left as it is: fix the file, or start over with podnet init --force`);
  }
  return loaded.workspace;
}

/** What a change to the workspace did: journal entries to record, and kubectl-style refusals. */
export interface WorkspaceEdit {
  readonly entries: readonly JournalEntry[];
  readonly errors: readonly string[];
}

/**
 * A command that changes the workspace at the current moment: what `edit` did is recorded first,
 * then any refusals fail the command (exit 1), as kubectl reports per object. In an instant
 * workspace, or with --instant, simulated time then moves on so the next command sees it settled.
 */
export function changeWorkspace(io: CliIo, options: GlobalOptions, verb: string, edit: (workspace: Workspace, at: number) => WorkspaceEdit): number {
  refuseStateless(options, verb);
  const workspace = openWorkspace(options, io);
  const { entries, errors } = edit(workspace, workspace.now(io.wallMs()));
  if (entries.length > 0) {
    const skip = workspace.state.clock.instant || instantRequested(options, io) ? SETTLE_SECONDS : 0;
    workspace.withEntries(entries, skip).save(io.fs);
  }
  if (errors.length > 0) throw new CommandFailure(errors.join('\n'), 1);
  return 0;
}

/** The moment a workspace command acts at; --instant first moves time on so pods settle. */
export function workspaceMoment(workspace: Workspace, io: CliIo, instant: boolean): Moment {
  const skip = instant && !workspace.state.clock.instant ? SETTLE_SECONDS : 0;
  return { now: workspace.now(io.wallMs()) + skip, epochMs: workspace.epochMs() };
}

export interface Source {
  readonly topology: Topology;
  readonly journal: readonly WorldOp[];
  readonly moment: Moment;
  readonly workspace?: Workspace;
}

/** The topology, the user's journal and the moment to show: from -t FILE, or the workspace. */
export function openSource(options: GlobalOptions, io: CliIo): Source {
  if (options.topology !== undefined) {
    const { topology } = loadTopologyOrFail(io, options.topology);
    const lastEvent = topology.events.reduce((latest, event) => Math.max(latest, event.at), 0);
    return { topology, journal: [], moment: { now: lastEvent + SETTLE_SECONDS, epochMs: INSTANT_EPOCH_MS } };
  }
  const workspace = openWorkspace(options, io);
  return { topology: workspace.topology, journal: workspace.worldOps(), moment: workspaceMoment(workspace, io, instantRequested(options, io)), workspace };
}

export function viewCluster(options: GlobalOptions, io: CliIo): ClusterView {
  const { topology, journal, moment, workspace } = openSource(options, io);
  return { cluster: buildCluster(topology, toClusterOps(journal), moment.now), moment, ...(workspace ? { workspace } : {}) };
}

export interface SimulationView {
  readonly sim: Simulation;
  readonly moment: Moment;
  readonly workspace?: Workspace;
}

/** The BGP simulation up to now (or `at`, simulated seconds), for the routing commands. */
export function viewSimulation(options: GlobalOptions, io: CliIo, flags: { at?: number; timeline?: boolean } = {}): SimulationView {
  const { topology, journal, moment, workspace } = openSource(options, io);
  const until = flags.at ?? moment.now;
  const sim = simulate(topology, journal, { until, timeline: flags.timeline ?? false });
  return { sim, moment: { now: until, epochMs: moment.epochMs }, ...(workspace ? { workspace } : {}) };
}

export function refuseStateless(options: GlobalOptions, verb: string): void {
  if (options.topology !== undefined) {
    throw new CommandFailure(`error: ${verb} changes a workspace; -t/--topology only reads a file (use podnet init ${options.topology})`, 1);
  }
}
