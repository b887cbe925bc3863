/**
 * Source files as the user wrote them: YAML parsed with positions, so any issue the core reports
 * as (document, path) can be shown as file:line:column.
 *
 * YAML is read as a security-minded parser reads it: alias expansion is bounded (an alias bomb is
 * a located error, not a gigabyte), an alias to an undefined anchor and a custom tag are located
 * errors, and so are nesting deeper than YAML_LIMITS.depth and scalars longer than
 * YAML_LIMITS.scalarChars, so nothing later (zod, the selector parser) recurses without bound.
 */
import {
  type Document,
  isAlias,
  isCollection,
  isDocument,
  isMap,
  isPair,
  isScalar,
  isSeq,
  LineCounter,
  type Node,
  parseAllDocuments,
} from 'yaml';
import type { Issue, IssueCode, Path } from '../core/topology/model.js';

export interface SourceDocument {
  readonly file: string;
  readonly document: Document.Parsed;
  readonly lines: LineCounter;
}

import { type LocatedMessage, thousands } from './located.js';

export type { LocatedMessage } from './located.js';

/** Every source document podnet read for one command, indexed as the core's Origin.source. */
export class SourceTable {
  private readonly documents: SourceDocument[] = [];
  /** Problems found before the core saw anything: unreadable files, YAML syntax. */
  readonly problems: LocatedMessage[] = [];

  /** Parses a YAML text into documents; returns their source indices and values. */
  addFile(file: string, text: string): { source: number; value: unknown }[] {
    const lines = new LineCounter();
    let parsed: Document.Parsed[] | { empty: true };
    try {
      parsed = parseAllDocuments(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true }) as
        | Document.Parsed[]
        | { empty: true };
    } catch (error) {
      // yaml reports its own failures as document errors; this is the parser itself giving up.
      this.problems.push({
        file,
        line: 1,
        column: 1,
        code: 'yaml',
        message: `YAML the parser cannot read: ${error instanceof Error ? error.message : String(error)}`,
      });
      return [];
    }
    const documents = Array.isArray(parsed) ? parsed : [];
    const result: { source: number; value: unknown }[] = [];
    for (const document of documents) {
      for (const error of [...document.errors, ...document.warnings]) {
        const at = lines.linePos(error.pos[0]);
        this.problems.push({
          file,
          line: at.line,
          column: at.col,
          code: 'yaml',
          message: yamlMessage(error.code, error.message),
        });
      }
      if (document.errors.length > 0) continue;
      const limit = structuralProblem(document);
      if (limit !== undefined) {
        const at = lines.linePos(limit.offset);
        this.problems.push({ file, line: at.line, column: at.col, code: 'yaml', message: limit.message });
        continue;
      }
      let value: unknown;
      try {
        value = document.toJS({ maxAliasCount: YAML_LIMITS.aliasCount });
      } catch (error) {
        const at = lines.linePos(firstAliasOffset(document) ?? rangeStart(document.contents) ?? 0);
        this.problems.push({ file, line: at.line, column: at.col, code: 'yaml', message: aliasMessage(error) });
        continue;
      }
      const source = this.documents.length;
      this.documents.push({ file, document, lines });
      result.push({ source, value });
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
    if (doc === undefined) return { file: '<unknown>', line: 1, column: 1, code: issue.code, message };
    const offset = findOffset(doc.document, issue.at.path, issue.onKey ?? false);
    const at = doc.lines.linePos(offset);
    return { file: doc.file, line: at.line, column: at.col, code: issue.code, message };
  }

  /** A position for a path, for messages the IO layer makes itself. */
  locatePath(source: number, path: Path, code: IssueCode, message: string, onKey = false): LocatedMessage {
    return this.locate({ at: { source, path }, code, message, onKey });
  }
}

/** What YAML podnet reads: no topology needs more, and none of these can be lifted. */
export const YAML_LIMITS = {
  /** Nested mappings and lists; a topology needs about 12. */
  depth: 64,
  /** Characters in one scalar; the longest a topology needs is a selector or an annotation. */
  scalarChars: 65_536,
  /** Nodes that aliases may expand to, as yaml's own guard against "billion laughs" counts them. */
  aliasCount: 1_000,
} as const;

/** The first limit a document breaks, found without recursion (so depth itself cannot overflow). */
function structuralProblem(document: Document.Parsed): { offset: number; message: string } | undefined {
  const stack: { node: unknown; depth: number }[] = [{ node: document.contents, depth: 1 }];
  while (stack.length > 0) {
    const { node, depth } = stack.pop() as { node: unknown; depth: number };
    if (isScalar(node)) {
      if (typeof node.value === 'string' && node.value.length > YAML_LIMITS.scalarChars) {
        return {
          offset: rangeStart(node) ?? 0,
          message: `a value of ${thousands(node.value.length)} characters; podnet reads values of at most ${thousands(YAML_LIMITS.scalarChars)}`,
        };
      }
    } else if (isCollection(node)) {
      if (depth > YAML_LIMITS.depth)
        return {
          offset: rangeStart(node) ?? 0,
          message: `nested more than ${YAML_LIMITS.depth} levels deep; no topology needs that many`,
        };
      for (const item of node.items) {
        if (isPair(item)) {
          stack.push({ node: item.key, depth: depth + 1 });
          stack.push({ node: item.value, depth: depth + 1 });
        } else {
          stack.push({ node: item, depth: depth + 1 });
        }
      }
    }
  }
  return undefined;
}

function firstAliasOffset(document: Document.Parsed): number | undefined {
  const stack: unknown[] = [document.contents];
  let first: number | undefined;
  while (stack.length > 0) {
    const node = stack.pop();
    if (isAlias(node)) {
      const offset = rangeStart(node);
      if (offset !== undefined && (first === undefined || offset < first)) first = offset;
    } else if (isCollection(node)) {
      for (const item of node.items) stack.push(...(isPair(item) ? [item.key, item.value] : [item]));
    } else if (isDocument(node)) {
      stack.push(node.contents);
    }
  }
  return first;
}

function aliasMessage(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  if (/excessive alias count/i.test(text)) {
    return `aliases expand to more than ${thousands(YAML_LIMITS.aliasCount)} nodes (an alias bomb?); podnet does not expand them`;
  }
  const unresolved = /Unresolved alias[^:]*: (.*)$/.exec(text);
  if (unresolved !== null) return `alias *${unresolved[1]} names no anchor defined before it`;
  return `YAML error: ${text.split('\n')[0]}`;
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
      const pair = node.items.find(
        (item) => isPair(item) && isScalar(item.key) && String(item.key.value) === String(segment),
      );
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
  for (const segment of path)
    text += typeof segment === 'number' ? `[${segment}]` : text === '' ? segment : `.${segment}`;
  return text;
}
