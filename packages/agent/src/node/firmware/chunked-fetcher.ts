// The updater's fetcher for tuf-js: every request goes over HTTPS under the TLS policy to the
// head-end's file server (through whatever is in between: the cellular link emulator in tests),
// and an image comes in chunks by byte range (RFC 9110 §14), each appended to a partial file only
// once it has arrived whole. A download cut by the link resumes at the partial file's length, so
// it fetches again at most the chunk that was in flight. The length tuf-js passes (the image's
// signed length) bounds the download: a server announcing or sending more is cut off (TUF §5.7.3,
// endless data); a partial file that fails tuf-js's hash check is deleted, not resumed.
import { appendFile, mkdir, rm, stat } from 'node:fs/promises';
import { Agent, request } from 'node:https';
import type { IncomingMessage } from 'node:http';
import { basename, join } from 'node:path';
import { Readable } from 'node:stream';
import { setTimeout as delay } from 'node:timers/promises';
import { TransportError } from '@phasewire/core';
import { tlsClientOptions } from '@phasewire/secure/node';
import type { TlsTrust } from '@phasewire/secure/node';
import { BaseFetcher } from 'tuf-js';
// tuf-js tells "no newer root" from a failure by this class (TUF §5.3.3: a 404 on N+1.root.json).
import { DownloadHTTPError } from 'tuf-js/dist/error.js';

export interface ChunkedFetcherOptions {
  /** Where to connect (the file server, or the link emulator in front of it). */
  readonly host: string;
  readonly port: number;
  /** The name the server's certificate must carry. */
  readonly servername: string;
  readonly trust: TlsTrust;
  /** Bytes per range request. */
  readonly chunkBytes: number;
  /** Where partial images wait between attempts. */
  readonly partialDir: string;
  /** Called after each chunk is stored, with its size. */
  readonly onChunk?: (bytes: number) => void;
  /** Called as a chunk's bytes arrive, with the offset of the chunk and the bytes of it so far (tests cut the link here). */
  readonly onProgress?: (chunkStart: number, received: number) => void;
  /** A request that has not answered in this time fails (default 120 s: NB-IoT is slow). */
  readonly timeoutMs?: number;
  /** Tries per request before the failure is reported (default 3). */
  readonly attempts?: number;
  /** The first delay between tries, doubled each time, ms (default 500). */
  readonly retryDelayMs?: number;
}

export class ChunkedFetcher extends BaseFetcher {
  readonly #options: ChunkedFetcherOptions;
  /**
   * One kept-alive connection for the whole update: a handshake per chunk would cost more than
   * the 5 % link budget (PERFORMANCE.md T16). One agent per fetcher, so per trust set.
   */
  readonly #agent = new Agent({ keepAlive: true, maxSockets: 1 });
  /** Image bytes received over the link (whole chunks and cut ones), for the link budget. */
  imageBytesFetched = 0;

  constructor(options: ChunkedFetcherOptions) {
    super();
    this.#options = options;
  }

  /** Closes the kept-alive connection. */
  close(): void {
    this.#agent.destroy();
  }

  /**
   * One request, tried again after a link failure (a reset kept-alive connection, a refused
   * connect) with doubling delays; after `attempts` the failure goes to the caller, whose next
   * update resumes the partial image.
   */
  async #get(url: string, range?: { start: number; end: number }): Promise<IncomingMessage> {
    const attempts = this.#options.attempts ?? 3;
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.#request(url, range);
      } catch (error) {
        if (attempt >= attempts) throw error;
        await delay((this.#options.retryDelayMs ?? 500) * 2 ** (attempt - 1));
      }
    }
  }

  #request(url: string, range?: { start: number; end: number }): Promise<IncomingMessage> {
    const { pathname } = new URL(url);
    const options = this.#options;
    return new Promise((resolve, reject) => {
      const req = request({
        ...tlsClientOptions(undefined, options.trust, { servername: options.servername }), agent: this.#agent,
        host: options.host, port: options.port, path: pathname, method: 'GET', timeout: options.timeoutMs ?? 120_000,
        headers: range === undefined ? {} : { range: `bytes=${range.start}-${range.end}` },
      }, resolve);
      req.on('timeout', () => req.destroy(new TransportError('PW_ERR_FIRMWARE_DOWNLOAD', `Cannot fetch ${pathname}: no answer in time`)));
      req.on('error', reject);
      req.end();
    });
  }

  /** Metadata: one GET; tuf-js bounds its length. */
  async fetch(url: string): Promise<ReadableStream<Uint8Array<ArrayBuffer>>> {
    const response = await this.#get(url);
    if (response.statusCode !== 200) {
      response.resume();
      throw new DownloadHTTPError(`Cannot fetch ${new URL(url).pathname}`, response.statusCode ?? 0);
    }
    return Readable.toWeb(response) as ReadableStream<Uint8Array<ArrayBuffer>>;
  }

  override async downloadFile<T>(url: string, maxLength: number, handler: (file: string) => Promise<T>): Promise<T> {
    if (!new URL(url).pathname.includes('/targets/')) return super.downloadFile(url, maxLength, handler);
    await mkdir(this.#options.partialDir, { recursive: true });
    const partial = join(this.#options.partialDir, basename(new URL(url).pathname));
    let offset = await stat(partial).then((stats) => stats.size, () => 0);
    if (offset > maxLength) {
      await rm(partial);
      offset = 0;
    }
    while (offset < maxLength) {
      const end = Math.min(offset + this.#options.chunkBytes, maxLength) - 1;
      const chunk = await this.#chunk(url, offset, end, maxLength);
      await appendFile(partial, chunk);
      offset += chunk.length;
      this.#options.onChunk?.(chunk.length);
    }
    try {
      return await handler(partial);
    } finally {
      // Verified and copied, or refused by the hash check: either way never resumed again.
      await rm(partial, { force: true });
    }
  }

  async #chunk(url: string, start: number, end: number, maxLength: number): Promise<Buffer> {
    const path = new URL(url).pathname;
    const response = await this.#get(url, { start, end });
    const total = Number(/\/(\d+)$/.exec(response.headers['content-range'] ?? '')?.[1] ?? Number.NaN);
    if (response.statusCode !== 206 || !(total <= maxLength)) {
      response.destroy();
      const found = response.statusCode === 206 ? `a file of ${total} bytes` : `HTTP ${response.statusCode ?? 0}`;
      throw new TransportError('PW_ERR_FIRMWARE_DOWNLOAD', `Cannot fetch bytes ${start}-${end} of ${path}: `
        + `found ${found}; expected HTTP 206 from a file of at most ${maxLength} bytes (its signed length)`);
    }
    const parts: Buffer[] = [];
    let size = 0;
    for await (const part of response as AsyncIterable<Buffer>) {
      size += part.length;
      this.imageBytesFetched += part.length;
      if (size > end - start + 1) {
        response.destroy();
        throw new TransportError('PW_ERR_FIRMWARE_DOWNLOAD', `Cannot fetch bytes ${start}-${end} of ${path}: more bytes than asked for`);
      }
      parts.push(part);
      this.#options.onProgress?.(start, size);
    }
    if (size !== end - start + 1) {
      throw new TransportError('PW_ERR_FIRMWARE_DOWNLOAD', `Cannot fetch bytes ${start}-${end} of ${path}: the answer ended after ${size}`);
    }
    return Buffer.concat(parts);
  }
}
