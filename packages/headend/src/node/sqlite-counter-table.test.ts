import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after } from 'node:test';
import { counterTableConformance } from '../testing/counter-table-conformance.ts';
import { openHeadEndDatabase } from './sqlite-registry.ts';
import { SqliteCounterTable } from './sqlite-counter-table.ts';

const dir = mkdtempSync(join(tmpdir(), 'pw-counters-'));
after(() => { rmSync(dir, { recursive: true, force: true }); });

/** The table on its own connection to the file, closed with it (the head-end's table leaves the database to its opener). */
class OwnedTable extends SqliteCounterTable {
  readonly #close: () => void;

  constructor(path: string) {
    const db = openHeadEndDatabase(path);
    super(db);
    this.#close = () => { db.close(); };
  }

  override close(): Promise<void> {
    this.#close();
    return Promise.resolve();
  }
}

counterTableConformance('SQLite', { open: (db) => Promise.resolve(new OwnedTable(join(dir, `${db}.db`))) });
