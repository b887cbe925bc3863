/**
 * Orders for names: by UTF-16 code unit, as Go's sort.Strings orders kubectl's output, and the
 * same on every machine. String#localeCompare follows the machine's locale (in Danish "aa" sorts
 * after "z"), so podnet never uses it where output order depends on it.
 */
export function byCodeUnit(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** kubectl's order of namespaced objects: by namespace, then by name. */
export function byNamespacedName(
  a: { readonly namespace: string; readonly name: string },
  b: { readonly namespace: string; readonly name: string },
): number {
  return byCodeUnit(a.namespace, b.namespace) || byCodeUnit(a.name, b.name);
}
