// A table of alarms with an Acknowledge action (operator and up), used by the alarms view and the
// meter view. Acknowledging asks for a note (1–500 characters, audited by the server).
import { html } from 'htm/preact';
import { useState } from 'preact/hooks';
import type { AlarmDto } from '@phasewire/api';
import { formatTime } from '../lib/format.ts';
import { formatRoute } from '../lib/route.ts';
import { hasRole } from '../lib/roles.ts';
import { ConfirmDialog } from './confirm-dialog.ts';
import { fieldText, type AppContext } from './context.ts';

// The alarm types of the MDM's alarm rules (packages/mdm, src/alarms/alarm-rules.ts).
const typeName: Readonly<Record<string, string>> = {
  'voltage-unbalance': 'Voltage unbalance',
  'current-unbalance': 'Current unbalance',
  'phase-loss': 'Phase loss',
  'over-voltage': 'Over-voltage',
  'under-voltage': 'Under-voltage',
  'low-power-factor': 'Low power factor',
  'neutral-overcurrent': 'Neutral over-current',
  'meter-silent': 'Meter silent',
  'vee-failure': 'Validation failures',
};

/** An alarm's value and peak in the unit the API names: `2.65 % (peak 2.90 %)`, `0.85`, `5 intervals`. */
export function alarmValueText(alarm: Pick<AlarmDto, 'value' | 'peak' | 'unit'>): string {
  if (alarm.value === null) return '—';
  const show = (v: number | null): string => {
    if (v === null) return '—';
    if (alarm.unit === '%') return `${v.toFixed(2)} %`;
    if (alarm.unit === 'intervals') return `${v} interval${v === 1 ? '' : 's'}`;
    return v.toFixed(2);
  };
  return `${show(alarm.value)} (peak ${show(alarm.peak)})`;
}

export function AlarmList(props: {
  readonly ctx: AppContext;
  readonly alarms: readonly AlarmDto[];
  readonly showMeter: boolean;
  readonly highlight?: string | undefined;
  readonly onChanged: (alarm: AlarmDto) => void;
}) {
  const { ctx } = props;
  const [acking, setAcking] = useState<AlarmDto | undefined>(undefined);
  const canAck = hasRole(ctx.session.user.role, 'operator');
  if (props.alarms.length === 0) return html`<p class="empty">No alarms.</p>`;
  return html`
    <div class="table-wrap">
      <table class="alarms">
        <thead><tr>
          ${props.showMeter ? html`<th scope="col">Meter</th>` : null}
          <th scope="col">Alarm</th><th scope="col">Severity</th><th scope="col">State</th><th scope="col">Raised</th>
          <th scope="col">Value</th><th scope="col">Acknowledgement</th><th scope="col"><span class="sr-only">Action</span></th>
        </tr></thead>
        <tbody>${props.alarms.map((a) => html`
          <tr key=${a.id} data-alarm=${a.id} class=${a.id === props.highlight ? 'highlight' : ''}>
            ${props.showMeter ? html`<td><a href=${formatRoute({ view: 'meter', id: a.meter, alarm: a.id })}>${a.meter}</a></td>` : null}
            <td>${typeName[a.type] ?? a.type}</td>
            <td><span class=${`badge sev-${a.severity}`}>${a.severity}</span></td>
            <td class="alarm-state">${a.state}</td>
            <td>${formatTime(a.raisedAt)}</td>
            <td>${alarmValueText(a)}</td>
            <td>${a.acknowledgement === null ? '—' : html`${a.acknowledgement.actor}: “${a.acknowledgement.note}”`}</td>
            <td>${a.state === 'raised' || a.state === 'escalated'
              ? html`<button type="button" disabled=${!canAck} title=${canAck ? undefined : 'Needs the operator role'}
                  aria-label=${`Acknowledge ${typeName[a.type] ?? a.type} on ${a.meter}`}
                    onClick=${() => { setAcking(a); }}>Acknowledge</button>`
              : null}</td>
          </tr>`)}
        </tbody>
      </table>
      ${acking === undefined ? null : html`
        <${ConfirmDialog} title=${`Acknowledge ${typeName[acking.type] ?? acking.type} on ${acking.meter}`} confirmLabel="Acknowledge"
          onClose=${() => { setAcking(undefined); }}
          onConfirm=${async (form: FormData) => {
            const updated = await ctx.api.acknowledge(acking.id, fieldText(form, 'note').trim());
            props.onChanged(updated);
            ctx.announce(`Alarm on ${updated.meter} acknowledged`);
          }}>
          <label for="ack-note">Note (what was done or checked)</label>
          <input id="ack-note" name="note" required minlength="1" maxlength="500" autofocus autocomplete="off" />
        <//>`}
    </div>`;
}

/** Puts a changed alarm into a list: replaces it by id, or adds it at the top. */
export function mergeAlarm(list: readonly AlarmDto[], alarm: AlarmDto): AlarmDto[] {
  const at = list.findIndex((a) => a.id === alarm.id);
  if (at === -1) return [alarm, ...list];
  const copy = [...list];
  copy[at] = alarm;
  return copy;
}
