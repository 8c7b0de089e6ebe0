// The campaign tables, as migrations for SQLite (its own file, campaigns.db) and PostgreSQL (its own
// schema, phasewire_campaigns by default); they differ only in the integer type. docs/firmware.md,
// "Campaigns", explains each table.

export interface CampaignMigration {
  readonly version: number;
  readonly name: string;
  readonly statements: readonly string[];
}

export const campaignMigrations = (dialect: 'sqlite' | 'postgres'): readonly CampaignMigration[] => {
  const int = dialect === 'sqlite' ? 'INTEGER' : 'bigint';
  const real = dialect === 'sqlite' ? 'REAL' : 'double precision';
  return [{
    version: 1,
    name: 'firmware campaigns, their devices, device groups and tags',
    statements: [
      'CREATE TABLE campaign (id TEXT PRIMARY KEY, name TEXT NOT NULL, target TEXT NOT NULL, version TEXT NOT NULL, '
        + `selector TEXT NOT NULL, waves TEXT NOT NULL, failure_threshold ${real} NOT NULL, maintenance_window TEXT, `
        + `status TEXT NOT NULL, wave ${int} NOT NULL, `
        + `status_reason TEXT, accepted_failures ${int} NOT NULL, created_by TEXT NOT NULL, created_at ${int} NOT NULL, `
        + `updated_at ${int} NOT NULL)`,
      `CREATE TABLE campaign_device (campaign TEXT NOT NULL, device TEXT NOT NULL, wave ${int} NOT NULL, state TEXT NOT NULL, `
        + `reason TEXT, command TEXT, updated_at ${int} NOT NULL, PRIMARY KEY (campaign, device))`,
      'CREATE INDEX campaign_device_wave ON campaign_device (campaign, wave, state)',
      'CREATE TABLE device_label (device TEXT PRIMARY KEY, grp TEXT, tags TEXT NOT NULL)',
    ],
  }];
};
