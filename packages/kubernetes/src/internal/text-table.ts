/**
 * table lays rows out in columns separated by two spaces, padded to the widest cell; `right` marks the columns
 * aligned to the right (numbers). The last column is not padded, and no line ends in spaces.
 */
export function table(header: readonly string[], rows: readonly (readonly string[])[], right: readonly boolean[] = []): string[] {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]): string =>
    cells
      .map((c, i) => (i === cells.length - 1 && !right[i] ? c : right[i] ? c.padStart(widths[i]!) : c.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  return [line(header), ...rows.map(line)];
}

/** count formats a count with thousands separators, the same on every locale: 12,345. */
export function count(n: number): string {
  if (!Number.isFinite(n)) return String(n);
  // IPv6 sizes: 2^64 − 1 is not a number a reader can use, and not exact as a double anyway.
  if (Math.abs(n) >= 2 ** 50) return `≈2^${Math.round(Math.log2(Math.abs(n)))}`;
  const s = String(Math.round(Math.abs(n)));
  const grouped = s.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return n < 0 ? `-${grouped}` : grouped;
}

/** percent formats a fraction as a percentage with one decimal: 0.1234 → 12.3%. */
export function percent(f: number): string {
  return `${(f * 100).toFixed(1)}%`;
}
