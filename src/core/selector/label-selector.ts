/**
 * Kubernetes' label selector language, as `kubectl get -l` takes it, read into the same Selector
 * values as Calico's language so one `matches` serves both.
 *
 * Models the requirements apimachinery's labels.Parse accepts, joined by commas (all must hold):
 * `k`, `!k`, `k=v`, `k==v`, `k!=v`, `k in (a,b)`, `k notin (a,b)`. As in Kubernetes, `!=` and
 * `notin` also select objects without the label. Invariants: parsing is total (a selector, or the
 * offset and reason of the first error), and the empty selector selects everything.
 * Leaves out: the numeric `k>n` / `k<n` requirements, refused with a reason.
 */
import { parseTotal, type Selector, type SelectorParse, SelectorSyntaxError } from './index.js';

type Token = { readonly kind: 'op' | 'word' | 'end'; readonly text: string; readonly offset: number };

const OPERATORS = ['==', '!=', '=', '!', '(', ')', ',', '<', '>'];
const SPECIAL = new Set(['=', '!', '(', ')', ',', '<', '>', ' ', '\t']);

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let at = 0;
  while (at < text.length) {
    const ch = text.charAt(at);
    if (ch === ' ' || ch === '\t') {
      at++;
      continue;
    }
    const op = OPERATORS.find((candidate) => text.startsWith(candidate, at));
    if (op !== undefined) {
      tokens.push({ kind: 'op', text: op, offset: at });
      at += op.length;
      continue;
    }
    const start = at;
    while (at < text.length && !SPECIAL.has(text.charAt(at))) at++;
    tokens.push({ kind: 'word', text: text.slice(start, at), offset: start });
  }
  tokens.push({ kind: 'end', text: '', offset: text.length });
  return tokens;
}

class Parser {
  private index = 0;
  constructor(private readonly tokens: readonly Token[]) {}

  private peek(): Token {
    return this.tokens[Math.min(this.index, this.tokens.length - 1)] as Token;
  }

  private next(): Token {
    const token = this.peek();
    this.index++;
    return token;
  }

  private fail(token: Token, expected: string): never {
    throw new SelectorSyntaxError(token.offset, `found '${token.text}', expected: ${expected}`);
  }

  requirements(): Selector {
    let selector: Selector | undefined;
    for (;;) {
      const requirement = this.requirement();
      selector = selector === undefined ? requirement : { op: 'and', left: selector, right: requirement };
      const after = this.next();
      if (after.kind === 'end') return selector;
      if (after.text !== ',') this.fail(after, "',' or 'end of string'");
    }
  }

  private requirement(): Selector {
    const first = this.next();
    if (first.text === '!' && first.kind === 'op') {
      const key = this.key();
      return { op: 'not', inner: { op: 'has', key } };
    }
    this.index--;
    const key = this.key();
    const op = this.peek();
    if (op.kind === 'end' || op.text === ',') return { op: 'has', key };
    this.index++;
    if (op.text === '=' || op.text === '==') return { op: 'eq', key, value: this.value() };
    if (op.text === '!=') return { op: 'ne', key, value: this.value() };
    if (op.text === 'in' || op.text === 'notin') return { op: op.text, key, values: this.valueSet() };
    if (op.text === '<' || op.text === '>')
      throw new SelectorSyntaxError(op.offset, `podnet does not model numeric requirements ('${op.text}')`);
    return this.fail(op, "'=', '==', '!=', 'in', 'notin', ',' or 'end of string'");
  }

  private key(): string {
    const token = this.next();
    if (token.kind !== 'word') this.fail(token, 'identifier');
    if (!isQualifiedName(token.text))
      throw new SelectorSyntaxError(token.offset, `invalid label key "${token.text}": ${QUALIFIED_NAME_RULE}`);
    return token.text;
  }

  private value(): string {
    const token = this.peek();
    if (token.kind !== 'word') return '';
    this.index++;
    if (!isLabelValue(token.text))
      throw new SelectorSyntaxError(token.offset, `invalid label value "${token.text}": ${LABEL_VALUE_RULE}`);
    return token.text;
  }

  private valueSet(): string[] {
    const open = this.next();
    if (open.text !== '(') this.fail(open, "'('");
    const values: string[] = [];
    for (;;) {
      values.push(this.value());
      const after = this.next();
      if (after.text === ')') break;
      if (after.text !== ',') this.fail(after, "',' or ')'");
    }
    if (values.length === 1 && values[0] === '')
      throw new SelectorSyntaxError(open.offset, "for 'in', 'notin' operators, values set can't be empty");
    return values;
  }
}

const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;
const LABEL_VALUE_RULE =
  "at most 63 characters: letters, digits, '-', '_' or '.', starting and ending with a letter or digit";
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const QUALIFIED_NAME_RULE = "an optional DNS prefix and '/', then a name valid as a label value";

function isLabelValue(text: string): boolean {
  return text.length <= 63 && LABEL_VALUE.test(text);
}

function isQualifiedName(text: string): boolean {
  const slash = text.indexOf('/');
  const name = slash < 0 ? text : text.slice(slash + 1);
  const prefix = slash < 0 ? undefined : text.slice(0, slash);
  if (prefix !== undefined && (prefix.length > 253 || !DNS_SUBDOMAIN.test(prefix))) return false;
  return name.length > 0 && isLabelValue(name);
}

/** Reads a `kubectl get -l` selector; the empty text selects everything. */
export function parseLabelSelector(text: string): SelectorParse {
  return parseTotal(text, () => new Parser(tokenize(text)).requirements());
}
