// A command's answer as the head-end hands it to the API: the wire bodies (command and
// command-response) are @phasewire/core/protocol's; this is the head-end's view of an answer, with
// what the device returned besides id, ok, code and reason gathered in `result` (docs/protocol.md).
import type { CommandOp, CommandResponse as WireCommandResponse, FirmwareUpdateArgs } from '@phasewire/core/protocol';

export type CommandKind = CommandOp;

/** What a command carries beside its kind: protection settings, a confirming reconnect, the image to install. */
export interface CommandParams {
  readonly settings?: Readonly<Record<string, unknown>>;
  readonly confirm?: true;
  readonly firmware?: FirmwareUpdateArgs;
}

export interface CommandResponse {
  readonly id: string;
  readonly ok: boolean;
  /** Why it was refused (a stable code from the device, and a sentence). */
  readonly code?: string;
  readonly reason?: string;
  /** The rest of the answer (batch for `read`, relay state, clock offset), as sent. */
  readonly result?: Readonly<Record<string, unknown>>;
}

/** The head-end's view of a decoded command-response body. */
export function answerOf(wire: WireCommandResponse): CommandResponse {
  const { v: _v, id, ok, code, reason, ...result } = wire;
  return {
    id, ok,
    ...(code === undefined ? {} : { code }),
    ...(reason === undefined ? {} : { reason }),
    ...(Object.keys(result).length === 0 ? {} : { result }),
  };
}
