/**
 * Turns zod's validation issues into podnet Issues: one per problem, each on the right key or
 * value, with messages that name the field and suggest the closest valid key or value.
 */
import type * as z from 'zod';
import type { Issue, Path, PathSegment } from './model.js';
import { didYouMean } from './suggest.js';

type RawIssue = z.core.$ZodRawIssue;
type FinalIssue = z.core.$ZodIssue;

/** Known keys of the object each unknown-key issue came from, recorded while zod parses. */
export type KnownKeys = Map<string, readonly string[]>;

export function recordingErrorMap(known: KnownKeys): (issue: RawIssue) => undefined {
  return (issue) => {
    if (issue.code === 'unrecognized_keys') {
      const shape = (issue.inst as { _zod?: { def?: { shape?: object } } } | undefined)?._zod?.def?.shape;
      if (shape !== undefined) known.set(JSON.stringify(issue.path ?? []), Object.keys(shape));
    }
    return undefined;
  };
}

export function toIssues(issues: readonly FinalIssue[], source: number, base: Path, known: KnownKeys): Issue[] {
  return issues.flatMap((issue) => convert(issue, source, [...base, ...(issue.path as PathSegment[])], known, issue.path as PathSegment[]));
}

function convert(issue: FinalIssue, source: number, path: PathSegment[], known: KnownKeys, localPath: PathSegment[]): Issue[] {
  const field = String(path.at(-1) ?? 'document');
  switch (issue.code) {
    case 'unrecognized_keys': {
      const candidates = known.get(JSON.stringify(localPath)) ?? [];
      return issue.keys.map((key) => ({
        at: { source, path: [...path, key] },
        onKey: true,
        message: `unknown key "${key}"${didYouMean(key, candidates)}`,
      }));
    }
    case 'invalid_type':
      if (issue.input === undefined) {
        return [{ at: { source, path: path.slice(0, -1) }, onKey: true, message: `missing required key "${field}"` }];
      }
      return [{ at: { source, path }, message: `"${field}" must be ${article(issue.expected)} (found ${describeValue(issue.input)})` }];
    case 'invalid_value': {
      const allowed = issue.values.map(String);
      const found = String(issue.input);
      const hint = allowed.length > 1 ? didYouMean(found, allowed) : '';
      return [{ at: { source, path }, message: `"${field}" must be ${allowed.map((v) => `"${v}"`).join(' or ')} (found "${found}")${hint}` }];
    }
    case 'invalid_union':
      return convertUnion(issue, source, path, known, localPath);
    case 'too_small':
    case 'too_big':
    case 'invalid_format':
    case 'not_multiple_of':
    case 'custom':
    case 'invalid_key':
    case 'invalid_element':
      return [{ at: { source, path }, message: `"${field}": ${plain(issue.message)}` }];
  }
}

function convertUnion(
  issue: Extract<FinalIssue, { code: 'invalid_union' }>,
  source: number,
  path: PathSegment[],
  known: KnownKeys,
  localPath: PathSegment[],
): Issue[] {
  const discriminator = (issue as { discriminator?: string }).discriminator;
  if (discriminator !== undefined || issue.errors.length === 0) {
    const key = discriminator ?? 'kind';
    return [{ at: { source, path: [...path, key] }, message: `"${key}" is missing or not one podnet knows` }];
  }
  // Report the branch that came closest: the one with the fewest problems.
  const branches = [...issue.errors].sort((a, b) => a.length - b.length);
  const best = branches[0] ?? [];
  return best.flatMap((inner) =>
    convert(inner, source, [...path, ...(inner.path as PathSegment[])], known, [...localPath, ...(inner.path as PathSegment[])]),
  );
}

function article(expected: string): string {
  if (expected === 'array') return 'a list';
  if (expected === 'object') return 'a mapping';
  if (expected === 'int') return 'a whole number';
  return /^[aeiou]/.test(expected) ? `an ${expected}` : `a ${expected}`;
}

function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  if (typeof value === 'string') return `"${value}"`;
  return String(value);
}

/** zod's own wording starts "Too small: expected ..."; keep it, lower-cased and without "Invalid input:". */
function plain(message: string): string {
  return message.replace(/^Invalid input: /, '');
}
