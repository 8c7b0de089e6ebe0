// The operator's actions on one meter: send a command, revoke. Each asks for confirmation first;
// a user below operator sees them disabled with the reason (the server refuses them anyway). A
// command the meter has not answered yet shows as waiting and is followed to its answer
// (lib/command-status.ts).
import { html } from 'htm/preact';
import { useEffect, useState } from 'preact/hooks';
import type { CommandKindDto, CommandResult, MeterDetail } from '@phasewire/api';
import { commandText, commandTone, followCommand } from '../lib/command-status.ts';
import { hasRole } from '../lib/roles.ts';
import { ConfirmDialog } from './confirm-dialog.ts';
import { errorText, fieldText, type AppContext } from './context.ts';

const commands: readonly { readonly kind: CommandKindDto; readonly label: string; readonly danger: boolean }[] = [
  { kind: 'read', label: 'Read now', danger: false },
  { kind: 'clock-sync', label: 'Synchronise clock', danger: false },
  { kind: 'disconnect', label: 'Disconnect supply', danger: true },
  { kind: 'reconnect', label: 'Reconnect supply', danger: false },
];

export function DeviceActions(props: { readonly ctx: AppContext; readonly meter: MeterDetail;
  readonly onMeter: (m: MeterDetail) => void }) {
  const { ctx, meter } = props;
  const [dialog, setDialog] = useState<'command' | 'revoke' | undefined>(undefined);
  const [kind, setKind] = useState<CommandKindDto>('read');
  const [result, setResult] = useState<CommandResult | undefined>(undefined);
  /** Why a pending command is no longer followed (the API refused to say: session ended, no such command). */
  const [unfollowed, setUnfollowed] = useState<string | undefined>(undefined);
  const allowed = hasRole(ctx.session.user.role, 'operator');
  const revoked = meter.state === 'revoked';
  const chosen = commands.find((c) => c.kind === kind) ?? commands[0];
  const following = result?.status === 'pending' ? result : undefined;

  // A pending answer is asked for again until it is final; a new command or leaving the page stops that.
  useEffect(() => {
    if (following === undefined) return undefined;
    let stopped = false;
    setUnfollowed(undefined);
    followCommand(following, {
      get: () => ctx.api.commandResult(meter.id, following.id),
      sleep: (ms) => new Promise((resolve) => { setTimeout(resolve, ms); }),
      stopped: () => stopped,
      onResult: (r) => {
        if (r.status === 'pending') return;
        setResult(r);
        ctx.announce(`${r.kind} on ${meter.id}: ${r.status}`);
      },
    }).catch((error: unknown) => {
      if (stopped) return;
      const text = `Stopped asking for the answer of ${following.kind} (${following.id}): ${errorText(error)}`;
      setUnfollowed(text);
      ctx.announce(text);
    });
    return () => { stopped = true; };
  }, [following?.id, meter.id]);

  return html`
    <section class="card actions" aria-labelledby="actions-title">
      <h2 id="actions-title" class="sr-only">Device actions</h2>
      ${allowed ? null
        : html`<p class="muted" id="role-note">
          Commands and revocation need the operator role; you are signed in as ${ctx.session.user.role}.</p>`}
      <label for="command-kind">Command</label>
      <select id="command-kind" value=${kind} disabled=${!allowed || revoked}
        onChange=${(e: Event) => { setKind((e.currentTarget as HTMLSelectElement).value as CommandKindDto); }}>
        ${commands.map((c) => html`<option key=${c.kind} value=${c.kind}>${c.label}</option>`)}
      </select>
      <button type="button" disabled=${!allowed || revoked} aria-describedby=${allowed ? undefined : 'role-note'}
        onClick=${() => { setDialog('command'); }}>Send command…</button>
      <button type="button" class="danger" disabled=${!allowed || revoked} aria-describedby=${allowed ? undefined : 'role-note'}
        onClick=${() => { setDialog('revoke'); }}>Revoke…</button>
      ${result === undefined ? null : html`<p class=${commandTone(result.status)} role="status" data-testid="command-result"
        data-status=${result.status}>${commandText(result)}</p>`}
      ${unfollowed === undefined ? null : html`<p class="error" data-testid="command-unfollowed">${unfollowed}</p>`}
      ${dialog === 'command' && chosen !== undefined ? html`
        <${ConfirmDialog} title=${`${chosen.label} on ${meter.id}?`} confirmLabel=${chosen.label} danger=${chosen.danger}
          onClose=${() => { setDialog(undefined); }}
          onConfirm=${async () => {
            const r = await ctx.api.command(meter.id, chosen.kind);
            setResult(r);
            ctx.announce(`${chosen.label} on ${meter.id}: ${r.status}`);
          }}>
          <p>The head-end sends the command to the meter and waits for its answer.${chosen.danger ? ' The customer loses supply.' : ''}</p>
        <//>` : null}
      ${dialog === 'revoke' ? html`
        <${ConfirmDialog} title=${`Revoke ${meter.id}?`} confirmLabel="Revoke" danger=${true}
          onClose=${() => { setDialog(undefined); }}
          onConfirm=${async (form: FormData) => {
            const m = await ctx.api.revoke(meter.id, fieldText(form, 'reason').trim());
            props.onMeter(m);
            ctx.announce(`${meter.id} revoked`);
          }}>
          <p>The head-end drops the meter's session at once and refuses it from now on. It must enroll again to come back.</p>
          <label for="revoke-reason">Reason</label>
          <input id="revoke-reason" name="reason" required maxlength="500" autofocus autocomplete="off" />
        <//>` : null}
    </section>`;
}
