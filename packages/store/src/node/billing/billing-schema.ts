// The billing tables, as migrations for SQLite (its own file, billing.db) and PostgreSQL (its own
// schema, phasewire_billing by default). The two differ only in column types and in how the database
// itself refuses a change to an issued bill (a trigger on each: the store checks first and says why,
// the trigger makes it hold for any writer). docs/billing.md explains each table.

export interface BillingMigration {
  readonly version: number;
  readonly name: string;
  readonly statements: readonly string[];
}

type Dialect = 'sqlite' | 'postgres';

function tables(d: Dialect): string[] {
  const int = d === 'sqlite' ? 'INTEGER' : 'bigint';
  const seq = d === 'sqlite' ? 'seq INTEGER PRIMARY KEY' : 'seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY';
  return [
    `CREATE TABLE tariff_version (tariff_id TEXT NOT NULL, version ${int} NOT NULL, effective_from TEXT NOT NULL, effective_to TEXT, `
      + `document TEXT NOT NULL, uploaded_by TEXT NOT NULL, uploaded_at ${int} NOT NULL, PRIMARY KEY (tariff_id, version))`,
    'CREATE TABLE account (id TEXT PRIMARY KEY, name TEXT NOT NULL, cycle TEXT NOT NULL)',
    'CREATE TABLE service_point (id TEXT PRIMARY KEY, name TEXT NOT NULL)',
    // Effective-dated relations: [from_at, to_at), to_at NULL while open.
    `CREATE TABLE installation (service_point TEXT NOT NULL, meter TEXT NOT NULL, from_at ${int} NOT NULL, to_at ${int}, `
      + 'PRIMARY KEY (service_point, from_at))',
    'CREATE INDEX installation_meter ON installation (meter, from_at)',
    `CREATE TABLE service_point_link (account TEXT NOT NULL, service_point TEXT NOT NULL, from_at ${int} NOT NULL, to_at ${int}, `
      + 'PRIMARY KEY (service_point, from_at))',
    'CREATE INDEX service_point_link_account ON service_point_link (account, from_at)',
    `CREATE TABLE tariff_assignment (account TEXT NOT NULL, tariff_id TEXT NOT NULL, from_at ${int} NOT NULL, to_at ${int}, `
      + 'PRIMARY KEY (account, from_at))',
    `CREATE TABLE bill_run (cycle TEXT PRIMARY KEY, pass ${int} NOT NULL, state TEXT NOT NULL, total ${int} NOT NULL, `
      + `started_by TEXT NOT NULL, started_at ${int} NOT NULL, finished_at ${int})`,
    // One row per work item committed in a pass: the run's progress, and what a resumed run skips.
    `CREATE TABLE bill_run_item (cycle TEXT NOT NULL, pass ${int} NOT NULL, account TEXT NOT NULL, service_point TEXT NOT NULL, `
      + 'outcome TEXT NOT NULL, PRIMARY KEY (cycle, pass, account, service_point))',
    'CREATE TABLE bill (id TEXT PRIMARY KEY, cycle TEXT NOT NULL, account TEXT NOT NULL, service_point TEXT NOT NULL, kind TEXT NOT NULL, '
      + `status TEXT NOT NULL, replaces TEXT, correction TEXT, currency TEXT NOT NULL, total_minor ${int} NOT NULL, fingerprint TEXT NOT `
      + `NULL, document TEXT NOT NULL, created_at ${int} NOT NULL, issued_at ${int}, issued_by TEXT)`,
    'CREATE INDEX bill_period ON bill (cycle, account, service_point, id)',
    `CREATE TABLE billing_audit (${seq}, at ${int} NOT NULL, actor TEXT NOT NULL, action TEXT NOT NULL, subject TEXT NOT NULL, `
      + 'detail TEXT NOT NULL)',
    'CREATE INDEX billing_audit_subject ON billing_audit (subject, seq)',
  ];
}

const immutableSqlite = [
  `CREATE TRIGGER bill_issued_update BEFORE UPDATE ON bill WHEN OLD.status = 'issued'
    BEGIN SELECT RAISE(ABORT, 'an issued bill is immutable'); END`,
  `CREATE TRIGGER bill_issued_delete BEFORE DELETE ON bill WHEN OLD.status = 'issued'
    BEGIN SELECT RAISE(ABORT, 'an issued bill is immutable'); END`,
];

const immutablePostgres = [
  `CREATE FUNCTION bill_issued_immutable() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN RAISE EXCEPTION 'an issued bill is immutable (bill %)', OLD.id; END $$`,
  `CREATE TRIGGER bill_issued_immutable BEFORE UPDATE OR DELETE ON bill FOR EACH ROW WHEN (OLD.status = 'issued')
    EXECUTE FUNCTION bill_issued_immutable()`,
];

export const billingMigrations = (dialect: Dialect): readonly BillingMigration[] => [
  {
    version: 1,
    name: 'accounts model, tariff versions, bill runs, bills and audit',
    statements: [...tables(dialect), ...(dialect === 'sqlite' ? immutableSqlite : immutablePostgres)],
  },
];
