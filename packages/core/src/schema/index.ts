// @phasewire/core/schema: what every file format's schema shares (device profiles, gateway and
// server configuration, and the formats to come): the one problem to report when a value does not
// fit its TypeBox schema, and the phrase of what a field expects, for errors and generated docs.
// A subpath of core, so that what imports only the domain does not load TypeBox.
export * from './schema-problem.ts';
