// The server's log goes to stderr. When that sink breaks (the reader of a pipe gone: EPIPE; the disk
// of a redirected file full: ENOSPC), Node emits 'error' on process.stderr, and an unhandled one
// ended the whole process: the server died because its log could not be written. The lines written
// after that are dropped; the server keeps serving (its metrics and /readyz still tell its state).
export function keepRunningWhenLogBreaks(stream: NodeJS.WritableStream): void {
  stream.on('error', () => undefined);
}
