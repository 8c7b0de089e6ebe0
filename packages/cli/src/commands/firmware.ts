// `phasewire firmware …`: the TUF firmware repository on the command line (docs/firmware.md). The
// repository is a directory (--dir, ./data/firmware by default) that the head-end's file server
// publishes; its keys live in two PKCS#11 tokens: the offline token with the root keys
// (--offline-token, plugged in only for `init` and `rotate-keys`) and the online token with the
// targets, delegated-role, snapshot and timestamp keys (--online-token).
//
//   init         create the keys and the first metadata (root 1: 2 of 3 root keys)
//   add          publish an image for a model and hardware revision
//   list         the published images and the metadata versions and expiry times
//   renew        re-sign the online metadata past half its lifetime (run it at least hourly)
//   rotate-keys  replace the online, targets or root keys through a new root
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { ValidationError } from '@phasewire/core';
import { FirmwareRepository } from '@phasewire/mdm/firmware';
import { directoryStorage } from '@phasewire/mdm/node';
import type { Keystore } from '@phasewire/secure';
import { Pkcs11Keystore } from '@phasewire/secure/node';
import type { CliIo } from '../io.ts';
import { parseChoice, parseInteger } from '../options.ts';

interface FirmwareOptions {
  dir: string;
  pkcs11Module: string;
  offlineToken?: string;
  onlineToken?: string;
  pkcs11PinEnv: string;
  offlinePinEnv?: string;
}

const systemClock = { now: () => Date.now() };

function openToken(options: FirmwareOptions, io: CliIo, label: string | undefined, flag: string, pinEnv: string): Promise<Keystore> {
  if (label === undefined) {
    throw new ValidationError('PW_ERR_INVALID_OPTION', `Missing ${flag} <label>: expected the PKCS#11 token that holds the firmware keys`);
  }
  return Pkcs11Keystore.open({ module: options.pkcs11Module, token: { label }, pin: { env: pinEnv }, env: io.env });
}

/** Opens both tokens and the repository (or initialises it), runs `body`, and closes the tokens. */
async function withRepository<T>(
  command: Command, io: CliIo, body: (repository: FirmwareRepository) => T | Promise<T>, init = false,
): Promise<T> {
  const options = command.optsWithGlobals<FirmwareOptions>();
  const offline = await openToken(options, io, options.offlineToken, '--offline-token', options.offlinePinEnv ?? options.pkcs11PinEnv);
  try {
    const online = await openToken(options, io, options.onlineToken, '--online-token', options.pkcs11PinEnv);
    try {
      const context = { storage: directoryStorage(resolve(io.cwd, options.dir)), offline, online, clock: systemClock };
      return await body(init ? await FirmwareRepository.init(context) : await FirmwareRepository.open(context));
    } finally {
      await online.close();
    }
  } finally {
    await offline.close();
  }
}

function printTable(io: CliIo, header: readonly string[], rows: readonly (readonly string[])[]): void {
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => row[column]?.length ?? 0)));
  for (const row of [header, ...rows]) io.out(`${row.map((cell, column) => cell.padEnd(widths[column] ?? 0)).join('  ').trimEnd()}\n`);
}

function printVersions(io: CliIo, repository: FirmwareRepository): void {
  const { root, targets, snapshot, timestamp } = repository.state;
  const roles = [['root', root], ['targets', targets], ['snapshot', snapshot], ['timestamp', timestamp]] as const;
  io.out(`${roles.map(([name, metadata]) => `${name} ${metadata.signed.version} (expires ${metadata.signed.expires})`).join(', ')}\n`);
}

export function registerFirmware(program: Command, io: CliIo): void {
  const firmware = program.command('firmware').description('The signed firmware repository (TUF 1.0): images, metadata, keys.')
    .option('--dir <repository-dir>', 'repository directory (what the head-end serves)', './data/firmware')
    .option('--pkcs11-module <path>', 'PKCS#11 library', '/usr/lib/softhsm/libsofthsm2.so')
    .option('--offline-token <label>', 'PKCS#11 token holding the root keys')
    .option('--online-token <label>', 'PKCS#11 token holding the targets, delegated, snapshot and timestamp keys')
    .option('--pkcs11-pin-env <var>', 'environment variable holding the user PIN', 'PHASEWIRE_PKCS11_PIN')
    .option('--offline-pin-env <var>', 'environment variable holding the offline token\'s PIN (default: --pkcs11-pin-env)');

  firmware.command('init').description('Create the repository keys and its first metadata in an empty directory.')
    .action(async (_options: unknown, command: Command) => {
      await withRepository(command, io, (repository) => {
        io.out(`created the firmware repository: ${repository.state.root.signed.roles.root.threshold} of `
          + `${repository.state.root.signed.roles.root.keyids.length} root keys\n`);
        printVersions(io, repository);
      }, true);
    });

  firmware.command('add').description('Publish a firmware image for a meter model and hardware revision.')
    .requiredOption('--model <model>', 'meter model')
    .option('--hardware-revision <revision>', 'hardware revision of the model', 'r1')
    .requiredOption('--version <version>', 'firmware version, such as 1.4.0')
    .option('--security-version <n>', 'anti-rollback counter (default: the highest published for the model)')
    .requiredOption('--file <image>', 'the image file')
    .action(async (options: { model: string; hardwareRevision: string; version: string; securityVersion?: string; file: string },
      command: Command) => {
      const bytes = new Uint8Array(await readFile(resolve(io.cwd, options.file)));
      await withRepository(command, io, async (repository) => {
        const image = await repository.add({
          model: options.model, hardwareRevision: options.hardwareRevision, version: options.version, bytes,
          ...(options.securityVersion === undefined ? {} : { securityVersion: parseInteger('--security-version', options.securityVersion,
            0, 2 ** 31 - 1) }),
        });
        io.out(`added ${image.targetPath} (${image.length} bytes, sha256 ${image.sha256}, security version ${image.securityVersion})\n`);
        printVersions(io, repository);
      });
    });

  firmware.command('list').description('List the published images and the metadata versions.')
    .action(async (_options: unknown, command: Command) => {
      await withRepository(command, io, (repository) => {
        printTable(io, ['MODEL', 'HW', 'VERSION', 'SECURITY', 'BYTES', 'SHA-256'], repository.list().map((image) => [image.model,
          image.hardwareRevision, image.version, String(image.securityVersion), String(image.length), image.sha256.slice(0, 16)]));
        printVersions(io, repository);
      });
    });

  firmware.command('renew').description('Re-sign the online metadata that is past half its lifetime.')
    .action(async (_options: unknown, command: Command) => {
      await withRepository(command, io, async (repository) => {
        const renewed = await repository.renew();
        io.out(renewed.length === 0 ? 'nothing to renew\n' : `renewed ${renewed.join(', ')}\n`);
      });
    });

  firmware.command('rotate-keys').description('Replace the keys of a role through a new root (TUF §6.1).')
    .option('--role <role>', 'online (snapshot and timestamp), targets or root', 'online')
    .action(async (options: { role: string }, command: Command) => {
      const role = parseChoice('--role', options.role, ['online', 'targets', 'root'] as const);
      await withRepository(command, io, async (repository) => {
        await repository.rotate(role);
        io.out(`rotated the ${role} keys: root is now version ${repository.state.root.signed.version}\n`);
        printVersions(io, repository);
      });
    });
}
