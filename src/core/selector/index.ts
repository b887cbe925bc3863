/**
 * selector: Calico's label selector language, as IPPool.nodeSelector and BGPPeer
 * nodeSelector/peerSelector use it.
 *
 * Models: `all()`, `global()`, `has(k)`, `k == 'v'`, `k != 'v'`, `k in {'a','b'}`,
 * `k not in {...}`, `k contains 'x'`, `k starts with 'x'`, `k ends with 'x'`, `!`, `&&`, `||` and
 * parentheses, with `!` binding tightest and `&&` before `||`. An empty selector selects everything,
 * as Calico treats it. Invariants: parsing is total: it returns a selector or the character offset
 * and reason of the first error. Parentheses and `!` nest at most MAX_NESTING deep and a selector
 * has at most MAX_TERMS terms, so neither the parser nor `matches` can recurse without bound.
 * Leaves out: Calico's `global()` scoping (it selects all here).
 */

export type Labels = Readonly<Record<string, string>>;

export type Selector =
  | { readonly op: 'all' }
  | { readonly op: 'has'; readonly key: string }
  | { readonly op: 'eq' | 'ne' | 'contains' | 'starts' | 'ends'; readonly key: string; readonly value: string }
  | { readonly op: 'in' | 'notin'; readonly key: string; readonly values: readonly string[] }
  | { readonly op: 'not'; readonly inner: Selector }
  | { readonly op: 'and' | 'or'; readonly left: Selector; readonly right: Selector };

export type SelectorParse =
  | { readonly ok: true; readonly selector: Selector }
  | { readonly ok: false; readonly offset: number; readonly reason: string };

export const SELECT_ALL: Selector = { op: 'all' };

type Token =
  | { readonly kind: 'word'; readonly text: string; readonly at: number }
  | { readonly kind: 'string'; readonly text: string; readonly at: number }
  | { readonly kind: 'punct'; readonly text: string; readonly at: number }
  | { readonly kind: 'end'; readonly text: ''; readonly at: number };

/** Thrown inside a parser and turned into a SelectorParse at its entry point; never escapes. */
export class SelectorSyntaxError {
  constructor(
    readonly offset: number,
    readonly reason: string,
  ) {}
}

const PUNCTUATION = ['==', '!=', '&&', '||', '!', '(', ')', '{', '}', ','];
const WORD = /[A-Za-z0-9_./-]/;

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const ch = text[i] as string;
    if (ch === ' ' || ch === '\t') {
      i++;
    } else if (ch === "'" || ch === '"') {
      const close = text.indexOf(ch, i + 1);
      if (close < 0) throw new SelectorSyntaxError(i, 'unterminated string');
      tokens.push({ kind: 'string', text: text.slice(i + 1, close), at: i });
      i = close + 1;
    } else if (WORD.test(ch)) {
      const start = i;
      while (i < text.length && WORD.test(text[i] as string)) i++;
      tokens.push({ kind: 'word', text: text.slice(start, i), at: start });
    } else {
      const punct = PUNCTUATION.find((p) => text.startsWith(p, i));
      if (punct === undefined) throw new SelectorSyntaxError(i, `unexpected character "${ch}"`);
      tokens.push({ kind: 'punct', text: punct, at: i });
      i += punct.length;
    }
  }
  tokens.push({ kind: 'end', text: '', at: text.length });
  return tokens;
}

/** Deeper than any real selector; bounded so hostile input cannot exhaust the stack. */
export const MAX_NESTING = 32;
export const MAX_TERMS = 1_000;

class Parser {
  private pos = 0;
  private depth = 0;
  private terms = 0;
  constructor(private readonly tokens: readonly Token[]) {}

  parseAll(): Selector {
    const selector = this.parseOr();
    const rest = this.peek();
    if (rest.kind !== 'end') throw new SelectorSyntaxError(rest.at, `unexpected "${rest.text}"`);
    return selector;
  }

  private peek(ahead = 0): Token {
    return this.tokens[Math.min(this.pos + ahead, this.tokens.length - 1)] as Token;
  }

  private next(): Token {
    const token = this.peek();
    this.pos++;
    return token;
  }

  private accept(text: string): boolean {
    const token = this.peek();
    if ((token.kind === 'punct' || token.kind === 'word') && token.text === text) {
      this.pos++;
      return true;
    }
    return false;
  }

  private expect(text: string): void {
    const token = this.peek();
    if (!this.accept(text)) {
      throw new SelectorSyntaxError(token.at, `expected "${text}" but found ${describe(token)}`);
    }
  }

  private parseOr(): Selector {
    let left = this.parseAnd();
    while (this.accept('||')) left = { op: 'or', left, right: this.parseAnd() };
    return left;
  }

  private parseAnd(): Selector {
    let left = this.parseUnary();
    while (this.accept('&&')) left = { op: 'and', left, right: this.parseUnary() };
    return left;
  }

  private parseUnary(): Selector {
    const token = this.peek();
    if (this.accept('!')) return { op: 'not', inner: this.nested(token, () => this.parseUnary()) };
    if (this.accept('(')) {
      const inner = this.nested(token, () => this.parseOr());
      this.expect(')');
      return inner;
    }
    return this.parseTerm();
  }

  private nested(at: Token, parse: () => Selector): Selector {
    if (++this.depth > MAX_NESTING) throw new SelectorSyntaxError(at.at, `nested more than ${MAX_NESTING} levels deep`);
    const inner = parse();
    this.depth--;
    return inner;
  }

  private parseTerm(): Selector {
    const token = this.next();
    if (++this.terms > MAX_TERMS) throw new SelectorSyntaxError(token.at, `more than ${MAX_TERMS} terms`);
    if (token.kind !== 'word') {
      throw new SelectorSyntaxError(token.at, `expected a label, all() or has(...) but found ${describe(token)}`);
    }
    if ((token.text === 'all' || token.text === 'global') && this.accept('(')) {
      this.expect(')');
      return SELECT_ALL;
    }
    if (token.text === 'has' && this.accept('(')) {
      const key = this.next();
      if (key.kind !== 'word') throw new SelectorSyntaxError(key.at, `has() needs a label name`);
      this.expect(')');
      return { op: 'has', key: key.text };
    }
    return this.parseComparison(token.text);
  }

  private parseComparison(key: string): Selector {
    const token = this.peek();
    if (this.accept('==')) return { op: 'eq', key, value: this.parseString() };
    if (this.accept('!=')) return { op: 'ne', key, value: this.parseString() };
    if (this.accept('in')) return { op: 'in', key, values: this.parseSet() };
    if (this.accept('not')) {
      this.expect('in');
      return { op: 'notin', key, values: this.parseSet() };
    }
    if (this.accept('contains')) return { op: 'contains', key, value: this.parseString() };
    if (this.accept('starts')) {
      this.expect('with');
      return { op: 'starts', key, value: this.parseString() };
    }
    if (this.accept('ends')) {
      this.expect('with');
      return { op: 'ends', key, value: this.parseString() };
    }
    throw new SelectorSyntaxError(
      token.at,
      `expected an operator (==, !=, in, not in, contains) after "${key}" but found ${describe(token)}`,
    );
  }

  private parseString(): string {
    const token = this.next();
    if (token.kind !== 'string') {
      throw new SelectorSyntaxError(token.at, `expected a quoted value such as 'r1' but found ${describe(token)}`);
    }
    return token.text;
  }

  private parseSet(): string[] {
    this.expect('{');
    const values: string[] = [];
    if (this.accept('}')) return values;
    do values.push(this.parseString());
    while (this.accept(','));
    this.expect('}');
    return values;
  }
}

function describe(token: Token): string {
  if (token.kind === 'end') return 'the end of the selector';
  if (token.kind === 'string') return `'${token.text}'`;
  return `"${token.text}"`;
}

export function parseSelector(text: string): SelectorParse {
  return parseTotal(text, () => new Parser(tokenize(text)).parseAll());
}

/** Runs a parser that throws SelectorSyntaxError as a total function; the empty text selects all. */
export function parseTotal(text: string, parse: () => Selector): SelectorParse {
  if (text.trim() === '') return { ok: true, selector: SELECT_ALL };
  try {
    return { ok: true, selector: parse() };
  } catch (error) {
    if (error instanceof SelectorSyntaxError) return { ok: false, offset: error.offset, reason: error.reason };
    throw error;
  }
}

export function matches(selector: Selector, labels: Labels): boolean {
  switch (selector.op) {
    case 'all':
      return true;
    case 'has':
      return Object.hasOwn(labels, selector.key);
    case 'eq':
      return labels[selector.key] === selector.value;
    case 'ne':
      return labels[selector.key] !== selector.value;
    case 'contains':
      return labels[selector.key]?.includes(selector.value) ?? false;
    case 'starts':
      return labels[selector.key]?.startsWith(selector.value) ?? false;
    case 'ends':
      return labels[selector.key]?.endsWith(selector.value) ?? false;
    case 'in':
      return Object.hasOwn(labels, selector.key) && selector.values.includes(labels[selector.key] as string);
    case 'notin':
      return !Object.hasOwn(labels, selector.key) || !selector.values.includes(labels[selector.key] as string);
    case 'not':
      return !matches(selector.inner, labels);
    case 'and':
      return matches(selector.left, labels) && matches(selector.right, labels);
    case 'or':
      return matches(selector.left, labels) || matches(selector.right, labels);
  }
}
