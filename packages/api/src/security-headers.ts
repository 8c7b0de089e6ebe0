// The security headers of every answer of the API server: the dashboard, the docs page, the API and
// its errors. One place, so that a new route cannot be served without them. The Content-Security-
// Policy is per kind of answer: the API's JSON loads nothing; the dashboard (Vite's build: one module
// script, one style sheet, no inline code) may load only its own files and talk only to its own
// origin; the OpenAPI page (Swagger UI's bundle, also files of this origin) adds data: images for its
// logo and its icons. None allows inline scripts or `eval`: injected markup runs nothing.

/** What an answer is, for the policy it gets. */
export type AnswerKind = 'api' | 'page' | 'docs';

/**
 * The dashboard and any other page of this origin. `'self'` in connect-src also admits wss: to this
 * host (CSP Level 3 §6.7.2.8, "scheme upgrades"), which the live feed needs. Preact writes `style=`
 * props through CSSOM (`element.style.x = …`), which style-src does not govern, so style-src needs no
 * 'unsafe-inline'; the browser test checks that the dashboard runs with no violation.
 */
const pagePolicy = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'self'",
  "manifest-src 'self'",
  "base-uri 'none'",
  "form-action 'self'",
  // CSP Level 3 §6.4.2: no page may frame this one (clickjacking of the confirmation dialogs).
  "frame-ancestors 'none'",
].join('; ');

/**
 * The one inline `<style>` element Swagger UI's bundle (@fastify/swagger-ui 6, Swagger UI 5) inserts,
 * admitted by its SHA-256 (CSP Level 3 §8.4 hash-source) rather than by 'unsafe-inline'. A new
 * Swagger UI with another inline style shows a violation in the browser test of /docs.
 */
export const swaggerUiStyleHash = "'sha256-RL3ie0nH+Lzz2YNqQN83mnU0J1ot4QL7b99vMdIX99w='";

/** /docs: Swagger UI from @fastify/swagger-ui's files; it fetches /docs/json and draws data: icons. */
const docsPolicy = pagePolicy.replace("style-src 'self'", `style-src 'self' ${swaggerUiStyleHash}`);

/** JSON, CSV and the OpenAPI document: nothing to load, nothing to frame. */
const apiPolicy = "default-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

/** HSTS max-age in seconds: one year (RFC 6797 §6.1.1; the API is served over HTTPS only). */
export const hstsMaxAgeSeconds = 31_536_000;

/** The kind of answer for a request path (the query string is ignored). */
export function answerKindOf(url: string): AnswerKind {
  const path = url.split('?', 1)[0] ?? '';
  if (path.startsWith('/api/') || path === '/openapi.json' || path === '/docs/json' || path === '/docs/yaml') return 'api';
  if (path === '/docs' || path.startsWith('/docs/')) return 'docs';
  return 'page';
}

/** The security headers of an answer to `url`, by lower-case header name. */
export function securityHeaders(url: string): Readonly<Record<string, string>> {
  return securityHeadersOf(answerKindOf(url));
}

/** The security headers of an answer of `kind` (an answer written before any URL is read has kind 'api'). */
export function securityHeadersOf(kind: AnswerKind): Readonly<Record<string, string>> {
  return {
    'content-security-policy': kind === 'api' ? apiPolicy : kind === 'docs' ? docsPolicy : pagePolicy,
    // RFC 6797 §6.1: browsers that saw the API once use HTTPS for it until max-age runs out.
    'strict-transport-security': `max-age=${hstsMaxAgeSeconds}`,
    // Fetch §3.5 (X-Content-Type-Options): a JSON or CSV answer is never run as a script or style.
    'x-content-type-options': 'nosniff',
    // Older browsers without frame-ancestors (RFC 7034).
    'x-frame-options': 'DENY',
    // Meter ids and cursors in URLs go nowhere else.
    'referrer-policy': 'no-referrer',
    // HTML §7.1.3: no other site's window keeps a handle on the dashboard's.
    'cross-origin-opener-policy': 'same-origin',
    // Fetch §3.7: no other site may embed the answers as images, scripts or media.
    'cross-origin-resource-policy': 'same-origin',
  };
}
