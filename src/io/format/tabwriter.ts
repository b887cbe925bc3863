/**
 * Go's text/tabwriter, which kubectl prints through: cells end at a tab, a column's width is the
 * widest cell of the block of consecutive lines that have that column, plus padding. kubectl get
 * uses minwidth 6 and padding 3; kubectl describe, minwidth 0 and padding 2.
 */
export interface TabwriterOptions {
  readonly minWidth: number;
  readonly padding: number;
}

export const KUBECTL_GET: TabwriterOptions = { minWidth: 6, padding: 3 };
export const KUBECTL_DESCRIBE: TabwriterOptions = { minWidth: 0, padding: 2 };

export function tabwrite(text: string, options: TabwriterOptions): string {
  const lines = text.split('\n').map((line) => line.split('\t'));
  const out: string[] = [];
  const widths: number[] = [];

  const writeLines = (from: number, to: number): void => {
    for (let i = from; i < to; i++) {
      const cells = lines[i] as string[];
      let line = '';
      cells.forEach((cell, j) => {
        line += j < cells.length - 1 ? cell.padEnd(widths[j] ?? 0) : cell;
      });
      out.push(line);
    }
  };

  const format = (line0: number, line1: number): void => {
    const column = widths.length;
    let start = line0;
    for (let i = line0; i < line1; i++) {
      if (column >= (lines[i] as string[]).length - 1) continue;
      writeLines(start, i);
      start = i;
      let width = options.minWidth;
      let end = i;
      for (; end < line1; end++) {
        const cells = lines[end] as string[];
        if (column >= cells.length - 1) break;
        width = Math.max(width, (cells[column] as string).length + options.padding);
      }
      widths.push(width);
      format(start, end);
      widths.pop();
      start = end;
      i = end - 1;
    }
    writeLines(start, line1);
  };

  format(0, lines.length);
  return out.join('\n');
}

/** Rows of cells as kubectl prints a table. */
export function kubectlTable(header: readonly string[], rows: readonly (readonly string[])[]): string {
  return tabwrite([header, ...rows].map((cells) => cells.join('\t')).join('\n'), KUBECTL_GET);
}
