// A firmware file server in a process of its own, so that the campaign benchmark measures the
// server's CPU apart from the load generator: `phasewire` (the head-end's createFirmwareFileServer
// over the repository directory) or `plain` (the peer: Node's HTTPS server under the same TLS
// policy answering each GET with the whole file from memory, no ranges, no path checks). Arguments:
// kind, repository directory, identity file (JSON: TlsIdentity and the CA anchors). It prints its
// port, and answers a `cpu` message with its CPU time in µs.
import { readdir, readFile } from 'node:fs/promises';
import { createServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { createFirmwareFileServer } from '@phasewire/headend/node';
import { tlsServerOptions } from '@phasewire/secure/node';
import type { TlsIdentity } from '@phasewire/secure/node';

const [kind, directory = '', identityFile = ''] = process.argv.slice(2);
const { identity, anchors } = JSON.parse(await readFile(identityFile, 'utf8')) as { identity: TlsIdentity; anchors: string };
const trust = { anchors };
let port: number;
if (kind === 'phasewire') {
  port = await createFirmwareFileServer({ directory, identity, trust }).listen(0, '127.0.0.1');
} else {
  const files = new Map<string, Buffer>();
  const walk = async (folder: string, prefix: string): Promise<void> => {
    for (const entry of await readdir(folder, { withFileTypes: true })) {
      if (entry.isDirectory()) await walk(join(folder, entry.name), `${prefix}/${entry.name}`);
      else files.set(`${prefix}/${entry.name}`, await readFile(join(folder, entry.name)));
    }
  };
  await walk(directory, '');
  const server = createServer({ ...tlsServerOptions(identity, trust, { clientAuth: 'none' }), keepAlive: true }, (request, response) => {
    const body = files.get(request.url ?? '');
    if (body === undefined) {
      response.writeHead(404).end();
      return;
    }
    response.writeHead(200, { 'content-length': body.length }).end(body);
  });
  await new Promise<void>((resolve) => { server.listen(0, '127.0.0.1', resolve); });
  port = (server.address() as AddressInfo).port;
}
process.on('message', (message) => {
  if (message !== 'cpu') return;
  const { user, system } = process.cpuUsage();
  process.send?.({ cpuMicros: user + system });
});
process.send?.({ port });
