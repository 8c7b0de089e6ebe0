// The web platform's standard globals that pure code may use, for `tsconfig.pure.json` only (the full
// check takes them from @types/node). They exist in every runtime phasewire's pure code targets (Node,
// browsers, workers), unlike Buffer, process or timers, which only the Node adapters may use. Only
// the members pure code uses are declared: a new use must be added here, on purpose.
// WHATWG Encoding §8, HTML §8.3 (base64), DOM §3.1-3.2 (aborting), WHATWG URL §6.1, W3C WebCrypto §10-14.

interface TextEncoder {
  encode(input?: string): Uint8Array<ArrayBuffer>;
}
declare const TextEncoder: { prototype: TextEncoder; new (): TextEncoder };

interface TextDecoder {
  decode(input?: ArrayBuffer | ArrayBufferView, options?: { stream?: boolean }): string;
}
declare const TextDecoder: {
  prototype: TextDecoder;
  new (label?: string, options?: { fatal?: boolean; ignoreBOM?: boolean }): TextDecoder;
};

declare function atob(data: string): string;
declare function btoa(data: string): string;

interface AbortSignal {
  readonly aborted: boolean;
  readonly reason: unknown;
  throwIfAborted(): void;
}
declare const AbortSignal: { prototype: AbortSignal; abort(reason?: unknown): AbortSignal; timeout(ms: number): AbortSignal };

interface AbortController {
  readonly signal: AbortSignal;
  abort(reason?: unknown): void;
}
declare const AbortController: { prototype: AbortController; new (): AbortController };

interface URL {
  readonly protocol: string;
  readonly hostname: string;
  readonly port: string;
  readonly pathname: string;
  readonly href: string;
  readonly username: string;
  readonly password: string;
  readonly search: string;
  readonly hash: string;
}
declare const URL: { prototype: URL; new (url: string, base?: string | URL): URL };

interface CryptoKey {
  readonly type: string;
  readonly extractable: boolean;
  readonly algorithm: object;
  readonly usages: readonly string[];
}

interface SubtleCrypto {
  digest(algorithm: string | { name: string }, data: ArrayBuffer | ArrayBufferView): Promise<ArrayBuffer>;
  importKey(format: 'spki' | 'raw' | 'pkcs8', keyData: ArrayBuffer | ArrayBufferView, algorithm: object, extractable: boolean,
    keyUsages: readonly string[]): Promise<CryptoKey>;
  sign(algorithm: object, key: CryptoKey, data: ArrayBuffer | ArrayBufferView): Promise<ArrayBuffer>;
  verify(
    algorithm: object, key: CryptoKey, signature: ArrayBuffer | ArrayBufferView, data: ArrayBuffer | ArrayBufferView,
  ): Promise<boolean>;
}

interface Crypto {
  readonly subtle: SubtleCrypto;
}
// `var`, not `const`: pure code reads it as `globalThis.crypto`, and only a var is a property of globalThis.
// eslint-disable-next-line no-var
declare var crypto: Crypto;
