import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after } from 'node:test';
import { campaignConformance } from '../../testing/campaign-conformance.ts';
import { SqliteCampaignStore } from './open-campaign-store.ts';

const dir = mkdtempSync(join(tmpdir(), 'pw-campaigns-'));
after(() => { rmSync(dir, { recursive: true, force: true }); });

campaignConformance('SQLite', { open: (db) => SqliteCampaignStore.open({ path: join(dir, `${db}.db`) }) });
