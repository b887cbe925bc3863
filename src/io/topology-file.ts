/**
 * Loading a topology file: its YAML documents, the Pod files it references, and the core's
 * resolution, with every problem located at file:line:column and all of them reported together.
 */
import { dirname, resolve as resolvePath } from 'node:path';
import { stringify } from 'yaml';
import { resolveTopology, type InputDocument } from '../core/topology/resolve.js';
import type { Topology } from '../core/topology/model.js';
import type { FileSystem } from './fs.js';
import { SourceTable, type LocatedMessage } from './sources.js';

export type LoadResult =
  | { readonly ok: true; readonly topology: Topology; readonly sources: SourceTable; readonly snapshot: () => string }
  | { readonly ok: false; readonly problems: readonly LocatedMessage[] };

export function loadTopology(file: string, fs: FileSystem): LoadResult {
  const sources = new SourceTable();
  const text = fs.readText(file);
  if (text === undefined) return { ok: false, problems: [{ file, line: 1, column: 1, message: 'cannot read file: no such file or not readable' }] };
  const documents = sources.addFile(file, text);
  // A file YAML cannot parse says nothing reliable about its topology: report the syntax alone.
  if (sources.problems.length > 0) return { ok: false, problems: sortProblems(sources.problems) };
  const inputs: InputDocument[] = documents.map(({ source, value }) => ({ source, value, expect: 'any' }));
  const referenced = new Map<number, unknown[]>();
  const main = documents.find(({ value }) => isRecord(value) && 'cluster' in value && !('kind' in value));
  if (main !== undefined) {
    const pods = (main.value as Record<string, unknown>)['pods'];
    (Array.isArray(pods) ? pods : []).forEach((entry, i) => {
      if (!isRecord(entry) || typeof entry['file'] !== 'string') return;
      const path = resolvePath(dirname(file), entry['file']);
      const podText = fs.readText(path);
      if (podText === undefined) {
        sources.problems.push(sources.locatePath(main.source, ['pods', i, 'file'], `referenced file "${entry['file']}" not found (looked for ${path})`));
        return;
      }
      const podDocs = sources.addFile(path, podText);
      referenced.set(i, podDocs.map((doc) => doc.value));
      for (const doc of podDocs) inputs.push({ source: doc.source, value: doc.value, expect: 'pods', referencedFrom: i });
    });
  }
  const resolution = resolveTopology(inputs);
  const problems = [...sources.problems, ...(resolution.ok ? [] : resolution.issues.map((issue) => sources.locate(issue)))];
  if (!resolution.ok || problems.length > 0) return { ok: false, problems: sortProblems(problems) };
  return { ok: true, topology: resolution.topology, sources, snapshot: () => snapshotOf(documents, main?.source, referenced) };
}

/**
 * The topology as one self-contained YAML text, referenced Pod files expanded in place, for a
 * workspace to keep: later edits of the original files do not rewrite a workspace's history.
 */
function snapshotOf(documents: readonly { source: number; value: unknown }[], mainSource: number | undefined, referenced: Map<number, unknown[]>): string {
  const texts = documents.map(({ source, value }) => {
    if (source !== mainSource || !isRecord(value) || !Array.isArray(value['pods'])) return stringify(value);
    const pods = value['pods'].flatMap((entry, i) => referenced.get(i) ?? [entry]);
    return stringify({ ...value, pods });
  });
  return texts.join('---\n');
}

export function sortProblems(problems: readonly LocatedMessage[]): LocatedMessage[] {
  return [...problems].sort((a, b) => a.file.localeCompare(b.file) || a.line - b.line || a.column - b.column);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The YAML documents of a manifest file (`podnet create -f`), with their source indices. */
export function loadManifests(file: string, fs: FileSystem, sources: SourceTable): { ok: true; documents: { source: number; value: unknown }[] } | { ok: false; problems: LocatedMessage[] } {
  const text = fs.readText(file);
  if (text === undefined) return { ok: false, problems: [{ file, line: 1, column: 1, message: 'cannot read file: no such file or not readable' }] };
  const before = sources.problems.length;
  const documents = sources.addFile(file, text).filter((doc) => doc.value !== null && doc.value !== undefined);
  const problems = sources.problems.slice(before);
  return problems.length > 0 ? { ok: false, problems } : { ok: true, documents };
}
