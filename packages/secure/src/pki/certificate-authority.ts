// The phasewire CA: a root and an issuing CA whose ECDSA P-384 keys live in a keystore (a PKCS#11
// token in production), a serial counter, the index of issued certificates, revocation with CRLs,
// and renewal before expiry. Pure: time comes from a Clock, storage through a CaStore, signatures
// from the Keystore port. Operations on one instance run one at a time, so concurrent enrollments
// never share a serial; each runs with the store to itself (CaStore.exclusive: the CA directory's
// lock, shared by `phasewire server` and `phasewire pki`) on the state read again from the store, so
// a change another process made meanwhile is built upon, never overwritten by a stale copy.
import { SecurityError, StoreError, ValidationError } from '@phasewire/core';
import type { Clock } from '@phasewire/core';
import type { Keystore } from '../keystore.ts';
import type { CaState, CaStore, IssuedCertificate, IssuedProfile } from './ca-state.ts';
import { bytesEqual } from './der.ts';
import { derOf, normalizeSerial, parseCertificate, toPem } from './certificates.ts';
import { createCrl, defaultCrlLifetime } from './crl.ts';
import type { DeviceIdentity } from './device-identity.ts';
import { defaultLifetime } from './profiles.ts';
import type { ServerNames, Subject } from './profiles.ts';
import type { RevocationReason } from './revocation-set.ts';
import { RevocationSet } from './revocation-set.ts';
import { dueForRenewal } from './rotation.ts';
import { signCertificate } from './sign-certificate.ts';
import { keystoreSigner } from './signer.ts';
import type { Signer } from './signer.ts';
import type * as x509 from './x509.ts';

/** Backdating of notBefore, so that a peer whose clock runs a little behind accepts a new certificate. */
export const notBeforeBackdate = 3_600_000;

export interface CaContext {
  readonly keystore: Keystore;
  readonly store: CaStore;
  readonly clock: Clock;
}

export interface InitOptions {
  readonly rootName?: string;
  readonly issuingName?: string;
  /** Keystore labels for the two CA keys. */
  readonly rootLabel?: string;
  readonly issuingLabel?: string;
}

/** Optional validity of a certificate to issue; the default is the profile's lifetime from now. */
export interface Validity {
  readonly notBefore: number;
  readonly notAfter: number;
}

export interface Issued {
  readonly record: IssuedCertificate;
  readonly certificate: x509.X509Certificate;
  /** The certificate, then the issuing CA: what a TLS identity presents. */
  readonly chainPem: string;
}

export class CertificateAuthority {
  readonly #context: CaContext;
  #state: CaState;
  #root: x509.X509Certificate;
  #issuing: x509.X509Certificate;
  readonly #signers: { readonly root: Signer; readonly issuing: Signer };
  #queue: Promise<unknown> = Promise.resolve();

  private constructor(
    context: CaContext,
    state: CaState,
    root: x509.X509Certificate,
    issuing: x509.X509Certificate,
    signers: { root: Signer; issuing: Signer },
  ) {
    this.#context = context;
    this.#state = state;
    this.#root = root;
    this.#issuing = issuing;
    this.#signers = signers;
  }

  /** Creates the root and issuing CA keys and certificates; refuses a store that holds a CA. */
  static async init(context: CaContext, options: InitOptions = {}): Promise<CertificateAuthority> {
    const { keystore, store, clock } = context;
    if (await store.readState() !== undefined) {
      throw new ValidationError('PW_ERR_CA_EXISTS', 'Cannot initialise the CA: the directory already holds one; '
        + 'expected an empty or new directory (nothing was changed)');
    }
    const labels = { root: options.rootLabel ?? 'phasewire-root-ca', issuing: options.issuingLabel ?? 'phasewire-issuing-ca' };
    await keystore.generateKeyPair(labels.root, 'P-384');
    await keystore.generateKeyPair(labels.issuing, 'P-384');
    const signers = { root: await keystoreSigner(keystore, labels.root), issuing: await keystoreSigner(keystore, labels.issuing) };
    const now = clock.now();
    const rootSubject: Subject = { profile: 'root-ca', name: options.rootName ?? 'CN=phasewire root CA, O=phasewire' };
    const root = await signCertificate(
      { subject: rootSubject, publicKey: signers.root.publicKey, serial: '01',
        notBefore: now - notBeforeBackdate, notAfter: now + defaultLifetime['root-ca'] },
      { certificate: undefined, signer: signers.root },
    );
    const issuingSubject: Subject = { profile: 'issuing-ca', name: options.issuingName ?? 'CN=phasewire issuing CA, O=phasewire' };
    const issuing = await signCertificate(
      { subject: issuingSubject, publicKey: signers.issuing.publicKey, serial: '02',
        notBefore: now - notBeforeBackdate, notAfter: now + defaultLifetime['issuing-ca'] },
      { certificate: root, signer: signers.root },
    );
    const state: CaState = {
      format: 1, nextSerial: 3, crlNumber: 0, keys: labels, root: '01', issuing: '02',
      issued: [{
        serial: '02', profile: 'issuing-ca', subject: issuing.subject,
        notBefore: issuing.notBefore.getTime(), notAfter: issuing.notAfter.getTime(), issuedAt: now,
      }],
    };
    await store.writeCertificate('01', derOf(root));
    await store.writeCertificate('02', derOf(issuing));
    const ca = new CertificateAuthority(context, state, root, issuing, signers);
    await ca.#publish();
    return ca;
  }

  /** Opens an existing CA and checks that its keys are in the keystore and match its certificates. */
  static async open(context: CaContext): Promise<CertificateAuthority> {
    const state = await context.store.readState();
    if (state === undefined) {
      throw new StoreError('PW_ERR_CA_STATE', 'Cannot open the CA: the directory holds no CA state; '
        + 'expected one made by `phasewire pki init`');
    }
    const root = parseCertificate(await context.store.readCertificate(state.root));
    const issuing = parseCertificate(await context.store.readCertificate(state.issuing));
    const signers = {
      root: await keystoreSigner(context.keystore, state.keys.root),
      issuing: await keystoreSigner(context.keystore, state.keys.issuing),
    };
    for (const [which, certificate] of [['root', root], ['issuing', issuing]] as const) {
      if (!bytesEqual(signers[which].publicKey, new Uint8Array(certificate.publicKey.rawData))) {
        throw new SecurityError('PW_ERR_CA_KEY', `Cannot open the CA: the ${context.keystore.kind} keystore's key `
          + `${JSON.stringify(state.keys[which])} is not the key of the ${which} CA certificate; `
          + 'expected the keystore the CA was created with');
      }
    }
    return new CertificateAuthority(context, state, root, issuing, signers);
  }

  get root(): x509.X509Certificate {
    return this.#root;
  }

  get issuing(): x509.X509Certificate {
    return this.#issuing;
  }

  /** The issuing CA then the root, PEM: what devices and servers are given to trust and present. */
  get caChainPem(): string {
    return toPem(derOf(this.#issuing), 'CERTIFICATE') + toPem(derOf(this.#root), 'CERTIFICATE');
  }

  /** Every certificate issued, oldest first. */
  list(): readonly IssuedCertificate[] {
    return this.#state.issued;
  }

  find(serial: string): IssuedCertificate | undefined {
    const wanted = normalizeSerial(serial);
    return this.#state.issued.find((entry) => entry.serial === wanted);
  }

  async certificate(serial: string): Promise<x509.X509Certificate> {
    return parseCertificate(await this.#context.store.readCertificate(this.#known(serial).serial));
  }

  /** The serials revoked so far, for listeners. */
  revocations(): RevocationSet {
    return RevocationSet.of(this.#state.issued.flatMap((entry) =>
      entry.revoked === undefined ? [] : [{ serial: entry.serial, revokedAt: entry.revoked.at, reason: entry.revoked.reason }]));
  }

  issueServer(publicKey: Uint8Array, names: ServerNames, options: { name?: string; validity?: Validity } = {}): Promise<Issued> {
    const name = options.name ?? `CN=${names.dns[0] ?? names.ips[0] ?? 'phasewire server'}, O=phasewire`;
    return this.#serialised(() => this.#issue({ profile: 'server', name, names }, publicKey, options.validity, undefined));
  }

  issueDevice(publicKey: Uint8Array, device: DeviceIdentity, options: { validity?: Validity } = {}): Promise<Issued> {
    return this.#serialised(() => this.#issue({ profile: 'device', device }, publicKey, options.validity, undefined));
  }

  /** Re-issues a certificate (same key, same names, new validity): rotation before expiry. */
  renew(serial: string): Promise<Issued> {
    return this.#serialised(async () => {
      const old = this.#known(serial);
      if (old.revoked !== undefined) {
        throw new ValidationError('PW_ERR_ALREADY_REVOKED', `Cannot renew certificate ${old.serial} (${old.subject}): `
          + `it was revoked (${old.revoked.reason}); expected a certificate in use`);
      }
      const certificate = parseCertificate(await this.#context.store.readCertificate(old.serial));
      const publicKey = new Uint8Array(certificate.publicKey.rawData);
      return this.#issue(subjectOf(old), publicKey, undefined, old.serial);
    });
  }

  /** The certificates that should be renewed now (see rotation.ts). */
  due(): IssuedCertificate[] {
    return dueForRenewal(this.#state.issued, this.#context.clock.now());
  }

  /** Revokes a certificate and publishes new CRLs; the next handshake of its holder is refused. */
  revoke(serial: string, reason: RevocationReason = 'unspecified'): Promise<IssuedCertificate> {
    return this.#serialised(async () => {
      const entry = this.#known(serial);
      if (entry.revoked !== undefined) {
        throw new ValidationError('PW_ERR_ALREADY_REVOKED', `Cannot revoke certificate ${entry.serial} (${entry.subject}): `
          + `it was revoked already (${entry.revoked.reason}); expected a certificate not yet revoked`);
      }
      const revoked: IssuedCertificate = { ...entry, revoked: { at: this.#context.clock.now(), reason } };
      this.#state = { ...this.#state, issued: this.#state.issued.map((item) => item.serial === entry.serial ? revoked : item) };
      await this.#context.store.writeState(this.#state);
      await this.#publish();
      return revoked;
    });
  }

  /** The number of the CRLs last published: a revocation is in the CRLs of this number and later. */
  get crlNumber(): number {
    return this.#state.crlNumber;
  }

  /** Reads the state again from the store: what another process (`phasewire pki`) changed is seen from now on. */
  reload(): Promise<void> {
    return this.#serialised(() => Promise.resolve());
  }

  /** Re-signs both CRLs (run daily, before nextUpdate, so listeners never see a stale CRL). */
  refreshCrls(): Promise<void> {
    return this.#serialised(() => this.#publish());
  }

  #known(serial: string): IssuedCertificate {
    const entry = this.find(serial);
    if (entry === undefined) {
      throw new ValidationError('PW_ERR_UNKNOWN_SERIAL', `Cannot find certificate ${JSON.stringify(serial)}: `
        + 'this CA issued no certificate with that serial; expected one listed by `phasewire pki list`');
    }
    return entry;
  }

  #serialised<T>(operation: () => Promise<T>): Promise<T> {
    const { store } = this.#context;
    const fresh = async (): Promise<T> => {
      await this.#refresh();
      return operation();
    };
    const result = this.#queue.then(() => (store.exclusive === undefined ? fresh() : store.exclusive(fresh)));
    this.#queue = result.catch(() => undefined);
    return result;
  }

  /**
   * Takes the state from the store. The serial counter and the CRL number never go back, even if
   * the store's copy is older than this one (a restored backup): a serial is never reused.
   */
  async #refresh(): Promise<void> {
    const { store } = this.#context;
    const state = await store.readState();
    if (state === undefined) {
      throw new StoreError('PW_ERR_CA_STATE', 'Cannot use the CA: its state is gone from the store; expected the state it was opened with');
    }
    if (state.keys.root !== this.#state.keys.root || state.keys.issuing !== this.#state.keys.issuing) {
      throw new StoreError('PW_ERR_CA_STATE', `Cannot use the CA: the store now names the keys ${JSON.stringify(state.keys)}, `
        + `this CA was opened with ${JSON.stringify(this.#state.keys)}; expected the same CA`);
    }
    if (state.root !== this.#state.root) this.#root = parseCertificate(await store.readCertificate(state.root));
    if (state.issuing !== this.#state.issuing) this.#issuing = parseCertificate(await store.readCertificate(state.issuing));
    const nextSerial = Math.max(state.nextSerial, this.#state.nextSerial);
    this.#state = { ...state, nextSerial, crlNumber: Math.max(state.crlNumber, this.#state.crlNumber) };
  }

  async #issue(subject: Subject, publicKey: Uint8Array, validity: Validity | undefined, replaces: string | undefined): Promise<Issued> {
    const now = this.#context.clock.now();
    const byRoot = subject.profile === 'issuing-ca';
    const issuerCertificate = byRoot ? this.#root : this.#issuing;
    const notBefore = issuerCertificate.notBefore.getTime();
    const notAfter = issuerCertificate.notAfter.getTime();
    if (now < notBefore || now > notAfter) {
      throw new SecurityError('PW_ERR_CA_EXPIRED', `Cannot issue a ${subject.profile} certificate: the ${byRoot ? 'root' : 'issuing'} CA `
        + `is valid from ${issuerCertificate.notBefore.toISOString()} to ${issuerCertificate.notAfter.toISOString()}, `
        + `and now is ${new Date(now).toISOString()}; expected a CA within its validity (renew it first)`);
    }
    const wanted = validity ?? { notBefore: now - notBeforeBackdate, notAfter: now + defaultLifetime[subject.profile] };
    // A certificate never outlives its issuer (RFC 5280 §6.1.3 would reject the chain after that).
    const range = { notBefore: Math.max(wanted.notBefore, notBefore), notAfter: Math.min(wanted.notAfter, notAfter) };
    const serial = normalizeSerial(this.#state.nextSerial.toString(16));
    // The counter is saved before the signature exists: a crash may skip a serial, never reuse one.
    this.#state = { ...this.#state, nextSerial: this.#state.nextSerial + 1 };
    await this.#context.store.writeState(this.#state);
    const certificate = await signCertificate(
      { subject, publicKey, serial, ...range },
      { certificate: issuerCertificate, signer: byRoot ? this.#signers.root : this.#signers.issuing },
    );
    await this.#context.store.writeCertificate(serial, derOf(certificate));
    const record: IssuedCertificate = {
      serial, profile: subject.profile as IssuedProfile, subject: certificate.subject,
      ...(subject.profile === 'device' ? { device: subject.device } : {}),
      ...(subject.profile === 'server' ? { names: subject.names } : {}),
      notBefore: certificate.notBefore.getTime(), notAfter: certificate.notAfter.getTime(), issuedAt: now,
      ...(replaces === undefined ? {} : { replaces }),
    };
    this.#state = {
      ...this.#state,
      ...(subject.profile === 'issuing-ca' ? { issuing: serial } : {}),
      issued: [...this.#state.issued.map((item) => item.serial === replaces ? { ...item, replacedBy: serial } : item), record],
    };
    await this.#context.store.writeState(this.#state);
    if (subject.profile === 'issuing-ca') this.#issuing = certificate;
    const chain = subject.profile === 'issuing-ca' ? [certificate, this.#root] : [certificate, this.#issuing];
    return { record, certificate, chainPem: chain.map((item) => toPem(derOf(item), 'CERTIFICATE')).join('') };
  }

  async #publish(): Promise<void> {
    const now = this.#context.clock.now();
    const crlNumber = this.#state.crlNumber + 1;
    this.#state = { ...this.#state, crlNumber };
    await this.#context.store.writeState(this.#state);
    const revoked = this.revocations().entries();
    const caSerials = new Set(this.#state.issued.filter((entry) => entry.profile === 'issuing-ca').map((entry) => entry.serial));
    const common = { number: crlNumber, thisUpdate: now - notBeforeBackdate, nextUpdate: now + defaultCrlLifetime };
    const issuing = await createCrl({
      ...common, issuer: this.#issuing, signer: this.#signers.issuing, entries: revoked.filter((entry) => !caSerials.has(entry.serial)),
    });
    const root = await createCrl({
      ...common, issuer: this.#root, signer: this.#signers.root, entries: revoked.filter((entry) => caSerials.has(entry.serial)),
    });
    await this.#context.store.writeCrls({ issuing, root });
  }
}

function subjectOf(entry: IssuedCertificate): Subject {
  if (entry.profile === 'device' && entry.device !== undefined) return { profile: 'device', device: entry.device };
  if (entry.profile === 'server' && entry.names !== undefined) return { profile: 'server', name: entry.subject, names: entry.names };
  return { profile: 'issuing-ca', name: entry.subject };
}
