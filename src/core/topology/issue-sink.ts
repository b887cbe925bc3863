/**
 * Where resolving reports its problems: every issue located by (document, path), all of them
 * collected rather than stopping at the first, and the small checks every section shares (a
 * schema parse, a selector, an IPv4 address, a name that must exist).
 */
import type * as z from 'zod';
import { parseIpv4 } from '../net/index.js';
import { parseSelector, type Selector } from '../selector/index.js';
import type { Issue, IssueCode, Origin, Path } from './model.js';
import { didYouMean } from './suggest.js';
import { type KnownKeys, recordingErrorMap, toIssues } from './zod-issues.js';

/** A written value and where it was written. */
export interface Located<T> {
  readonly value: T;
  readonly origin: Origin;
}

export class IssueSink {
  readonly issues: Issue[] = [];

  report(origin: Origin, code: IssueCode, message: string, onKey = false): void {
    this.issues.push(onKey ? { at: origin, code, message, onKey } : { at: origin, code, message });
  }

  parse<T extends z.ZodType>(schema: T, value: unknown, source: number, base: Path): z.output<T> | undefined {
    const known: KnownKeys = new Map();
    const result = schema.safeParse(value, { error: recordingErrorMap(known), reportInput: true });
    if (result.success) return result.data;
    this.issues.push(...toIssues(result.error.issues, source, base, known));
    return undefined;
  }

  selector(text: string, at: Origin): Selector | undefined {
    const parsed = parseSelector(text);
    if (parsed.ok) return parsed.selector;
    this.report(
      at,
      'invalid-selector',
      `malformed selector "${text}": ${parsed.reason} at character ${parsed.offset + 1}`,
    );
    return undefined;
  }

  address(text: string, at: Origin): number | undefined {
    const ip = parseIpv4(text);
    if (ip === null) {
      this.report(at, 'invalid-address', `"${text}" is not an IPv4 address`);
      return undefined;
    }
    return ip;
  }

  checkName(name: string, known: readonly string[], what: string, at: Origin): boolean {
    if (known.includes(name)) return true;
    this.report(at, 'unknown-name', `unknown ${what} "${name}"${didYouMean(name, known)}`);
    return false;
  }
}
