/**
 * Where a command's cluster comes from: a topology file given with -t (read-only, shown at its
 * settled moment), or the workspace (created from the built-in seed lab on first use).
 */
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Simulation, simulate, toClusterOps, type WorldOp } from '../core/bgp/simulate.js';
import { buildCluster, type Cluster } from '../core/cluster/index.js';
import type { Topology } from '../core/topology/model.js';
import type { Moment } from '../io/format/kubectl.js';
import { FileWriteError } from '../io/fs.js';
import { LOCK_WAIT_MS, withWorkspaceLock } from '../io/lock.js';
import { loadTopology } from '../io/topology-file.js';
import {
  createWorkspace,
  INSTANT_EPOCH_MS,
  isWorkspace,
  type JournalEntry,
  loadWorkspace,
  SETTLE_SECONDS,
  type Workspace,
} from '../io/workspace.js';
import { CommandFailure, InputProblems } from './errors.js';
import type { CliIo } from './io.js';
import { displayPath } from './paths.js';

export { displayPath };

export const DEFAULT_LAB = fileURLToPath(new URL('../../topologies/seed-lab.yaml', import.meta.url));

export interface GlobalOptions {
  readonly state?: string;
  readonly topology?: string;
  readonly instant?: boolean;
  readonly beyondLimits?: boolean;
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

export function loadTopologyOrFail(
  io: CliIo,
  file: string,
  options: GlobalOptions = {},
): { topology: Topology; snapshot: () => string } {
  const loaded = loadTopology(resolve(io.cwd, file), io.fs, { beyondLimits: options.beyondLimits === true });
  if (!loaded.ok) throw new InputProblems(loaded.problems.map((p) => ({ ...p, file: displayPath(io, p.file) })));
  return loaded;
}

/** The workspace directory: --state, else $PODNET_STATE (empty counts as unset), else ./.podnet. */
export function stateDir(options: GlobalOptions, io: CliIo): string {
  if (options.state !== undefined && options.state.trim() === '') {
    throw new CommandFailure(
      'error: --state is empty; name a directory for the workspace, or leave --state out for ./.podnet',
      1,
    );
  }
  const env = io.env['PODNET_STATE'];
  return resolve(io.cwd, options.state ?? (env === undefined || env.trim() === '' ? '.podnet' : env));
}

/** Refuses a directory that exists but holds no workspace: podnet never writes over a user's files there. */
export function refuseForeignDirectory(io: CliIo, dir: string): void {
  const kind = io.fs.kind(dir);
  if (kind === 'missing' || isWorkspace(dir, io.fs)) return;
  if (kind === 'directory' && (io.fs.list(dir) ?? []).length === 0) return;
  const what = kind === 'directory' ? 'a directory that holds no podnet workspace (no state.json)' : 'not a directory';
  throw new CommandFailure(
    `error: ${displayPath(io, dir)} is ${what}; podnet leaves it alone: choose another with --state DIR`,
    1,
  );
}

/** The workspace, created from the seed lab when there is none yet. */
export function openWorkspace(options: GlobalOptions, io: CliIo): Workspace {
  const dir = stateDir(options, io);
  if (!isWorkspace(dir, io.fs)) {
    refuseForeignDirectory(io, dir);
    const { snapshot } = loadTopologyOrFail(io, DEFAULT_LAB);
    try {
      createWorkspace(dir, displayPath(io, DEFAULT_LAB), snapshot(), io.fs, {
        instant: instantRequested(options, io),
        wallMs: io.wallMs(),
      });
      io.stderr(
        `podnet: created workspace ${displayPath(io, dir)} from the built-in seed lab (podnet init FILE chooses another)\n`,
      );
    } catch (error) {
      // Another command made it in the meantime: use theirs.
      if (!(error instanceof FileWriteError) || !isWorkspace(dir, io.fs)) throw error;
    }
  }
  const loaded = loadWorkspace(dir, io.fs);
  if (!loaded.ok) {
    const problems = loaded.problems.map((p) => ({ ...p, file: displayPath(io, p.file) }));
    throw new InputProblems(
      problems,
      `the workspace ${displayPath(io, dir)} was left as it is: fix the file, or start over with podnet init --force`,
    );
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
export function changeWorkspace(
  io: CliIo,
  options: GlobalOptions,
  verb: string,
  edit: (workspace: Workspace, at: number, say: (text: string) => void) => WorkspaceEdit,
): number {
  refuseStateless(options, verb);
  openWorkspace(options, io);
  // What the edit says is held back until its change is on disk: "created" is never printed for
  // a change that was not saved.
  const said: string[] = [];
  const errors = underLock(io, options, verb, () => {
    const workspace = openWorkspace(options, io);
    const edited = edit(workspace, workspace.now(io.wallMs()), (text) => said.push(text));
    if (edited.entries.length > 0) {
      const skip = workspace.state.clock.instant || instantRequested(options, io) ? SETTLE_SECONDS : 0;
      workspace.withEntries(edited.entries, skip).save(io.fs);
    }
    return edited.errors;
  });
  io.stdout(said.join(''));
  if (errors.length > 0) throw new CommandFailure(errors.join('\n'), 1);
  return 0;
}

/** Runs `work` holding the workspace lock; a writer that cannot get it in time exits 3, having changed nothing. */
export function underLock<T>(io: CliIo, options: GlobalOptions, verb: string, work: () => T): T {
  const dir = stateDir(options, io);
  const waitSeconds = Number(io.env['PODNET_LOCK_WAIT'] ?? Number.NaN);
  const waitMs = Number.isFinite(waitSeconds) && waitSeconds >= 0 ? waitSeconds * 1000 : LOCK_WAIT_MS;
  const locked = withWorkspaceLock(
    io.fs,
    dir,
    { command: `podnet ${verb}`, since: new Date(io.wallMs()).toISOString() },
    waitMs,
    work,
  );
  if (locked.ok) return locked.value;
  const who =
    locked.holder === undefined
      ? 'another podnet command'
      : `${locked.holder.command} (pid ${locked.holder.pid}, since ${locked.holder.since})`;
  throw new CommandFailure(
    `error: the workspace ${displayPath(io, dir)} is busy: ${who} holds its lock; waited ${(locked.waitedMs / 1000).toFixed(1)}s and changed nothing. ` +
      `Try again (PODNET_LOCK_WAIT=SECONDS waits longer)`,
    3,
  );
}

/** The moment a workspace command acts at: its own clock, which only ever moves forward. */
export function workspaceMoment(workspace: Workspace, io: CliIo): Moment {
  return { now: workspace.now(io.wallMs()), epochMs: workspace.epochMs() };
}

/**
 * --instant on a read of a workspace that follows the wall clock moves that clock on for good
 * (and says so), rather than showing a moment the next plain read would go back from.
 */
function settleForGood(options: GlobalOptions, io: CliIo): Workspace {
  underLock(io, options, '--instant', () => {
    const workspace = openWorkspace(options, io);
    workspace.withEntries([], SETTLE_SECONDS).save(io.fs);
  });
  io.stderr(`podnet: --instant moved this workspace's clock on by ${SETTLE_SECONDS} s, for good\n`);
  return openWorkspace(options, io);
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
    const { topology } = loadTopologyOrFail(io, options.topology, options);
    const lastEvent = topology.events.reduce((latest, event) => Math.max(latest, event.at), 0);
    return { topology, journal: [], moment: { now: lastEvent + SETTLE_SECONDS, epochMs: INSTANT_EPOCH_MS } };
  }
  const opened = openWorkspace(options, io);
  const workspace = instantRequested(options, io) && !opened.state.clock.instant ? settleForGood(options, io) : opened;
  return {
    topology: workspace.topology,
    journal: workspace.worldOps(),
    moment: workspaceMoment(workspace, io),
    workspace,
  };
}

/** The cluster now, or at `at` (simulated seconds), for the kubectl-like commands. */
export function viewCluster(options: GlobalOptions, io: CliIo, at?: number): ClusterView {
  const { topology, journal, moment, workspace } = openSource(options, io);
  const now = at ?? moment.now;
  return {
    cluster: buildCluster(topology, toClusterOps(journal), now),
    moment: { now, epochMs: moment.epochMs },
    ...(workspace ? { workspace } : {}),
  };
}

export interface SimulationView {
  readonly sim: Simulation;
  readonly moment: Moment;
  readonly workspace?: Workspace;
}

/** The BGP simulation up to now (or `at`, simulated seconds), for the routing commands. */
export function viewSimulation(
  options: GlobalOptions,
  io: CliIo,
  flags: { at?: number; timeline?: boolean } = {},
): SimulationView {
  const { topology, journal, moment, workspace } = openSource(options, io);
  const until = flags.at ?? moment.now;
  const sim = simulate(topology, journal, { until, timeline: flags.timeline ?? false });
  return { sim, moment: { now: until, epochMs: moment.epochMs }, ...(workspace ? { workspace } : {}) };
}

export function refuseStateless(options: GlobalOptions, verb: string): void {
  if (options.topology !== undefined) {
    throw new CommandFailure(
      `error: ${verb} changes a workspace; -t/--topology only reads a file (use podnet init ${options.topology})`,
      1,
    );
  }
}
