/**
 * A workspace: a directory (default ./.podnet) holding the topology it was created from, as a
 * self-contained snapshot, and the journal of what the user applied since, with simulated
 * timestamps. Replaying the journal over the topology rebuilds the cluster exactly.
 *
 * Simulated time follows wall time: `now` is the seconds since the workspace was created, plus
 * whatever `--instant` skipped. An instant workspace (made with --instant or PODNET_INSTANT=1)
 * never reads the wall clock, so scripts and tests see the same bytes every run.
 * The state file is written atomically and never rewritten when it cannot be read.
 */
import { join } from 'node:path';
import * as z from 'zod';
import type { ClusterOp } from '../core/cluster/index.js';
import { toClusterOps, type WorldOp } from '../core/bgp/simulate.js';
import { resolvePodManifest } from '../core/topology/resolve.js';
import type { Topology } from '../core/topology/model.js';
import { recordingErrorMap, toIssues } from '../core/topology/zod-issues.js';
import type { FileSystem } from './fs.js';
import { SourceTable, type LocatedMessage } from './sources.js';
import { loadTopology } from './topology-file.js';

/** How far `--instant` moves simulated time: long enough for pods to start and hold timers (240 s) to run out. */
export const SETTLE_SECONDS = 300;
/** The wall-clock moment an instant workspace's simulated time 0 is shown as. */
export const INSTANT_EPOCH_MS = Date.UTC(2026, 0, 1);

const journalEntry = z.discriminatedUnion('op', [
  z.strictObject({ op: z.literal('create'), at: z.number().nonnegative(), file: z.string(), manifest: z.record(z.string(), z.unknown()) }),
  z.strictObject({ op: z.literal('delete'), at: z.number().nonnegative(), namespace: z.string(), name: z.string() }),
  z.strictObject({ op: z.literal('link'), at: z.number().nonnegative(), a: z.string(), b: z.string(), up: z.boolean() }),
  z.strictObject({ op: z.literal('machine'), at: z.number().nonnegative(), name: z.string(), up: z.boolean() }),
  z.strictObject({ op: z.literal('port'), at: z.number().nonnegative(), name: z.string(), port: z.number().int().min(1).max(65535), blocked: z.boolean() }),
]);

const stateSchema = z.strictObject({
  podnet: z.literal(1),
  origin: z.string(),
  clock: z.strictObject({ instant: z.boolean(), startedAt: z.number(), skipped: z.number().nonnegative() }),
  journal: z.array(journalEntry),
});

export type WorkspaceState = z.output<typeof stateSchema>;
export type JournalEntry = z.output<typeof journalEntry>;

export const STATE_FILE = 'state.json';
export const TOPOLOGY_FILE = 'topology.yaml';

export type WorkspaceLoad =
  | { readonly ok: true; readonly workspace: Workspace }
  | { readonly ok: false; readonly problems: readonly LocatedMessage[] };

export class Workspace {
  constructor(
    readonly dir: string,
    readonly state: WorkspaceState,
    readonly topology: Topology,
    readonly sources: SourceTable,
  ) {}

  now(wallMs: number): number {
    const { clock } = this.state;
    return (clock.instant ? 0 : Math.max(0, (wallMs - clock.startedAt) / 1000)) + clock.skipped;
  }

  epochMs(): number {
    return this.state.clock.instant ? INSTANT_EPOCH_MS : this.state.clock.startedAt;
  }

  /** The journal as world operations; each manifest was valid when it was recorded. */
  worldOps(): WorldOp[] {
    return this.state.journal.flatMap((entry): WorldOp[] => {
      switch (entry.op) {
        case 'delete':
          return [{ kind: 'delete', at: entry.at, namespace: entry.namespace, name: entry.name }];
        case 'create': {
          const resolved = resolvePodManifest(entry.manifest, 0, this.topology);
          return resolved.ok ? [{ kind: 'create', at: entry.at, pod: resolved.pod }] : [];
        }
        case 'link':
          return [{ kind: 'link', at: entry.at, a: entry.a, b: entry.b, up: entry.up }];
        case 'machine':
          return [{ kind: 'machine', at: entry.at, name: entry.name, up: entry.up }];
        case 'port':
          return [{ kind: 'port', at: entry.at, name: entry.name, port: entry.port, blocked: entry.blocked }];
      }
    });
  }

  /** The journal's operations on the cluster, for commands that need only the cluster. */
  ops(): ClusterOp[] {
    return toClusterOps(this.worldOps());
  }

  withEntries(entries: readonly JournalEntry[], skip: number): Workspace {
    const state: WorkspaceState = {
      ...this.state,
      clock: { ...this.state.clock, skipped: this.state.clock.skipped + skip },
      journal: [...this.state.journal, ...entries],
    };
    return new Workspace(this.dir, state, this.topology, this.sources);
  }

  save(fs: FileSystem): void {
    fs.writeAtomic(join(this.dir, STATE_FILE), `${JSON.stringify(this.state, null, 2)}\n`);
  }
}

export function createWorkspace(dir: string, topologyFile: string, snapshot: string, fs: FileSystem, clock: { instant: boolean; wallMs: number }): void {
  fs.mkdirp(dir);
  fs.writeAtomic(join(dir, TOPOLOGY_FILE), `# podnet workspace snapshot of ${topologyFile}\n${snapshot}`);
  const state: WorkspaceState = {
    podnet: 1,
    origin: topologyFile,
    clock: { instant: clock.instant, startedAt: clock.wallMs, skipped: clock.instant ? SETTLE_SECONDS : 0 },
    journal: [],
  };
  fs.writeAtomic(join(dir, STATE_FILE), `${JSON.stringify(state, null, 2)}\n`);
}

export function loadWorkspace(dir: string, fs: FileSystem): WorkspaceLoad {
  const statePath = join(dir, STATE_FILE);
  const text = fs.readText(statePath);
  if (text === undefined) return { ok: false, problems: [{ file: statePath, line: 1, column: 1, message: 'cannot read the workspace state file' }] };
  const sources = new SourceTable();
  const [doc] = sources.addFile(statePath, text);
  if (sources.problems.length > 0 || doc === undefined) {
    return { ok: false, problems: sources.problems.length > 0 ? sources.problems : [{ file: statePath, line: 1, column: 1, message: 'the state file is empty' }] };
  }
  const known = new Map();
  const parsed = stateSchema.safeParse(doc.value, { error: recordingErrorMap(known), reportInput: true });
  if (!parsed.success) {
    return { ok: false, problems: toIssues(parsed.error.issues, doc.source, [], known).map((issue) => sources.locate(issue)) };
  }
  const loaded = loadTopology(join(dir, TOPOLOGY_FILE), fs);
  if (!loaded.ok) return loaded;
  return { ok: true, workspace: new Workspace(dir, parsed.data, loaded.topology, loaded.sources) };
}
