// `phasewire pki …`: the phasewire CA on the command line. The CA state lives in a directory
// (--dir, ./data/pki by default); its two keys live in a keystore: a PKCS#11 token
// (--keystore pkcs11, production) or the software keystore file of the embedded default.
//
//   init     create the root and issuing CA (ECDSA P-384, keys in the keystore)
//   issue    a server certificate (DNS/IP names) or a device certificate (from a CSR, or with a
//            new software key for a simulated device)
//   token    a one-time enrollment token for a device (EST, docs/security-pki.md)
//   revoke   revoke by serial and publish new CRLs
//   list     the issued certificates (--due: those due for renewal)
//   rotate   renew every certificate due (same key, new validity)
//   crl      re-sign the CRLs (run daily: listeners refuse everyone past nextUpdate)
import { randomBytes } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import { StoreError, ValidationError } from '@phasewire/core';
import {
  CertificateAuthority, checkDeviceCsr, createToken, deviceIdentity, deviceUri, isDnsName, isIpAddress,
  parseCertificateRequest, derOf, revocationReasons,
} from '@phasewire/secure';
import type { DeviceIdentity, IssuedCertificate, Keystore, RevocationReason } from '@phasewire/secure';
import {
  CaDirectory, caLockWaitMs, generateSoftwareKey, Pkcs11Keystore, SoftwareKeystore, TokenFileStore, caFiles, waitInForce,
} from '@phasewire/secure/node';
import type { CliIo } from '../io.ts';
import { parseChoice, parseDuration, parseInteger } from '../options.ts';

interface PkiOptions {
  dir: string;
  keystore: string;
  keystoreFile?: string;
  keystorePassphraseEnv: string;
  keystoreKeyFile?: string;
  pkcs11Module: string;
  pkcs11Token?: string;
  pkcs11Slot?: string;
  pkcs11PinEnv: string;
  pkcs11PinFile?: string;
}

const systemClock = { now: () => Date.now() };

async function openKeystore(options: PkiOptions, io: CliIo, directory: string, create: boolean): Promise<Keystore> {
  const kind = parseChoice('--keystore', options.keystore, ['software', 'pkcs11'] as const);
  if (kind === 'pkcs11') {
    if (options.pkcs11Token === undefined && options.pkcs11Slot === undefined) {
      throw new ValidationError('PW_ERR_INVALID_OPTION',
        'Missing --pkcs11-token <label> (or --pkcs11-slot <id>): expected the token that holds the CA keys');
    }
    return Pkcs11Keystore.open({
      module: options.pkcs11Module,
      token: options.pkcs11Slot === undefined ? { label: options.pkcs11Token ?? '' } : { slotId: parseInteger('--pkcs11-slot', options
        .pkcs11Slot, 0, 2 ** 32 - 1) },
      pin: options.pkcs11PinFile === undefined ? { env: options.pkcs11PinEnv } : { file: resolve(io.cwd, options.pkcs11PinFile) },
      env: io.env,
    });
  }
  return SoftwareKeystore.open({
    path: resolve(io.cwd, options.keystoreFile ?? join(directory, 'keystore.json')),
    unlock: options.keystoreKeyFile === undefined ? { passphrase: { env: options.keystorePassphraseEnv } } : { keyFile: resolve(io.cwd,
      options.keystoreKeyFile) },
    warn: (message) => { io.err(`warning: ${message}\n`); },
    create,
    env: io.env,
  });
}

/** Opens the directory (taking its lock) and the keystore, runs `body`, and closes both. */
async function withCa<T>(command: Command, io: CliIo, body: (ca: CertificateAuthority, store: CaDirectory) => Promise<T>, init?: { rootName?
  : string; issuingName?: string }): Promise<T> {
  const options = command.optsWithGlobals<PkiOptions>();
  const directory = resolve(io.cwd, options.dir);
  const store = await CaDirectory.open(directory, { waitMs: caLockWaitMs });
  try {
    const keystore = await openKeystore(options, io, directory, init !== undefined);
    try {
      const context = { keystore, store, clock: systemClock };
      const ca = init === undefined ? await CertificateAuthority.open(context) : await CertificateAuthority.init(context, init);
      return await body(ca, store);
    } finally {
      await keystore.close();
    }
  } finally {
    await store.close();
  }
}

const day = (time: number): string => new Date(time).toISOString().slice(0, 10);

function status(entry: IssuedCertificate, now: number): string {
  if (entry.revoked !== undefined) return `revoked ${day(entry.revoked.at)} (${entry.revoked.reason})`;
  if (entry.replacedBy !== undefined) return `renewed as ${entry.replacedBy}`;
  return entry.notAfter < now ? 'expired' : 'valid';
}

function printList(io: CliIo, entries: readonly IssuedCertificate[]): void {
  const now = Date.now();
  const rows = entries.map((entry) => [entry.serial, entry.profile, entry.device === undefined ? entry.subject : deviceUri(entry.device),
    day(entry.notAfter), status(entry, now)]);
  const header = ['SERIAL', 'PROFILE', 'SUBJECT', 'NOT AFTER', 'STATUS'];
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => row[column]?.length ?? 0)));
  for (const row of [header, ...rows]) io.out(`${row.map((cell, column) => cell.padEnd(widths[column] ?? 0)).join('  ').trimEnd()}\n`);
}

function deviceOf(options: { meter?: string; gateway?: string }): DeviceIdentity {
  if ((options.meter === undefined) === (options.gateway === undefined)) {
    throw new ValidationError('PW_ERR_INVALID_OPTION',
      'Give exactly one of --meter <id> or --gateway <id>: the device the certificate or token is for');
  }
  return options.meter === undefined ? deviceIdentity('gateway', options.gateway ?? '') : deviceIdentity('meter', options.meter);
}

async function writeIdentity(io: CliIo, out: string, chainPem: string, privateKeyPem: string | undefined): Promise<void> {
  const prefix = resolve(io.cwd, out);
  await writeFile(`${prefix}.pem`, chainPem);
  if (privateKeyPem !== undefined) await writeFile(`${prefix}.key`, privateKeyPem, { mode: 0o600 });
  io.out(`wrote ${prefix}.pem${privateKeyPem === undefined ? '' : ` and ${prefix}.key (software key, mode 0600)`}\n`);
}

export function registerPki(program: Command, io: CliIo): void {
  const pki = program.command('pki').description(
    'The phasewire CA: root and issuing CA, certificates, revocation, rotation, enrollment tokens.')
    .option('--dir <ca-dir>', 'CA directory', './data/pki')
    .option('--keystore <kind>', 'where the CA keys live: software or pkcs11', 'software')
    .option('--keystore-file <path>', 'software keystore file (default <ca-dir>/keystore.json)')
    .option('--keystore-passphrase-env <var>', 'environment variable holding the software keystore passphrase',
    'PHASEWIRE_KEYSTORE_PASSPHRASE')
    .option('--keystore-key-file <path>', 'unlock the software keystore with a 32-byte key file (mode 0600) instead')
    .option('--pkcs11-module <path>', 'PKCS#11 library', '/usr/lib/softhsm/libsofthsm2.so')
    .option('--pkcs11-token <label>', 'PKCS#11 token label')
    .option('--pkcs11-slot <id>', 'PKCS#11 slot id (instead of the label)')
    .option('--pkcs11-pin-env <var>', 'environment variable holding the user PIN', 'PHASEWIRE_PKCS11_PIN')
    .option('--pkcs11-pin-file <path>', 'file holding the user PIN (mode 0600) instead');

  pki.command('init').description('Create the root and issuing CA in an empty directory.')
    .option('--root-name <dn>', 'root CA subject', 'CN=phasewire root CA, O=phasewire')
    .option('--issuing-name <dn>', 'issuing CA subject', 'CN=phasewire issuing CA, O=phasewire')
    .action(async (options: { rootName: string; issuingName: string }, command: Command) => {
      await withCa(command, io, async (ca, store) => {
        io.out(`created ${ca.root.subject} (serial ${ca.root.serialNumber}) and ${ca.issuing.subject} (serial ${ca.issuing
          .serialNumber})\n`);
        io.out(`trust anchor: ${store.file('root')}\nCA chain:     ${store.file('chain')}\nCRLs:         ${store.file('crl')}\n`);
        return Promise.resolve();
      }, { rootName: options.rootName, issuingName: options.issuingName });
    });

  const issue = pki.command('issue').description('Issue a server or device certificate.');
  issue.command('server').description('A server certificate (serverAuth) with a new software key (docs/adr/0003).')
    .option('--dns <names>', 'comma-separated DNS names', '')
    .option('--ip <addresses>', 'comma-separated IP addresses', '')
    .option('--name <dn>', 'subject (default CN=<first name>, O=phasewire)')
    .requiredOption('--out <prefix>', 'writes <prefix>.pem (certificate and issuing CA) and <prefix>.key')
    .action(async (options: { dns: string; ip: string; name?: string; out: string }, command: Command) => {
      const split = (text: string) => text.split(',').map((item) => item.trim()).filter((item) => item !== '');
      const names = { dns: split(options.dns), ips: split(options.ip) };
      const bad = [...names.dns.filter((name) => !isDnsName(name)), ...names.ips.filter((ip) => !isIpAddress(ip))];
      if (bad.length > 0 || names.dns.length + names.ips.length === 0) {
        throw new ValidationError('PW_ERR_INVALID_OPTION', `Invalid --dns/--ip ${JSON.stringify(bad.join(
          ','))}: expected at least one host name or IP address`);
      }
      await withCa(command, io, async (ca) => {
        const key = generateSoftwareKey('P-384');
        const issued = await ca.issueServer(key.signer.publicKey, names, options.name === undefined ? {} : { name: options.name });
        io.out(`issued server certificate ${issued.record.serial} for ${[...names.dns, ...names.ips].join(', ')}\n`);
        await writeIdentity(io, options.out, issued.chainPem, key.privateKeyPem);
      });
    });
  issue.command('device').description('A device certificate (clientAuth, device id in the URI SAN) from a CSR, or with a new software key.')
    .option('--meter <id>', 'meter id')
    .option('--gateway <id>', 'gateway id')
    .option('--csr <file>', 'PKCS#10 request (PEM or DER) signed by the device key')
    .option('--generate-key', 'make a software key instead (simulated devices)')
    .requiredOption('--out <prefix>', 'writes <prefix>.pem (and <prefix>.key with --generate-key)')
    .action(async (options: { meter?: string; gateway?: string; csr?: string; generateKey?: boolean; out: string }, command: Command) => {
      const device = deviceOf(options);
      if ((options.csr === undefined) === (options.generateKey !== true)) {
        throw new ValidationError('PW_ERR_INVALID_OPTION', 'Give exactly one of --csr <file> or --generate-key');
      }
      const key = options.csr === undefined ? generateSoftwareKey('P-384') : undefined;
      const publicKey = key?.signer.publicKey
        ?? (await checkDeviceCsr(derOf(parseCertificateRequest(await readFile(resolve(io.cwd, options.csr ?? ''), 'utf8'))), device))
        .publicKey;
      await withCa(command, io, async (ca) => {
        const issued = await ca.issueDevice(publicKey, device);
        io.out(`issued device certificate ${issued.record.serial} for ${deviceUri(device)}\n`);
        await writeIdentity(io, options.out, issued.chainPem, key?.privateKeyPem);
      });
    });

  pki.command('token').description('Create a one-time enrollment token for a device (shown once; stored hashed).')
    .option('--meter <id>', 'meter id')
    .option('--gateway <id>', 'gateway id')
    .option('--expires <time>', 'lifetime, e.g. 24h, 7d', '7d')
    .action(async (options: { meter?: string; gateway?: string; expires: string }, command: Command) => {
      const device = deviceOf(options);
      const lifetime = parseDuration('--expires', options.expires);
      const directory = resolve(io.cwd, command.optsWithGlobals<PkiOptions>().dir);
      const store = await CaDirectory.open(directory, { waitMs: caLockWaitMs });
      try {
        if (await store.readState() === undefined) throw new ValidationError('PW_ERR_INVALID_OPTION',
          `Cannot create a token: ${directory} holds no CA; expected one made by \`phasewire pki init\``);
        const created = await createToken(device, lifetime, systemClock, (length) => new Uint8Array(randomBytes(length)));
        await new TokenFileStore(join(directory, caFiles.tokens)).add(created.record);
        io.out(`${created.token}\n`);
        io.err(`token ${created.record.id} for ${deviceUri(device)}, valid until ${new Date(created.record.expiresAt)
          .toISOString()}; it is shown only now\n`);
      } finally {
        await store.close();
      }
    });

  pki.command('revoke').description(
    'Revoke a certificate by serial and publish new CRLs; done once a server running on the directory has it in force.')
    .argument('<serial>', 'serial number (hex), as `phasewire pki list` shows it')
    .option('--reason <reason>', `one of ${Object.keys(revocationReasons).join(', ')}`, 'unspecified')
    .option('--wait <time>', 'how long to wait for a running server to put it in force', '30s')
    .action(async (serial: string, options: { reason: string; wait: string }, command: Command) => {
      const reason = parseChoice('--reason', options.reason, Object.keys(revocationReasons) as RevocationReason[]);
      const wait = parseDuration('--wait', options.wait);
      const { entry, crlNumber, path } = await withCa(command, io, async (ca, store) => {
        const revoked = await ca.revoke(serial, reason);
        return { entry: revoked, crlNumber: ca.crlNumber, path: store.path };
      });
      const done = `revoked ${entry.serial} (${entry.subject}): ${reason}; CRLs republished (CRL number ${crlNumber})`;
      // The lock is released: a server on the directory reloads the state and puts it in force.
      const outcome = await waitInForce(path, crlNumber, wait);
      if (outcome.kind === 'pending') {
        throw new StoreError('PW_ERR_REVOCATION_PENDING', `Cannot confirm the revocation of ${entry.serial}: it is written to ${path} `
          + `(CRL number ${crlNumber}), but the server running on it (pid ${outcome.pid}) still has CRL number ${outcome.crlNumber} `
          + `in force after ${options
            .wait}; expected it to load the change (see its log); it is in force at the server's next start at the latest`);
      }
      io.out(outcome.kind === 'in-force'
        ? `${done}; in force at the running server (pid ${outcome.pid}): its sessions dropped, its handshakes refused\n`
        : `${done}; no server runs on ${path}: in force when one starts\n`);
    });

  pki.command('list').description('List the issued certificates.')
    .option('--due', 'only those due for renewal')
    .action(async (options: { due?: boolean }, command: Command) => {
      await withCa(command, io, (ca) => {
        printList(io, options.due === true ? ca.due() : ca.list());
        return Promise.resolve();
      });
    });

  pki.command('rotate').description('Renew every certificate due for renewal (same key and names, new validity).')
    .option('--dry-run', 'only list what would be renewed')
    .action(async (options: { dryRun?: boolean }, command: Command) => {
      await withCa(command, io, async (ca, store) => {
        const due = ca.due();
        if (due.length === 0) io.out('nothing is due for renewal\n');
        for (const entry of due) {
          if (options.dryRun === true) {
            io.out(`due: ${entry.serial} ${entry.subject} (not after ${day(entry.notAfter)})\n`);
            continue;
          }
          const renewed = await ca.renew(entry.serial);
          io.out(`renewed ${entry.serial} as ${renewed.record.serial}: ${join(store.path, caFiles.certificates, `${renewed.record
            .serial}.pem`)}\n`);
        }
      });
    });

  pki.command('crl').description('Re-sign the CRLs with a new nextUpdate.')
    .action(async (_options: unknown, command: Command) => {
      await withCa(command, io, async (ca, store) => {
        await ca.refreshCrls();
        io.out(`CRLs republished: ${store.file('crl')}\n`);
      });
    });
}
