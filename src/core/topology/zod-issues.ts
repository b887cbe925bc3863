/**
 * Turns zod's validation issues into podnet Issues: one per problem, each on the right key or
 * value, with messages that name the field and suggest the closest valid key or value.
 */
import type * as z from 'zod';
import type { Issue, Path, PathSegment } from './model.js';
import { NOT_MODELLED } from './schema.js';
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
  return issues.flatMap((issue) =>
    convert(issue, source, [...base, ...(issue.path as PathSegment[])], known, issue.path as PathSegment[]),
  );
}

function convert(
  issue: FinalIssue,
  source: number,
  path: PathSegment[],
  known: KnownKeys,
  localPath: PathSegment[],
): Issue[] {
  const field = String(path.at(-1) ?? 'document');
  switch (issue.code) {
    case 'unrecognized_keys': {
      const candidates = knownKeysAt(known, localPath);
      return issue.keys.map((key) => ({
        at: { source, path: [...path, key] },
        code: 'unknown-key' as const,
        onKey: true,
        message: `unknown key "${key}"${didYouMean(key, candidates)}`,
      }));
    }
    case 'invalid_type':
      if (issue.input === undefined) {
        return [
          {
            at: { source, path: path.slice(0, -1) },
            code: 'missing-key',
            onKey: true,
            message: `missing required key "${field}"`,
          },
        ];
      }
      return [
        {
          at: { source, path },
          code: 'wrong-type',
          message: `must be ${article(issue.expected)} (found ${describeValue(issue.input)})`,
        },
      ];
    case 'invalid_value': {
      const allowed = issue.values.map(String);
      const hint = allowed.length > 1 && typeof issue.input === 'string' ? didYouMean(issue.input, allowed) : '';
      return [
        {
          at: { source, path },
          code: 'invalid-value',
          message: `must be ${allowed.map((v) => `"${v}"`).join(' or ')} (found ${describeValue(issue.input)})${hint}`,
        },
      ];
    }
    case 'invalid_union':
      return convertUnion(issue, source, path, known, localPath);
    case 'too_small':
    case 'too_big':
      return [{ at: { source, path }, code: 'out-of-range', message: plain(issue.message) }];
    case 'custom':
      if (issue.params?.[NOT_MODELLED] === true)
        return [{ at: { source, path }, code: 'not-modelled', onKey: true, message: plain(issue.message) }];
      return [{ at: { source, path }, code: 'invalid-value', message: plain(issue.message) }];
    case 'invalid_format':
    case 'not_multiple_of':
    case 'invalid_key':
    case 'invalid_element':
      return [{ at: { source, path }, code: 'invalid-value', message: plain(issue.message) }];
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
    const at = path.at(-1) === key ? path : [...path, key];
    const found =
      typeof issue.input === 'object' && issue.input !== null
        ? (issue.input as Record<string, unknown>)[key]
        : issue.input;
    const shown = found === undefined ? '' : ` (found ${describeValue(found)})`;
    return [
      {
        at: { source, path: at },
        code: 'invalid-value',
        message: `"${key}" is missing or not one podnet knows${shown}`,
      },
    ];
  }
  // Report the branch that came closest: the one with the fewest problems, each unknown key one.
  const weight = (issues: readonly FinalIssue[]): number =>
    issues.reduce((sum, inner) => sum + (inner.code === 'unrecognized_keys' ? inner.keys.length : 1), 0);
  const branches = [...issue.errors].sort((a, b) => weight(a) - weight(b));
  const best = branches[0] ?? [];
  return best.flatMap((inner) =>
    convert(inner, source, [...path, ...(inner.path as PathSegment[])], known, [
      ...localPath,
      ...(inner.path as PathSegment[]),
    ]),
  );
}

/** Inside a union zod records paths relative to the union member, so match the longest suffix. */
function knownKeysAt(known: KnownKeys, path: readonly PathSegment[]): readonly string[] {
  for (let start = 0; start <= path.length; start++) {
    const keys = known.get(JSON.stringify(path.slice(start)));
    if (keys !== undefined) return keys;
  }
  return [];
}

function article(expected: string): string {
  if (expected === 'array') return 'a list';
  if (expected === 'object') return 'a mapping';
  if (expected === 'int') return 'a whole number';
  return /^[aeiou]/.test(expected) ? `an ${expected}` : `a ${expected}`;
}

/** A found value as the user wrote it, never as JavaScript prints it; long strings are cut. */
export function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (value === undefined) return 'nothing';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  if (typeof value === 'string')
    return value.length > 60 ? `"${value.slice(0, 60)}…" (${value.length} characters)` : `"${value}"`;
  if (typeof value === 'number') {
    if (Number.isNaN(value)) return '.nan (not a number)';
    if (!Number.isFinite(value)) return value > 0 ? '.inf (infinity)' : '-.inf (minus infinity)';
  }
  return String(value);
}

/** zod's own wording, without its "Invalid input:" prefix. */
function plain(message: string): string {
  return message.replace(/^Invalid input: /, '');
}
