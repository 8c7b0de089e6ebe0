// All alarms of the tenant, active first by default, updated live.
import { html } from 'htm/preact';
import { useEffect, useState } from 'preact/hooks';
import type { AlarmDto } from '@phasewire/api';
import { AlarmList, mergeAlarm } from './alarm-list.ts';
import { errorText, type AppContext } from './context.ts';

export function AlarmsView(props: { readonly ctx: AppContext }) {
  const { ctx } = props;
  const [state, setState] = useState<'active' | 'all'>('active');
  const [severity, setSeverity] = useState<'' | AlarmDto['severity']>('');
  const [alarms, setAlarms] = useState<readonly AlarmDto[] | undefined>(undefined);
  const [error, setError] = useState<string | undefined>(undefined);

  useEffect(() => {
    setAlarms(undefined);
    ctx.feed.subscribe([]);
    ctx.api.alarms({ state, severity: severity === '' ? undefined : severity, limit: 500 })
      .then((page) => { setAlarms(page.items); }, (e: unknown) => { setError(errorText(e)); });
    return ctx.bus.on((message) => {
      if (message.type === 'alarm') setAlarms((list) => (list === undefined ? list : mergeAlarm(list, message.alarm)));
    });
  }, [ctx, state, severity]);

  return html`
    <main id="main" class="view" aria-labelledby="alarms-view-title">
      <h1 id="alarms-view-title">Alarms</h1>
      <form class="filters" aria-label="Filter alarms" onSubmit=${(e: Event) => { e.preventDefault(); }}>
        <label>Show
          <select value=${state} onChange=${(e: Event) => { setState((e.currentTarget as HTMLSelectElement).value as 'active' | 'all'); }}>
            <option value="active">active</option><option value="all">all</option>
          </select></label>
        <label>Severity
          <select value=${severity}
            onChange=${(e: Event) => { setSeverity((e.currentTarget as HTMLSelectElement).value as '' | AlarmDto['severity']); }}>
            <option value="">any</option><option value="critical">critical</option><option value="warn">warn</option>
          </select></label>
      </form>
      ${error === undefined ? null : html`<p class="error" role="alert">${error}</p>`}
      ${alarms === undefined ? html`<p aria-busy="true">Loading alarms…</p>`
        : html`<${AlarmList} ctx=${ctx} alarms=${alarms} showMeter=${true}
          onChanged=${(a: AlarmDto) => { setAlarms((list) => mergeAlarm(list ?? [], a)); }} />`}
    </main>`;
}
