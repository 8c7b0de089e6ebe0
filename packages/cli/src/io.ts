// What a command may touch of the process it runs in, passed in so that commands are tested by
// calling them, not by spawning processes.

export interface CliIo {
  /** Writes to standard output; `text` carries its own line ends. */
  readonly out: (text: string) => void;
  /** Writes to standard error. */
  readonly err: (text: string) => void;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly cwd: string;
  /** True when standard output is a terminal: live views redraw in place instead of appending. */
  readonly interactive?: boolean;
  /** True when standard error is a terminal: the server's log is written as human lines there, else as JSON. */
  readonly errInteractive?: boolean;
  /** Resolves when the user interrupts (Ctrl-C); long-running commands stop cleanly on it. */
  readonly interrupted?: Promise<void>;
  /** Reads all of standard input (`--token-file -`); absent where there is none. */
  readonly readStdin?: () => Promise<string>;
}

/** An io that collects what a command writes: for tests. */
export function bufferIo(env: Readonly<Record<string, string | undefined>> = {}, cwd = '.', interrupted?: Promise<void>): CliIo & {
  stdout(): string; stderr(): string } {
  let out = '';
  let err = '';
  return {
    out: (text) => { out += text; },
    err: (text) => { err += text; },
    env,
    cwd,
    ...(interrupted === undefined ? {} : { interrupted }),
    stdout: () => out,
    stderr: () => err,
  };
}
