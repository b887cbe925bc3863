/**
 * Source files as the user wrote them: YAML parsed with positions, so any issue the core reports
 * as (document, path) can be shown as file:line:column.
 */
import { LineCounter, isMap, isPair, isScalar, isSeq, parseAllDocuments, type Document, type Node } from 'yaml';
import type { Issue, Path } from '../core/topology/model.js';

export interface SourceDocument {
  readonly file: string;
  readonly document: Document.Parsed;
  readonly lines: LineCounter;
}

import type { LocatedMessage } from './located.js';

export type { LocatedMessage } from './located.js';

/** Every source document podnet read for one command, indexed as the core's Origin.source. */
export class SourceTable {
  private readonly documents: SourceDocument[] = [];
  /** Problems found before the core saw anything: unreadable files, YAML syntax. */
  readonly problems: LocatedMessage[] = [];

  /** Parses a YAML text into documents; returns their source indices and values. */
  addFile(file: string, text: string): { source: number; value: unknown }[] {
    const lines = new LineCounter();
    const parsed = parseAllDocuments(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
    const documents = Array.isArray(parsed) ? parsed : [];
    const result: { source: number; value: unknown }[] = [];
    for (const document of documents) {
      for (const error of [...document.errors, ...document.warnings]) {
        const at = lines.linePos(error.pos[0]);
        this.problems.push({ file, line: at.line, column: at.col, message: yamlMessage(error.code, error.message) });
      }
      if (document.errors.length > 0) continue;
      const source = this.documents.length;
      this.documents.push({ file, document, lines });
      result.push({ source, value: document.toJS({ maxAliasCount: 1000 }) });
    }
    return result;
  }

  fileOf(source: number): string {
    return this.documents[source]?.file ?? '<unknown>';
  }

  locate(issue: Issue): LocatedMessage {
    const doc = this.documents[issue.at.source];
    const where = formatPath(issue.at.path);
    const message = where === '' ? issue.message : `${where}: ${issue.message}`;
    if (doc === undefined) return { file: '<unknown>', line: 1, column: 1, message };
    const offset = findOffset(doc.document, issue.at.path, issue.onKey ?? false);
    const at = doc.lines.linePos(offset);
    return { file: doc.file, line: at.line, column: at.col, message };
  }

  /** A position for a path, for messages the IO layer makes itself. */
  locatePath(source: number, path: Path, message: string, onKey = false): LocatedMessage {
    return this.locate({ at: { source, path }, message, onKey });
  }
}

function yamlMessage(code: string, message: string): string {
  const first = message.split('\n')[0] ?? message;
  return `YAML syntax error (${code}): ${first.replace(/ at line \d+, column \d+:?$/, '')}`;
}

/** The offset of the node at `path`, or of its deepest existing ancestor. */
function findOffset(document: Document.Parsed, path: Path, onKey: boolean): number {
  let node: unknown = document.contents;
  let offset = rangeStart(node) ?? 0;
  for (let i = 0; i < path.length; i++) {
    const segment = path[i];
    const last = i === path.length - 1;
    if (isMap(node)) {
      const pair = node.items.find((item) => isPair(item) && isScalar(item.key) && String(item.key.value) === String(segment));
      if (pair === undefined) return offset;
      if (last && onKey) return rangeStart(pair.key) ?? offset;
      node = pair.value;
      offset = rangeStart(node) ?? rangeStart(pair.key) ?? offset;
    } else if (isSeq(node) && typeof segment === 'number') {
      const item = node.items[segment];
      if (item === undefined) return offset;
      node = item;
      offset = rangeStart(node) ?? offset;
    } else {
      return offset;
    }
  }
  return offset;
}

function rangeStart(node: unknown): number | undefined {
  const range = (node as Node | null)?.range;
  return range ? range[0] : undefined;
}

export function formatPath(path: Path): string {
  let text = '';
  for (const segment of path) text += typeof segment === 'number' ? `[${segment}]` : text === '' ? segment : `.${segment}`;
  return text;
}
