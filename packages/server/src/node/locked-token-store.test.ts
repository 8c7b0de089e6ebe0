import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after } from 'node:test';
import { tokenStoreConformance } from '@phasewire/secure/testing';
import { LockedTokenStore } from './locked-token-store.ts';

const dir = mkdtempSync(join(tmpdir(), 'pw-tokens-'));
after(() => { rmSync(dir, { recursive: true, force: true }); });

// The local store: pki/tokens.json under the CA directory's lock, shared by the server and the command line.
tokenStoreConformance('file under the CA lock', {
  open: (name) => {
    mkdirSync(join(dir, name), { recursive: true });
    return Promise.resolve(new LockedTokenStore(join(dir, name)));
  },
});
