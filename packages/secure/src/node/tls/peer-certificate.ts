// Node's view of a peer certificate, reduced to what the post-handshake check needs. Node's
// native X509Certificate is used rather than a JavaScript parse: it runs at every handshake.
import type { X509Certificate } from 'node:crypto';
import type { PeerCertificate } from '../../tls/peer-check.ts';

/**
 * Splits Node's `subjectAltName` text ("DNS:a, URI:b"). Since Node 17.3 (CVE-2021-44532) a value
 * holding a comma, quote or other special character is printed as a JSON string, so a crafted
 * name cannot smuggle a second entry; such values are decoded rather than split.
 */
export function parseNameList(text: string | undefined, separator: string): { key: string; value: string }[] {
  if (text === undefined || text === '') return [];
  const entries: { key: string; value: string }[] = [];
  let rest = text;
  while (rest.length > 0) {
    const colon = /^([A-Za-z0-9 .]+?)[:=]/.exec(rest);
    if (colon === null) break;
    const key = colon[1] ?? '';
    rest = rest.slice(colon[0].length);
    let value: string;
    if (rest.startsWith('"')) {
      const quoted = /^"(?:[^"\\]|\\.)*"/.exec(rest)?.[0] ?? '""';
      value = JSON.parse(quoted) as string;
      rest = rest.slice(quoted.length);
    } else {
      const end = rest.indexOf(separator);
      value = end === -1 ? rest : rest.slice(0, end);
      rest = end === -1 ? '' : rest.slice(end);
    }
    entries.push({ key, value });
    if (rest.startsWith(separator)) rest = rest.slice(separator.length);
  }
  return entries;
}

export function peerCertificateOf(certificate: X509Certificate): PeerCertificate {
  const san = parseNameList(certificate.subjectAltName, ', ');
  const subject = parseNameList(certificate.subject, '\n');
  return {
    serial: certificate.serialNumber,
    validFrom: certificate.validFromDate.getTime(),
    validTo: certificate.validToDate.getTime(),
    extendedKeyUsage: certificate.keyUsage,
    uris: san.filter((entry) => entry.key === 'URI').map((entry) => entry.value),
    commonNames: subject.filter((entry) => entry.key === 'CN').map((entry) => entry.value),
  };
}
