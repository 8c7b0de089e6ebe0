// The bounds of secure's listeners and envelope as plain values, importable without the rest of the
// package: the server's configuration takes its defaults from here, and the dashboard, which
// type-checks the server's configuration through the API types under the DOM library, then never
// reaches the PKI code (whose byte types differ under that library).
export { defaultConnectionLimits } from './tls/connection-budget.ts';
export type { ConnectionLimits } from './tls/connection-budget.ts';
export { defaultMaxBodyBytes } from './envelope/envelope-format.ts';
export { tlsPolicy } from './tls/tls-policy.ts';
