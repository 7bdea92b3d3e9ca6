/**
 * Graphviz HTML-like labels (https://graphviz.org/doc/info/shapes.html#html): a table of rows, each
 * row of cells, text escaped. The one place that writes their markup, so the renderer speaks in
 * rows and cells.
 */

/** One cell: text (escaped here), optionally bold, a port edges can attach to, a colour. */
export interface Cell {
  text: string;
  bold?: boolean;
  /** Port name (`node:port` in an edge). */
  port?: string;
  /** Font colour (a Graphviz colour). */
  color?: string;
  /** Columns the cell spans. */
  span?: number;
  align?: "left" | "center";
}

/** Text as HTML-label content: `&`, `<`, `>` and quotes escaped. */
export function escapeHtml(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}

function cellMarkup(cell: Cell): string {
  const attrs = [
    `ALIGN="${(cell.align ?? "left").toUpperCase()}"`,
    ...(cell.port !== undefined ? [`PORT="${cell.port}"`] : []),
    ...(cell.span !== undefined && cell.span > 1 ? [`COLSPAN="${cell.span}"`] : []),
  ];
  let text = escapeHtml(cell.text);
  if (cell.bold) text = `<B>${text}</B>`;
  if (cell.color !== undefined) text = `<FONT COLOR="${cell.color}">${text}</FONT>`;
  return `<TD ${attrs.join(" ")}>${text}</TD>`;
}

/**
 * A borderless table of `rows` (a row is a list of cells, or one cell spanning the widest row) as
 * an HTML-like label, `<…>`: the value of a node's `label` with `shape=plain`.
 */
export function tableLabel(
  rows: readonly (Cell | readonly Cell[])[],
  opts: { color?: string; fill?: string } = {},
): `<${string}>` {
  const lists = rows.map((r) => ("text" in r ? [r] : [...r]));
  const width = Math.max(1, ...lists.map((r) => r.length));
  const body = lists
    .map((cells) => {
      const spanned = cells.length === 1 && width > 1 ? [{ ...cells[0], span: width }] : cells;
      return `<TR>${spanned.map(cellMarkup).join("")}</TR>`;
    })
    .join("");
  const frame = [
    'BORDER="1"',
    'CELLBORDER="0"',
    'CELLSPACING="0"',
    'CELLPADDING="3"',
    ...(opts.color !== undefined ? [`COLOR="${opts.color}"`] : []),
    ...(opts.fill !== undefined ? [`BGCOLOR="${opts.fill}"`] : []),
  ];
  return `<<TABLE ${frame.join(" ")}>${body}</TABLE>>`;
}
