// The Firmware page (docs/firmware.md, "Campaigns"): every campaign with its devices by state per
// wave, a campaign's failures and rollbacks with their reasons, and the form that starts one. The API
// decides who may do what: starting and resuming is an admin's, pausing and aborting an operator's;
// the page disables what the role cannot use and polls, since a campaign moves without the user.
import { html } from 'htm/preact';
import { useEffect, useState } from 'preact/hooks';
import type { CampaignBody, CampaignDetail, CampaignDto, FirmwareImageDto } from '@phasewire/api';
import { formatTime } from '../lib/format.ts';
import { hasRole } from '../lib/roles.ts';
import { errorText, fieldText, type AppContext } from './context.ts';

// The order a device goes through (core/protocol firmwareStates), the two endings last.
const states = ['pending', 'offered', 'downloading', 'downloaded', 'installing', 'trial', 'committed', 'rolled-back', 'failed'] as const;
const pollMs = 2000;
const meterLink = (id: string) => html`<a href=${`#/meters/${encodeURIComponent(id)}`}>${id}</a>`;
const percent = (share: number) => `${String(Math.round(share * 1000) / 10)} %`;

/** The campaign body the start form describes; waves: the canary share, then a quarter, then everyone. */
export function campaignBody(form: FormData): CampaignBody {
  const canary = Number(fieldText(form, 'canary')) / 100;
  const models = fieldText(form, 'models').split(',').map((m) => m.trim()).filter((m) => m !== '');
  const versions = fieldText(form, 'versions').split(',').map((m) => m.trim()).filter((m) => m !== '');
  const start = fieldText(form, 'window-start');
  const end = fieldText(form, 'window-end');
  const waves = [...new Set([canary, ...(canary < 0.25 ? [0.25] : []), 1])].filter((s) => s > 0 && s <= 1);
  return {
    id: fieldText(form, 'id'), name: fieldText(form, 'name'), target: fieldText(form, 'target'),
    selector: { ...(models.length === 0 ? {} : { models }), ...(versions.length === 0 ? {} : { versions }) },
    waves, failureThreshold: Number(fieldText(form, 'threshold')) / 100,
    window: start === '' || end === '' ? null : { start, end, zone: fieldText(form, 'window-zone') || 'UTC' },
  };
}

function ProgressTable(props: { readonly campaign: CampaignDto }) {
  const c = props.campaign;
  return html`<table class="table" data-testid="campaign-waves">
    <thead><tr><th scope="col">Wave</th><th scope="col">Share</th>
      ${states.map((s) => html`<th scope="col" key=${s}>${s}</th>`)}</tr></thead>
    <tbody>${c.waves.map((w) => html`<tr key=${w.wave}><th scope="row">${w.wave === 1 ? '1 (canary)' : w.wave}</th>
      <td>${percent(w.share)}</td>${states.map((s) => html`<td key=${s} data-state=${s}>${w.states[s] ?? 0}</td>`)}</tr>`)}</tbody>
  </table>`;
}

function CampaignCard(props: {
  readonly ctx: AppContext; readonly detail: CampaignDetail; readonly onChange: (d: CampaignDetail) => void;
}) {
  const { ctx, detail, onChange } = props;
  const c = detail.campaign;
  const role = ctx.session.user.role;
  const [error, setError] = useState<string | undefined>(undefined);
  const act = (action: 'pause' | 'resume' | 'abort') => {
    setError(undefined);
    ctx.api.campaignAction(c.id, action).then((d) => { onChange(d); ctx.announce(`Campaign ${c.id}: ${d.campaign.status}`); },
      (e: unknown) => { setError(errorText(e)); });
  };
  const live = c.status === 'running' || c.status === 'paused';
  return html`<section class="section" aria-labelledby="campaign-title" data-testid="campaign-detail">
    <h2 id="campaign-title">${c.name} <small>(${c.id})</small></h2>
    <p data-testid="campaign-status">Image ${c.target} (version ${c.version}), ${c.devices} meters, wave ${c.wave} of ${c.waves.length},
      status <strong>${c.status}</strong>${c.statusReason === null ? '' : `: ${c.statusReason}`}; stops above
      ${percent(c.failureThreshold)} failures${c.window === null ? '' : `; window ${c.window.start}–${c.window.end} ${c.window.zone}`}.</p>
    <div class="actions">
      <button type="button" disabled=${c.status !== 'running' || !hasRole(role, 'operator')}
        onClick=${() => { act('pause'); }}>Pause</button>
      <button type="button" disabled=${c.status !== 'paused' || !hasRole(role, 'admin')} onClick=${() => { act('resume'); }}>Resume</button>
      <button type="button" disabled=${!live || !hasRole(role, 'operator')} onClick=${() => { act('abort'); }}>Abort</button>
    </div>
    ${error === undefined ? null : html`<p class="error" role="alert">${error}</p>`}
    <${ProgressTable} campaign=${c} />
    <h3>Failures and rollbacks</h3>
    ${detail.failures.length === 0 ? html`<p class="muted">None.</p>` : html`<table class="table" data-testid="campaign-failures">
      <thead><tr><th scope="col">Meter</th><th scope="col">Wave</th><th scope="col">State</th><th scope="col">Reason</th>
        <th scope="col">When</th></tr></thead>
      <tbody>${detail.failures.map((f) => html`<tr key=${f.device}><th scope="row">${meterLink(f.device)}</th><td>${f.wave}</td>
        <td>${f.state}</td><td>${f.reason ?? ''}</td><td>${formatTime(f.updatedAt)}</td></tr>`)}</tbody></table>`}
  </section>`;
}

function StartForm(props: { readonly ctx: AppContext; readonly images: readonly FirmwareImageDto[];
  readonly onStarted: (d: CampaignDetail) => void }) {
  const { ctx, images, onStarted } = props;
  const [error, setError] = useState<string | undefined>(undefined);
  const admin = hasRole(ctx.session.user.role, 'admin');
  const submit = (e: Event) => {
    e.preventDefault();
    setError(undefined);
    ctx.api.startCampaign(campaignBody(new FormData(e.currentTarget as HTMLFormElement))).then((d) => {
      onStarted(d);
      ctx.announce(`Campaign ${d.campaign.id} started`);
    }, (err: unknown) => { setError(errorText(err)); });
  };
  return html`<section class="section" aria-labelledby="start-title">
    <h2 id="start-title">Start a campaign</h2>
    ${admin ? null : html`<p class="muted">Starting a campaign is for an admin.</p>`}
    <form class="filters" data-testid="campaign-form" onSubmit=${submit}>
      <fieldset disabled=${!admin}>
        <label>Image <select name="target" required>${images.map((i) => html`<option key=${i.target} value=${i.target}>
          ${i.target} (${i.model} ${i.hardwareRevision}, version ${i.version})</option>`)}</select></label>
        <label>Id <input name="id" required pattern="[A-Za-z0-9][A-Za-z0-9_\\-]{0,63}" placeholder="metrology-fix" /></label>
        <label>Name <input name="name" required maxlength="200" placeholder="Phase-angle fix" /></label>
        <label>Models <input name="models" placeholder="all (or PW3, PW1)" /></label>
        <label>Running versions <input name="versions" placeholder="any (or 1.0.0)" /></label>
        <label>Canary share % <input name="canary" type="number" min="1" max="100" step="any" value="5" required /></label>
        <label>Failure threshold % <input name="threshold" type="number" min="0" max="100" step="any" value="10" required /></label>
        <label>Window from <input name="window-start" type="time" /></label>
        <label>to <input name="window-end" type="time" /></label>
        <label>zone <input name="window-zone" placeholder="UTC" /></label>
        <button type="submit">Start</button>
      </fieldset>
    </form>
    ${error === undefined ? null : html`<p class="error" role="alert">${error}</p>`}
  </section>`;
}

export function FirmwareView(props: { readonly ctx: AppContext }) {
  const { ctx } = props;
  const [images, setImages] = useState<readonly FirmwareImageDto[] | undefined>(undefined);
  const [campaigns, setCampaigns] = useState<readonly CampaignDto[] | undefined>(undefined);
  const [open, setOpen] = useState<string | undefined>(undefined);
  const [detail, setDetail] = useState<CampaignDetail | undefined>(undefined);
  const [error, setError] = useState<string | undefined>(undefined);
  const fail = (e: unknown) => { setError(errorText(e)); };

  useEffect(() => {
    ctx.feed.subscribe([]);
    ctx.api.firmwareImages().then(setImages, fail);
    const load = () => {
      ctx.api.campaigns().then((list) => { setCampaigns(list); setOpen((o) => o ?? list[0]?.id); }, fail);
    };
    load();
    const timer = setInterval(load, pollMs);
    return () => { clearInterval(timer); };
  }, [ctx]);

  useEffect(() => {
    if (open === undefined) return undefined;
    let gone = false;
    const load = () => { ctx.api.campaign(open).then((d) => { if (!gone) setDetail(d); }, fail); };
    load();
    const timer = setInterval(load, pollMs);
    return () => { gone = true; clearInterval(timer); };
  }, [ctx, open]);

  const started = (d: CampaignDetail) => {
    setCampaigns((list) => [d.campaign, ...(list ?? []).filter((c) => c.id !== d.campaign.id)]);
    setOpen(d.campaign.id);
    setDetail(d);
  };

  return html`
    <main id="main" class="view" aria-labelledby="firmware-title">
      <h1 id="firmware-title">Firmware</h1>
      ${error === undefined ? null : html`<p class="error" role="alert">${error}</p>`}
      <section class="section" aria-labelledby="campaigns-title">
        <h2 id="campaigns-title">Campaigns</h2>
        ${campaigns === undefined ? html`<p aria-busy="true">Loading campaigns…</p>` : campaigns.length === 0
          ? html`<p class="muted">No campaign yet.</p>` : html`<table class="table" data-testid="campaign-list">
          <thead><tr><th scope="col">Campaign</th><th scope="col">Version</th><th scope="col">Status</th><th scope="col">Wave</th>
            <th scope="col">Meters</th><th scope="col">Committed</th><th scope="col">Rolled back</th><th scope="col">Failed</th>
            <th scope="col">Started</th></tr></thead>
          <tbody>${campaigns.map((c) => html`<tr key=${c.id} aria-current=${c.id === open ? 'true' : undefined}>
            <th scope="row"><a href="#/firmware" onClick=${(e: Event) => { e.preventDefault(); setDetail(undefined); setOpen(c.id); }}>
              ${c.name}</a></th><td>${c.version}</td><td>${c.status}</td><td>${c.wave} of ${c.waves.length}</td><td>${c.devices}</td>
            <td>${c.states['committed'] ?? 0}</td><td>${c.states['rolled-back'] ?? 0}</td><td>${c.states['failed'] ?? 0}</td>
            <td>${formatTime(c.createdAt)} by ${c.createdBy}</td></tr>`)}</tbody></table>`}
      </section>
      ${detail === undefined || detail.campaign.id !== open ? null
        : html`<${CampaignCard} key=${open} ctx=${ctx} detail=${detail} onChange=${setDetail} />`}
      ${images === undefined ? null : html`<${StartForm} ctx=${ctx} images=${images} onStarted=${started} />`}
    </main>`;
}
