/**
 * Plain text tables: widths from the text, numbers right-aligned, colors applied after
 * padding (escape codes would otherwise count as width).
 */

export interface Column {
  readonly title: string;
  readonly align?: 'left' | 'right';
}

export function renderTable(
  columns: readonly Column[],
  rows: readonly (readonly string[])[],
  styleHeader: (text: string) => string = (text) => text,
): string[] {
  const widths = columns.map((column, index) =>
    Math.max(visibleLength(column.title), ...rows.map((row) => visibleLength(row[index] ?? ''))),
  );
  const line = (cells: readonly string[], style: (text: string) => string = (text) => text) =>
    cells
      .map((cell, index) => {
        const pad = ' '.repeat(widths[index] - visibleLength(cell));
        return style(columns[index].align === 'right' ? pad + cell : cell + pad);
      })
      .join('  ')
      .trimEnd();
  return [
    line(
      columns.map((column) => column.title),
      styleHeader,
    ),
    ...rows.map((row) => line(row)),
  ];
}

/** Characters as a terminal shows them (code points; escape sequences take no room). */
function visibleLength(text: string): number {
  let length = 0;
  for (const _ of text.replace(/\x1b\[[0-9;]*m/g, '')) length++;
  return length;
}
