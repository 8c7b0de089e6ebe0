// Which rows of a long list to put in the DOM: only those in view plus a margin, so the fleet
// page of 10,000 meters keeps a few dozen row elements whatever the scroll position.

export interface WindowInput {
  readonly scrollTop: number;
  readonly viewportHeight: number;
  readonly rowHeight: number;
  readonly total: number;
  /** Extra rows rendered above and below the view, so a fast scroll shows no blank. */
  readonly overscan: number;
}

export interface RowWindow {
  /** First row index to render (inclusive). */
  readonly first: number;
  /** Last row index to render (exclusive). */
  readonly end: number;
  /** Pixels above the first rendered row. */
  readonly offsetTop: number;
  /** Height of the whole list in pixels, for the scroll bar. */
  readonly totalHeight: number;
}

export function rowWindow(input: WindowInput): RowWindow {
  const rowHeight = Math.max(1, input.rowHeight);
  const total = Math.max(0, Math.floor(input.total));
  const top = Math.max(0, input.scrollTop);
  const visible = Math.ceil(Math.max(0, input.viewportHeight) / rowHeight) + 1;
  const first = Math.min(total, Math.max(0, Math.floor(top / rowHeight) - input.overscan));
  const end = Math.min(total, Math.floor(top / rowHeight) + visible + input.overscan);
  return { first, end: Math.max(first, end), offsetTop: first * rowHeight, totalHeight: total * rowHeight };
}
