/**
 * A workspace: a directory (default ./.podnet) holding the topology it was created from, as a
 * self-contained snapshot, and the journal of what the user applied since, with simulated
 * timestamps. Replaying the journal over the topology rebuilds the cluster exactly.
 *
 * Simulated time follows wall time: `now` is the seconds since the workspace was created, plus
 * whatever `--instant` skipped. An instant workspace (made with --instant or PODNET_INSTANT=1)
 * never reads the wall clock, so scripts and tests see the same bytes every run.
 *
 * Nothing a user did is lost:
 * - the state carries a checksum of itself and of the topology snapshot, so damage (or an edit
 *   outside podnet) is detected on load and never re-saved;
 * - every journal entry is checked against the topology (a manifest that still resolves, machines
 *   that exist, times that do not run backwards), located like any other input problem;
 * - each save keeps the state it replaces as `state.prev.json`, the generation `recover` restores;
 * - a new workspace is built in a temporary directory and renamed into place, so a half-made one
 *   is never seen, and `init --force` swaps the old one out only once the new one is complete.
 * Writers serialise on the workspace lock (cli/context.ts); readers need none, since every file is
 * replaced by an atomic rename.
 */
import { createHash } from 'node:crypto';
import { basename, dirname, join } from 'node:path';
import * as z from 'zod';
import { toClusterOps, type WorldOp } from '../core/bgp/simulate.js';
import type { ClusterOp } from '../core/cluster/index.js';
import type { Issue, Topology } from '../core/topology/model.js';
import type { SubmittedObject } from '../core/topology/resolve.js';
import { recordingErrorMap, toIssues } from '../core/topology/zod-issues.js';
import type { FileSystem } from './fs.js';
import { checkJournal, type JournalEntry, journalEntry, journalOps, moment } from './journal.js';
import { type LocatedMessage, SourceTable } from './sources.js';
import { loadTopology, readInputFile } from './topology-file.js';

/** How far `--instant` moves simulated time: long enough for pods to start and hold timers (240 s) to run out. */
export const SETTLE_SECONDS = 300;
/** The wall-clock moment an instant workspace's simulated time 0 is shown as. */
export const INSTANT_EPOCH_MS = Date.UTC(2026, 0, 1);

const sealedFields = {
  origin: z.string(),
  clock: z.strictObject({ instant: z.boolean(), startedAt: z.number().nonnegative().max(8.64e15), skipped: moment }),
  topology: z.string().regex(/^sha256:[0-9a-f]{64}$/),
  journal: z.array(journalEntry),
};

const stateSchema = z.strictObject({
  podnet: z.literal(2, 'a podnet 2 state file (podnet workspace recover --accept-edits adopts an older one)'),
  ...sealedFields,
  checksum: z.string(),
});

export type WorkspaceState = Omit<z.output<typeof stateSchema>, 'checksum' | 'podnet'>;
export type { JournalEntry } from './journal.js';

export const STATE_FILE = 'state.json';
export const PREVIOUS_STATE_FILE = 'state.prev.json';
export const TOPOLOGY_FILE = 'topology.yaml';
export const LOCK_FILE = 'lock';

export type WorkspaceLoad =
  | { readonly ok: true; readonly workspace: Workspace }
  | { readonly ok: false; readonly problems: readonly LocatedMessage[] };

export class Workspace {
  constructor(
    readonly dir: string,
    readonly state: WorkspaceState,
    readonly topology: Topology,
    readonly sources: SourceTable,
    /** The state file's text as it was loaded: the generation a save keeps as the previous one. */
    private readonly loadedText: string,
    /** Objects of the journal's create and apply entries, by entry index, as they resolved on load. */
    private readonly journalObjects: ReadonlyMap<number, SubmittedObject>,
  ) {}

  now(wallMs: number): number {
    const { clock } = this.state;
    return (clock.instant ? 0 : Math.max(0, (wallMs - clock.startedAt) / 1000)) + clock.skipped;
  }

  epochMs(): number {
    return this.state.clock.instant ? INSTANT_EPOCH_MS : this.state.clock.startedAt;
  }

  /** The journal as world operations; every entry was checked against the topology on load. */
  worldOps(): WorldOp[] {
    return journalOps(this.state.journal, this.journalObjects, this.topology);
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
    return new Workspace(this.dir, state, this.topology, this.sources, this.loadedText, this.journalObjects);
  }

  /** Writes the state; the one it replaces is kept first, so either write failing loses nothing. */
  save(fs: FileSystem): void {
    fs.writeAtomic(join(this.dir, PREVIOUS_STATE_FILE), this.loadedText);
    fs.writeAtomic(join(this.dir, STATE_FILE), sealState(this.state));
  }
}

function sha256(text: string): string {
  return `sha256:${createHash('sha256').update(text).digest('hex')}`;
}

/** The state file's text: the state, then a checksum of exactly the text before it. */
export function sealState(state: WorkspaceState): string {
  const { origin, clock, topology, journal } = state;
  const body = JSON.stringify({ podnet: 2, origin, clock, topology, journal }, null, 2);
  return `${body.slice(0, -2)},\n  "checksum": "${sha256(body)}"\n}\n`;
}

/**
 * Makes a new workspace in `dir`: built complete in a sibling temporary directory, then renamed
 * into place. With `replace`, an existing workspace is moved aside first and removed only after
 * the new one is in place; if anything fails, the old one is put back as it was.
 */
export function createWorkspace(
  dir: string,
  origin: string,
  snapshot: string,
  fs: FileSystem,
  clock: { instant: boolean; wallMs: number },
  replace = false,
): void {
  const topologyText = `# podnet workspace snapshot of ${origin}\n${snapshot}`;
  const state: WorkspaceState = {
    origin,
    clock: { instant: clock.instant, startedAt: clock.wallMs, skipped: clock.instant ? SETTLE_SECONDS : 0 },
    topology: sha256(topologyText),
    journal: [],
  };
  fs.mkdirp(dirname(dir));
  const building = join(dirname(dir), `.${basename(dir)}.new-${process.pid}`);
  fs.remove(building);
  try {
    fs.mkdirp(building);
    fs.writeAtomic(join(building, TOPOLOGY_FILE), topologyText);
    fs.writeAtomic(join(building, STATE_FILE), sealState(state));
    if (!replace) {
      fs.rename(building, dir);
      return;
    }
    const old = join(dirname(dir), `.${basename(dir)}.old-${process.pid}`);
    fs.remove(old);
    fs.rename(dir, old);
    try {
      fs.rename(building, dir);
    } catch (error) {
      fs.rename(old, dir);
      throw error;
    }
    fs.remove(old);
  } finally {
    fs.remove(building);
  }
}

/** True when `dir` holds a workspace (its state file), as opposed to some other directory. */
export function isWorkspace(dir: string, fs: FileSystem): boolean {
  return fs.kind(join(dir, STATE_FILE)) === 'file';
}

export function loadWorkspace(dir: string, fs: FileSystem): WorkspaceLoad {
  return loadStateFile(dir, join(dir, STATE_FILE), fs, { acceptEdits: false });
}

/**
 * Reads one state file (the current one, or the previous generation) with every check: syntax,
 * schema, checksum, the topology snapshot's checksum, and each journal entry against the
 * topology. `acceptEdits` skips only the state's own checksum (for `recover --accept-edits`).
 */
export function loadStateFile(
  dir: string,
  statePath: string,
  fs: FileSystem,
  options: { acceptEdits: boolean },
): WorkspaceLoad {
  const read = readStateDocument(statePath, fs);
  if (!read.ok) return read;
  const { text, sources, source, value, record } = read;
  const problems: LocatedMessage[] = [];
  const parsed = parseState(value, record, options.acceptEdits);
  if (!parsed.success) problems.push(...parsed.issues(source).map((issue) => sources.locate(issue)));
  if (!options.acceptEdits && typeof record['checksum'] === 'string') {
    const { checksum, ...sealed } = record;
    if (checksum !== sha256(JSON.stringify(sealed, null, 2)))
      problems.push(sources.locatePath(source, ['checksum'], 'workspace', CHECKSUM_MISMATCH));
  }
  const topologyPath = join(dir, TOPOLOGY_FILE);
  const topologyRead = readInputFile(topologyPath, fs, { beyondLimits: true });
  if (!topologyRead.ok) return { ok: false, problems: [...problems, topologyRead.problem] };
  const recorded = parsed.success ? parsed.data.topology : undefined;
  if (recorded !== undefined && recorded !== sha256(topologyRead.text)) {
    problems.push({ file: topologyPath, line: 1, column: 1, code: 'workspace', message: SNAPSHOT_MISMATCH });
  }
  const loaded = loadTopology(topologyPath, fs, { beyondLimits: true });
  if (!loaded.ok) return { ok: false, problems: [...problems, ...loaded.problems] };
  if (!parsed.success) return { ok: false, problems };
  const { origin, clock, journal } = parsed.data;
  const checked = checkJournal(journal, loaded.topology, sources, source);
  problems.push(...checked.problems);
  if (problems.length > 0) return { ok: false, problems };
  const state: WorkspaceState = { origin, clock, topology: sha256(topologyRead.text), journal };
  return { ok: true, workspace: new Workspace(dir, state, loaded.topology, loaded.sources, text, checked.objects) };
}

const CHECKSUM_MISMATCH =
  'the state does not match its checksum: it was damaged or edited outside podnet (podnet workspace recover restores the previous state; --accept-edits keeps these edits)';
const SNAPSHOT_MISMATCH =
  'the topology snapshot does not match the checksum its state recorded: it was cut short or edited outside podnet';

type StateDocument =
  | { ok: true; text: string; sources: SourceTable; source: number; value: unknown; record: Record<string, unknown> }
  | { ok: false; problems: LocatedMessage[] };

/** The state file read and parsed as YAML (JSON is YAML), with its positions. */
function readStateDocument(statePath: string, fs: FileSystem): StateDocument {
  const read = readInputFile(statePath, fs);
  if (!read.ok) {
    const message = read.problem.message.replace('cannot read file', 'cannot read the workspace state file');
    return { ok: false, problems: [{ ...read.problem, message }] };
  }
  const sources = new SourceTable();
  const [doc] = sources.addFile(statePath, read.text);
  if (sources.problems.length > 0) return { ok: false, problems: sources.problems };
  if (doc === undefined)
    return {
      ok: false,
      problems: [{ file: statePath, line: 1, column: 1, code: 'workspace', message: 'the state file is empty' }],
    };
  const record = typeof doc.value === 'object' && doc.value !== null ? (doc.value as Record<string, unknown>) : {};
  return { ok: true, text: read.text, sources, source: doc.source, value: doc.value, record };
}

type StateData = Pick<WorkspaceState, 'origin' | 'clock' | 'journal'> & { readonly topology?: string };

/** The schema check; an older (podnet 1) or unsealed state passes only when edits are accepted. */
function parseState(
  value: unknown,
  record: Record<string, unknown>,
  acceptEdits: boolean,
): { success: true; data: StateData } | { success: false; issues: (source: number) => Issue[] } {
  const legacy = record['podnet'] === 1 && acceptEdits;
  const schema = legacy
    ? z.strictObject({ podnet: z.literal(1), ...sealedFields, topology: sealedFields.topology.optional() })
    : acceptEdits
      ? stateSchema.extend({ checksum: z.string().optional() })
      : stateSchema;
  const known = new Map();
  const parsed = schema.safeParse(value, { error: recordingErrorMap(known), reportInput: true });
  if (parsed.success) return { success: true, data: parsed.data as StateData };
  return { success: false, issues: (source) => toIssues(parsed.error.issues, source, [], known) };
}

export type Recovery =
  | { readonly kind: 'intact' }
  | { readonly kind: 'restored'; readonly entries: number; readonly lost: number; readonly keptAs: string }
  | { readonly kind: 'accepted'; readonly entries: number }
  | { readonly kind: 'impossible'; readonly problems: readonly LocatedMessage[] };

/**
 * `podnet workspace recover`: a damaged state is replaced by the previous generation when that
 * one passes every check (the damaged file is kept beside it, never deleted); with
 * `acceptEdits`, a state that passes every check but its checksum is sealed as it is.
 */
export function recoverWorkspace(dir: string, fs: FileSystem, acceptEdits: boolean): Recovery {
  const current = loadWorkspace(dir, fs);
  if (current.ok) return { kind: 'intact' };
  if (acceptEdits) {
    const edited = loadStateFile(dir, join(dir, STATE_FILE), fs, { acceptEdits: true });
    if (!edited.ok) return { kind: 'impossible', problems: edited.problems };
    fs.writeAtomic(join(dir, STATE_FILE), sealState(edited.workspace.state));
    return { kind: 'accepted', entries: edited.workspace.state.journal.length };
  }
  const previous = loadStateFile(dir, join(dir, PREVIOUS_STATE_FILE), fs, { acceptEdits: false });
  if (!previous.ok) return { kind: 'impossible', problems: current.problems };
  const keptAs = freeName(dir, fs, 'state.damaged', '.json');
  const damaged = fs.readText(join(dir, STATE_FILE));
  if (damaged !== undefined) fs.writeAtomic(join(dir, keptAs), damaged);
  fs.writeAtomic(join(dir, STATE_FILE), sealState(previous.workspace.state));
  const entries = previous.workspace.state.journal.length;
  return { kind: 'restored', entries, lost: Math.max(0, countEntries(damaged) - entries), keptAs };
}

function countEntries(text: string | undefined): number {
  try {
    const journal = (JSON.parse(text ?? '') as { journal?: unknown }).journal;
    return Array.isArray(journal) ? journal.length : 0;
  } catch {
    return 0;
  }
}

function freeName(dir: string, fs: FileSystem, stem: string, ext: string): string {
  for (let n = 1; ; n++) {
    const name = n === 1 ? `${stem}${ext}` : `${stem}.${n}${ext}`;
    if (!fs.exists(join(dir, name))) return name;
  }
}
