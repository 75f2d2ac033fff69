/**
 * A plain text table: first column left-aligned, numbers right-aligned, two spaces between columns, a rule
 * under the header. Stays readable when piped (no colours, no box-drawing).
 */
export function renderTable(
  header: readonly string[],
  rows: readonly (readonly string[])[],
  options: { footer?: readonly string[] } = {},
): string {
  const all = [header, ...rows, ...(options.footer ? [options.footer] : [])];
  const widths = header.map((_, i) => Math.max(...all.map((row) => (row[i] ?? '').length)));
  const numeric = header.map(
    (_, i) => i > 0 && rows.length > 0 && rows.every((row) => /^-?[\d.,]+( [A-Za-z%/]+)?$|^-$/.test(row[i] ?? '')),
  );
  const line = (row: readonly string[]) =>
    row
      .map((cell, i) => (numeric[i] ? cell.padStart(widths[i]!) : cell.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  const rule = widths.map((w) => '-'.repeat(w)).join('  ');
  const out = [line(header), rule, ...rows.map(line)];
  if (options.footer) out.push(rule, line(options.footer));
  return out.join('\n');
}
