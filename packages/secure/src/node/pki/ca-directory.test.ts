import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { hasCode } from '@phasewire/core';
import { CaDirectory, caFiles } from './ca-directory.ts';

let scratch: string;
before(async () => { scratch = await mkdtemp(join(tmpdir(), 'phasewire-ca-directory-')); });
after(async () => { await rm(scratch, { recursive: true, force: true }); });

describe('the CA directory', () => {
  it('lets one process at a time open it', async () => {
    const path = join(scratch, 'locked');
    const first = await CaDirectory.open(path);
    await assert.rejects(CaDirectory.open(path), (error) => hasCode(error, 'PW_ERR_CA_STATE') && /has it open/.test((error as Error).message));
    await first.close();
    await (await CaDirectory.open(path)).close();
  });

  it('takes over the lock of a process that no longer runs', async () => {
    const path = join(scratch, 'stale');
    await (await CaDirectory.open(path)).close();
    // pid 2^22 + 1 is above Linux's default pid_max: no process has it.
    await writeFile(join(path, caFiles.lock), `${2 ** 22 + 1}\n`);
    const directory = await CaDirectory.open(path);
    assert.equal((await readFile(join(path, caFiles.lock), 'utf8')).trim(), String(process.pid));
    await directory.close();
  });

  it('has no state until a CA is made, and refuses a damaged state file', async () => {
    const path = join(scratch, 'damaged');
    const directory = await CaDirectory.open(path);
    try {
      assert.equal(await directory.readState(), undefined);
      await writeFile(join(path, caFiles.state), '{"format":1,');
      await assert.rejects(directory.readState(), (error) => hasCode(error, 'PW_ERR_CA_STATE'));
    } finally {
      await directory.close();
    }
  });
});
