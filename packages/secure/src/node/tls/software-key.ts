// A software ECDSA key for a TLS identity: the deviation of docs/adr/0003. Node's TLS needs the
// private key in memory, so the keys of TLS identities (server certificates; device certificates
// on devices without a PKCS#11 engine) are generated here rather than in a keystore. CA and
// firmware keys never take this path.
import { generateKeyPairSync, sign } from 'node:crypto';
import type { EcCurve } from '../../keystore.ts';
import type { Signer } from '../../pki/signer.ts';
import { curveHash } from '../../pki/signer.ts';

export interface SoftwareKey {
  readonly signer: Signer;
  /** PKCS#8 PEM of the private key: store it with mode 0600 or keep it in memory. */
  readonly privateKeyPem: string;
}

export function generateSoftwareKey(curve: EcCurve = 'P-384'): SoftwareKey {
  const pair = generateKeyPairSync('ec', { namedCurve: curve === 'P-384' ? 'secp384r1' : 'prime256v1' });
  const hash = curveHash[curve] === 'SHA-384' ? 'sha384' : 'sha256';
  return {
    signer: {
      curve,
      publicKey: new Uint8Array(pair.publicKey.export({ type: 'spki', format: 'der' })),
      sign: (data) => Promise.resolve(new Uint8Array(sign(hash, data, { key: pair.privateKey, dsaEncoding: 'der' }))),
    },
    privateKeyPem: pair.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
  };
}
