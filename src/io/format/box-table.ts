/**
 * The ASCII box tables calicoctl prints (tablewriter / go-pretty): headers upper-case and
 * centred, one space of padding in each cell, chosen columns right-aligned.
 */
export function boxTable(
  header: readonly string[],
  rows: readonly (readonly string[])[],
  rightAligned: ReadonlySet<number> = new Set(),
): string {
  const widths = header.map((title, i) => Math.max(title.length, ...rows.map((row) => (row[i] ?? '').length)));
  const rule = `+${widths.map((w) => '-'.repeat(w + 2)).join('+')}+`;
  const centre = (text: string, width: number): string => {
    const left = Math.floor((width - text.length) / 2);
    return ' '.repeat(left) + text + ' '.repeat(width - text.length - left);
  };
  const line = (cells: readonly string[], align: (cell: string, i: number) => string): string =>
    `| ${cells.map((cell, i) => align(cell, i)).join(' | ')} |`;
  const body = rows.map((row) =>
    line(row, (cell, i) =>
      rightAligned.has(i) ? cell.padStart(widths[i] as number) : cell.padEnd(widths[i] as number),
    ),
  );
  return [
    rule,
    line(
      header.map((h) => h.toUpperCase()),
      (cell, i) => centre(cell, widths[i] as number),
    ),
    rule,
    ...body,
    rule,
  ].join('\n');
}

/** Go's `%.5g`: five significant digits, trailing zeros dropped, two-digit exponents. */
export function goG5(value: number): string {
  if (value === 0) return '0';
  const exponent = Math.floor(Math.log10(Math.abs(value)));
  if (exponent < -4 || exponent >= 5) {
    const [mantissa, exp] = value.toExponential(4).split('e') as [string, string];
    const trimmed = mantissa.includes('.') ? mantissa.replace(/\.?0+$/, '') : mantissa;
    const sign = exp.startsWith('-') ? '-' : '+';
    return `${trimmed}e${sign}${exp.replace(/^[+-]/, '').padStart(2, '0')}`;
  }
  const fixed = value.toPrecision(5);
  return fixed.includes('.') ? fixed.replace(/\.?0+$/, '') : fixed;
}

/** Go's `%.f` of a percentage: rounded half to even. */
export function goPercent(part: number, whole: number): string {
  const exact = whole === 0 ? 0 : (part * 100) / whole;
  const floor = Math.floor(exact);
  const diff = exact - floor;
  const rounded = diff > 0.5 || (diff === 0.5 && floor % 2 === 1) ? floor + 1 : floor;
  return `${rounded}%`;
}
