// The firmware repository's storage port on a directory: the same tree the HTTPS file server
// serves (metadata/, targets/). Files are written whole through a temporary file and a rename, so
// a client fetching timestamp.json while it is replaced reads the old or the new one, never half.
// Everything here is public by design (TUF metadata and signed images), hence mode 0644.
import { mkdir, readdir, readFile } from 'node:fs/promises';
import { dirname, join, resolve, sep } from 'node:path';
import { StoreError } from '@phasewire/core';
import { writeFileAtomic } from '@phasewire/secure/node';
import type { RepositoryStorage } from '../../firmware/repository-layout.ts';

const publicMode = 0o644;

function isMissing(error: unknown): boolean {
  return (error as NodeJS.ErrnoException).code === 'ENOENT';
}

export function directoryStorage(root: string): RepositoryStorage {
  const base = resolve(root);
  const at = (path: string): string => {
    const full = resolve(base, path);
    if (!full.startsWith(base + sep)) {
      throw new StoreError('PW_ERR_FIRMWARE_REPOSITORY', `Cannot use the repository path ${JSON.stringify(path)}: `
        + `it leads out of ${base}; expected a path inside the repository`);
    }
    return full;
  };
  return {
    async read(path) {
      try {
        return new Uint8Array(await readFile(at(path)));
      } catch (error) {
        if (isMissing(error)) return undefined;
        throw error;
      }
    },
    async write(path, bytes) {
      const full = at(path);
      await mkdir(dirname(full), { recursive: true });
      await writeFileAtomic(full, bytes, publicMode);
    },
    async list(directory) {
      try {
        return await readdir(join(base, directory));
      } catch (error) {
        if (isMissing(error)) return [];
        throw error;
      }
    },
  };
}
