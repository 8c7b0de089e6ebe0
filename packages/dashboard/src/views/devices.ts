// Device management: issue an enrollment token for a new meter, and find a meter to revoke or
// command. The token is shown once; the server keeps only its hash.
import { html } from 'htm/preact';
import { useState } from 'preact/hooks';
import type { EnrollmentToken, MeterDetail } from '@phasewire/api';
import { formatTime } from '../lib/format.ts';
import { hasRole } from '../lib/roles.ts';
import { ConfirmDialog } from './confirm-dialog.ts';
import { errorText, fieldText, type AppContext } from './context.ts';
import { DeviceActions } from './device-actions.ts';

export function DevicesView(props: { readonly ctx: AppContext }) {
  const { ctx } = props;
  const allowed = hasRole(ctx.session.user.role, 'operator');
  const [pending, setPending] = useState<{ serial: string; hours: number } | undefined>(undefined);
  const [token, setToken] = useState<EnrollmentToken | undefined>(undefined);
  const [meter, setMeter] = useState<MeterDetail | undefined>(undefined);
  const [findError, setFindError] = useState<string | undefined>(undefined);

  return html`
    <main id="main" class="view devices" aria-labelledby="devices-title">
      <h1 id="devices-title">Devices</h1>
      ${allowed ? null
        : html`<p class="muted">
          Enrollment, commands and revocation need the operator role; you are signed in as ${ctx.session.user.role}.</p>`}
      <section class="card" aria-labelledby="enroll-title">
        <h2 id="enroll-title">Enroll a meter</h2>
        <form class="inline-form" onSubmit=${(e: SubmitEvent) => {
          e.preventDefault();
          const data = new FormData(e.currentTarget as HTMLFormElement);
          setToken(undefined);
          setPending({ serial: fieldText(data, 'serial').trim(), hours: Number(fieldText(data, 'hours') || '24') });
        }}>
          <label for="enroll-serial">Meter id (serial)</label>
          <input id="enroll-serial" name="serial" required pattern="[a-z0-9][a-z0-9\\-]{2,63}" disabled=${!allowed} autocomplete="off" />
          <label for="enroll-hours">Valid for (hours)</label>
          <input id="enroll-hours" name="hours" type="number" min="1" max="720" value="24" required disabled=${!allowed} />
          <button type="submit" class="primary" disabled=${!allowed}>Create token…</button>
        </form>
        ${token === undefined ? null : html`
          <div class="token" role="status">
            <p>Enrollment token for <strong>${token.serial}</strong>, valid until ${formatTime(token.expiresAt)}. It is shown only now:</p>
            <code data-testid="enrollment-token">${token.token}</code>
          </div>`}
      </section>
      <section class="card" aria-labelledby="find-title">
        <h2 id="find-title">Revoke or command a meter</h2>
        <form class="inline-form" onSubmit=${(e: SubmitEvent) => {
          e.preventDefault();
          const id = fieldText(new FormData(e.currentTarget as HTMLFormElement), 'meter').trim();
          setMeter(undefined);
          setFindError(undefined);
          ctx.api.meter(id).then(setMeter, (err: unknown) => { setFindError(errorText(err)); });
        }}>
          <label for="find-meter">Meter id</label>
          <input id="find-meter" name="meter" required autocomplete="off" />
          <button type="submit">Find</button>
        </form>
        ${findError === undefined ? null : html`<p class="error" role="alert">${findError}</p>`}
        ${meter === undefined ? null : html`
          <p>${meter.id}: <span data-testid="device-state">${meter.state}</span>, ${meter.online ? 'online' : 'offline'}</p>
          <${DeviceActions} ctx=${ctx} meter=${meter} onMeter=${setMeter} />`}
      </section>
      ${pending === undefined ? null : html`
        <${ConfirmDialog} title=${`Create an enrollment token for ${pending.serial}?`} confirmLabel="Create token"
          onClose=${() => { setPending(undefined); }}
          onConfirm=${async () => {
            const t = await ctx.api.enrollmentToken(pending.serial, pending.hours);
            setToken(t);
            ctx.announce(`Enrollment token created for ${t.serial}`);
          }}>
          <p>
            Anyone holding the token can enroll a device as ${pending.serial} within ${pending.hours} hours.${' '}
            Hand it over on a trusted channel.
          </p>
        <//>`}
    </main>`;
}
