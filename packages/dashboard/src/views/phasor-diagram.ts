// The live phasor diagram: three voltage and three current arrows from the meter's latest values.
import { html } from 'htm/preact';
import { arrowsOf, phasorsOf } from '../lib/phasor.ts';
import { formatValue } from '../lib/format.ts';

const size = 240;
// Room for the labels beyond the arrow heads.
const pad = 18;
const colour = { L1: '#b45309', L2: '#111827', L3: '#6b7280' } as const;

export function PhasorDiagram(props: { readonly values: Readonly<Record<string, number>> }) {
  const phasors = phasorsOf(props.values);
  const arrows = arrowsOf(phasors, size);
  const c = size / 2;
  const description = phasors.map((p) => `${p.kind === 'voltage' ? 'U' : 'I'} ${p.phase} `
    + `${formatValue(p.magnitude, p.kind === 'voltage' ? 'V' : 'A')} at ${formatValue(p.angle, 'deg')}`).join('; ');
  return html`
    <figure class="card phasor">
      <figcaption>Phasors (live)</figcaption>
      <svg viewBox=${`${-pad} ${-pad} ${size + 2 * pad} ${size + 2 * pad}`} width=${size + 2 * pad} height=${size + 2 * pad} role="img"
        aria-label=${`Phasor diagram: ${description || 'no values'}`}>
        <defs>
          ${(['L1', 'L2', 'L3'] as const).map((p) => html`
            <marker id=${`head-${p}`} viewBox="0 0 10 10" refX="9" refY="5" markerWidth="6" markerHeight="6" orient="auto-start-reverse">
              <path d="M0,0 L10,5 L0,10 z" fill=${colour[p]} />
            </marker>`)}
        </defs>
        <circle cx=${c} cy=${c} r=${c * 0.9} class="ring" />
        <circle cx=${c} cy=${c} r=${c * 0.6} class="ring" />
        <line x1=${c * 0.1} y1=${c} x2=${size - c * 0.1} y2=${c} class="axis" />
        <line x1=${c} y1=${c * 0.1} x2=${c} y2=${size - c * 0.1} class="axis" />
        ${arrows.map((a) => html`
          <line key=${`${a.kind}-${a.phase}`} x1=${c} y1=${c} x2=${a.x} y2=${a.y} stroke=${colour[a.phase]}
            stroke-width=${a.kind === 'voltage' ? 2.5 : 2} stroke-dasharray=${a.kind === 'current' ? '5 3' : undefined}
            marker-end=${`url(#head-${a.phase})`} data-phasor=${`${a.kind}-${a.phase}`} />
          <text x=${a.x + (a.x >= c ? 4 : -4)} y=${a.y + (a.y >= c ? 12 : -4)} text-anchor=${a.x >= c ? 'start' : 'end'}
            class="phasor-label" fill=${colour[a.phase]}>
            ${a.kind === 'voltage' ? 'U' : 'I'}${a.phase.slice(1)}</text>`)}
      </svg>
      <p class="legend-note">Solid: voltage. Dashed: current. Angles from the meter, L1 voltage at 0°.</p>
    </figure>`;
}
