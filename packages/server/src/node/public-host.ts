// How devices and users name the server's listeners in URLs.
import type { ServerConfig } from '../server-config.ts';

/** A host as it goes in a URL (an IPv6 address in brackets). */
export const urlHost = (host: string): string => (host.includes(':') ? `[${host}]` : host);

/** The host devices should use: the bind address unless it is a wildcard, then the first configured name. */
export function publicHost(config: ServerConfig): string {
  return config.bind === '0.0.0.0' || config.bind === '::' ? (config.hosts[0] ?? 'localhost') : config.bind;
}
