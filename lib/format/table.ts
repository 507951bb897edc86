/** Plain-text tables for operator output: left-aligned text, right-aligned numbers. */
export type Cell = string | number | bigint | boolean | null | undefined;

function text(cell: Cell): string {
  if (cell === null || cell === undefined) return "-";
  return String(cell);
}

function isNumeric(cell: Cell): boolean {
  return typeof cell === "number" || typeof cell === "bigint";
}

export function renderTable(headers: readonly string[], rows: readonly (readonly Cell[])[]): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => text(r[i]).length)));
  const line = (cells: readonly Cell[], header = false) =>
    cells
      .map((c, i) => {
        const s = text(c);
        const w = widths[i] ?? s.length;
        return !header && isNumeric(c) ? s.padStart(w) : s.padEnd(w);
      })
      .join("  ")
      .trimEnd();
  return [line(headers, true), widths.map((w) => "-".repeat(w)).join("  "), ...rows.map((r) => line(r))].join(
    "\n",
  );
}

/** JSON with bigints as decimal strings (what `--json` prints). */
export function toJson(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) => (typeof v === "bigint" ? v.toString() : v), 2);
}
