/**
 * Kubernetes LabelSelectors (matchLabels and matchExpressions, ANDed) as requirements: checked as
 * the API server checks them, printed as kubectl prints them (`app=web,tier in (a,b),!legacy`),
 * and turned into podnet's selector so one matcher serves Kubernetes and Calico alike.
 */
import { byCodeUnit } from '../order.js';
import type { Labels, Selector } from '../selector/index.js';

export interface Requirement {
  readonly key: string;
  readonly operator: 'In' | 'NotIn' | 'Exists' | 'DoesNotExist';
  readonly values: readonly string[];
  /** Written as a matchLabels entry (printed `k=v`) rather than an expression (`k in (v)`). */
  readonly label?: true;
}

export interface LabelSelectorManifest {
  readonly matchLabels?: Labels | undefined;
  readonly matchExpressions?:
    | readonly { key: string; operator: Requirement['operator']; values?: string[] | undefined }[]
    | undefined;
}

export function requirementsOf(selector: LabelSelectorManifest): Requirement[] {
  return [
    ...Object.entries(selector.matchLabels ?? {}).map(
      ([key, value]): Requirement => ({ key, operator: 'In', values: [value], label: true }),
    ),
    ...(selector.matchExpressions ?? []).map((e): Requirement => ({ ...e, values: e.values ?? [] })),
  ];
}

/**
 * The API server's refusals of a selector's expressions, each with its path below the selector
 * (`matchExpressions[0].values`) and message.
 */
export function requirementProblems(
  selector: LabelSelectorManifest,
  field: string,
): { path: (string | number)[]; message: string }[] {
  return (selector.matchExpressions ?? []).flatMap((e, i) => {
    const path = ['matchExpressions', i, 'values'];
    const named = `${field}.matchExpressions[${i}].values`;
    const count = e.values?.length ?? 0;
    if ((e.operator === 'In' || e.operator === 'NotIn') && count === 0)
      return [{ path, message: `${named}: Required value: must be specified when \`operator\` is 'In' or 'NotIn'` }];
    if ((e.operator === 'Exists' || e.operator === 'DoesNotExist') && count > 0)
      return [
        { path, message: `${named}: Forbidden: may not be specified when \`operator\` is 'Exists' or 'DoesNotExist'` },
      ];
    return [];
  });
}

/** The selector as kubectl prints it, requirements by key; `<none>` when it selects everything. */
export function selectorText(requirements: readonly Requirement[]): string {
  const sorted = [...requirements].sort((a, b) => byCodeUnit(a.key, b.key));
  const words = sorted.map((r) => {
    if (r.operator === 'Exists') return r.key;
    if (r.operator === 'DoesNotExist') return `!${r.key}`;
    if (r.label) return `${r.key}=${r.values[0]}`;
    return `${r.key} ${r.operator === 'In' ? 'in' : 'notin'} (${[...r.values].sort().join(',')})`;
  });
  return words.length === 0 ? '<none>' : words.join(',');
}

export function selectorOf(requirements: readonly Requirement[]): Selector {
  const terms = requirements.map((r): Selector => {
    if (r.operator === 'Exists') return { op: 'has', key: r.key };
    if (r.operator === 'DoesNotExist') return { op: 'not', inner: { op: 'has', key: r.key } };
    if (r.label) return { op: 'eq', key: r.key, value: r.values[0] as string };
    return { op: r.operator === 'In' ? 'in' : 'notin', key: r.key, values: r.values };
  });
  return terms.reduce<Selector>((left, right) => (left.op === 'all' ? right : { op: 'and', left, right }), {
    op: 'all',
  });
}
