// The rows of the fleet list, fetched from the server a page at a time in the server's order
// (the contract pages by opaque cursor, so pages load in sequence as the user scrolls down).
// Live `meter` messages patch the rows already loaded.
import type { MeterList, MeterSummary } from '@phasewire/api';

export type PageFetcher = (cursor: string | undefined, limit: number) => Promise<MeterList>;

export class FleetRows {
  readonly #fetchPage: PageFetcher;
  readonly #firstPage: number;
  readonly #pageSize: number;
  readonly #onChange: () => void;
  #rows: MeterSummary[] = [];
  #index = new Map<string, number>();
  #total: number | undefined;
  #cursor: string | null | undefined;
  #loading: Promise<void> | undefined;
  #closed = false;
  #error: unknown;

  /**
   * `pageSize` rows per request after the first; the first asks for `firstPage` (default the
   * same), so the first rows show as soon as a screenful has arrived.
   */
  constructor(fetchPage: PageFetcher, pageSize: number, onChange: () => void, firstPage = pageSize) {
    this.#fetchPage = fetchPage;
    this.#pageSize = pageSize;
    this.#firstPage = firstPage;
    this.#onChange = onChange;
  }

  get rows(): readonly MeterSummary[] {
    return this.#rows;
  }

  /** The server's total for the current filter; undefined before the first page. */
  get total(): number | undefined {
    return this.#total;
  }

  get error(): unknown {
    return this.#error;
  }

  get loading(): boolean {
    return this.#loading !== undefined;
  }

  /** Stops applying answers: the filter changed and a new FleetRows took over. */
  close(): void {
    this.#closed = true;
  }

  /** Loads pages until row `index` is there or the list ends. */
  async ensure(index: number): Promise<void> {
    while (!this.#closed && this.#rows.length <= index && this.#cursor !== null && this.#error === undefined) {
      this.#loading ??= this.#loadNext().finally(() => {
        this.#loading = undefined;
      });
      await this.#loading;
    }
  }

  async #loadNext(): Promise<void> {
    let page: MeterList;
    try {
      page = await this.#fetchPage(this.#cursor ?? undefined, this.#rows.length === 0 ? this.#firstPage : this.#pageSize);
    } catch (error) {
      if (!this.#closed) {
        this.#error = error;
        this.#onChange();
      }
      return;
    }
    if (this.#closed) return;
    for (const item of page.items) {
      if (this.#index.has(item.id)) continue;
      this.#index.set(item.id, this.#rows.length);
      this.#rows.push(item);
    }
    this.#total = page.total;
    this.#cursor = page.items.length === 0 ? null : page.nextCursor;
    this.#onChange();
  }

  /** Applies a change to one meter if its row is loaded; returns whether it was. */
  patch(meterId: string, change: Partial<MeterSummary>): boolean {
    const at = this.#index.get(meterId);
    const row = at === undefined ? undefined : this.#rows[at];
    if (at === undefined || row === undefined) return false;
    this.#rows[at] = { ...row, ...change };
    this.#onChange();
    return true;
  }
}
