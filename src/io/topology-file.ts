/**
 * Loading a topology file: its YAML documents, the Pod files it references, and the core's
 * resolution, with every problem located at file:line:column and all of them reported together.
 */
import { dirname, resolve as resolvePath } from 'node:path';
import { stringify } from 'yaml';
import { byCodeUnit } from '../core/order.js';
import type { Topology } from '../core/topology/model.js';
import { type InputDocument, KUBERNETES_LIMITS, NO_LIMITS, resolveTopology } from '../core/topology/resolve.js';
import type { FileSystem } from './fs.js';
import { type LocatedMessage, SourceTable } from './sources.js';

/**
 * The largest file podnet reads. A generated 5,000-node, 150,000-pod topology is about 430 KiB;
 * 8 MiB leaves room for hand-written pod lists while keeping a parse well under a second.
 */
export const MAX_INPUT_BYTES = 8 * 1024 * 1024;
/** With --beyond-limits: still bounded, so a device or an endless file cannot take all memory. */
export const MAX_INPUT_BYTES_BEYOND_LIMITS = 256 * 1024 * 1024;

export interface LoadOptions {
  /** Lift Kubernetes' ceiling (5,000 nodes, 150,000 pods) and the file size limit, on purpose. */
  readonly beyondLimits?: boolean;
}

/** A file a user handed podnet, or the located reason it cannot be read. */
export function readInputFile(
  file: string,
  fs: FileSystem,
  options: LoadOptions = {},
): { ok: true; text: string } | { ok: false; problem: LocatedMessage } {
  const read = fs.readInput(file, options.beyondLimits ? MAX_INPUT_BYTES_BEYOND_LIMITS : MAX_INPUT_BYTES);
  if (read.ok) return read;
  const tooLarge = read.tooLarge === true;
  const hint = tooLarge && !options.beyondLimits ? ' (--beyond-limits reads up to 256 MiB)' : '';
  const code = tooLarge ? 'too-large' : 'unreadable';
  return { ok: false, problem: { file, line: 1, column: 1, code, message: `cannot read file: ${read.reason}${hint}` } };
}

export type LoadResult =
  | { readonly ok: true; readonly topology: Topology; readonly sources: SourceTable; readonly snapshot: () => string }
  | { readonly ok: false; readonly problems: readonly LocatedMessage[] };

export function loadTopology(file: string, fs: FileSystem, options: LoadOptions = {}): LoadResult {
  const sources = new SourceTable();
  const read = readInputFile(file, fs, options);
  if (!read.ok) return { ok: false, problems: [read.problem] };
  const documents = sources.addFile(file, read.text);
  // A file YAML cannot parse says nothing reliable about its topology: report the syntax alone.
  if (sources.problems.length > 0) return { ok: false, problems: sortProblems(sources.problems) };
  if (documents.every(({ value }) => value === null || value === undefined)) {
    return {
      ok: false,
      problems: [
        {
          file,
          line: 1,
          column: 1,
          code: 'document',
          message: 'the file holds no YAML document: a topology file needs a cluster: section (name, seed, bgp, ipam)',
        },
      ],
    };
  }
  const inputs: InputDocument[] = documents.map(({ source, value }) => ({ source, value, expect: 'any' }));
  const referenced = new Map<number, unknown[]>();
  const main = documents.find(({ value }) => isRecord(value) && 'cluster' in value && !('kind' in value));
  if (main !== undefined) {
    const pods = (main.value as Record<string, unknown>)['pods'];
    (Array.isArray(pods) ? pods : []).forEach((entry, i) => {
      if (!isRecord(entry) || typeof entry['file'] !== 'string') return;
      const path = resolvePath(dirname(file), entry['file']);
      const podRead = readInputFile(path, fs, options);
      if (!podRead.ok) {
        const reason = podRead.problem.message.replace(/^cannot read file: /, '');
        const message = fs.exists(path)
          ? `referenced file "${entry['file']}" cannot be read: ${reason}`
          : `referenced file "${entry['file']}" not found (looked for ${path})`;
        sources.problems.push(sources.locatePath(main.source, ['pods', i, 'file'], 'unreadable', message));
        return;
      }
      const podDocs = sources.addFile(path, podRead.text);
      referenced.set(
        i,
        podDocs.map((doc) => doc.value),
      );
      for (const doc of podDocs)
        inputs.push({ source: doc.source, value: doc.value, expect: 'pods', referencedFrom: i });
    });
  }
  const resolution = resolveTopology(inputs, options.beyondLimits ? NO_LIMITS : KUBERNETES_LIMITS);
  const problems = [
    ...sources.problems,
    ...(resolution.ok ? [] : resolution.issues.map((issue) => sources.locate(issue))),
  ];
  if (!resolution.ok || problems.length > 0) return { ok: false, problems: sortProblems(problems) };
  return {
    ok: true,
    topology: resolution.topology,
    sources,
    snapshot: () => snapshotOf(documents, main?.source, referenced),
  };
}

/**
 * The topology as one self-contained YAML text, referenced Pod files expanded in place, for a
 * workspace to keep: later edits of the original files do not rewrite a workspace's history.
 */
function snapshotOf(
  documents: readonly { source: number; value: unknown }[],
  mainSource: number | undefined,
  referenced: Map<number, unknown[]>,
): string {
  const texts = documents.map(({ source, value }) => {
    if (source !== mainSource || !isRecord(value) || !Array.isArray(value['pods'])) return stringify(value);
    const pods = value['pods'].flatMap((entry, i) => referenced.get(i) ?? [entry]);
    return stringify({ ...value, pods });
  });
  return texts.join('---\n');
}

export function sortProblems(problems: readonly LocatedMessage[]): LocatedMessage[] {
  return [...problems].sort((a, b) => byCodeUnit(a.file, b.file) || a.line - b.line || a.column - b.column);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The YAML documents of a manifest file (`podnet create -f`), with their source indices. */
export function loadManifests(
  file: string,
  fs: FileSystem,
  sources: SourceTable,
  options: LoadOptions = {},
): { ok: true; documents: { source: number; value: unknown }[] } | { ok: false; problems: LocatedMessage[] } {
  const read = readInputFile(file, fs, options);
  if (!read.ok) return { ok: false, problems: [read.problem] };
  const before = sources.problems.length;
  const documents = sources.addFile(file, read.text).filter((doc) => doc.value !== null && doc.value !== undefined);
  const problems = sources.problems.slice(before);
  return problems.length > 0 ? { ok: false, problems } : { ok: true, documents };
}
