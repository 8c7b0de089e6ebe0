// A uPlot time chart (about 50 kB minified, no chart monolith) sized to its container, with
// optional shaded bands for estimated and edited intervals drawn under the lines.
import { html } from 'htm/preact';
import { useEffect, useRef } from 'preact/hooks';
import uPlot from 'uplot';
import type { QualityBand } from '../lib/quality-marks.ts';

export interface ChartSeries {
  readonly label: string;
  readonly color: string;
  readonly unit: string;
}

export interface ChartProps {
  readonly title: string;
  readonly series: readonly ChartSeries[];
  /** x (epoch seconds) then one array per series. */
  readonly data: readonly (readonly (number | null)[])[];
  readonly bands?: readonly QualityBand[];
  readonly bars?: boolean;
  readonly height?: number;
  /** Called after the chart has drawn its data (the T14 year-chart measure hangs on this). */
  readonly onDrawn?: () => void;
}

const bandColour: Readonly<Record<QualityBand['quality'], string>> = {
  estimated: 'rgba(217, 119, 6, 0.18)',
  edited: 'rgba(37, 99, 235, 0.16)',
  failed: 'rgba(220, 38, 38, 0.18)',
  missing: 'rgba(107, 114, 128, 0.18)',
};

export function Chart(props: ChartProps) {
  const box = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);
  const bands = useRef<readonly QualityBand[]>(props.bands ?? []);
  const drawn = useRef(props.onDrawn);
  bands.current = props.bands ?? [];
  drawn.current = props.onDrawn;

  useEffect(() => {
    const el = box.current;
    if (el === null) return undefined;
    const opts: uPlot.Options = {
      width: Math.max(200, el.clientWidth),
      height: props.height ?? 220,
      legend: { live: true },
      cursor: { drag: { x: true, y: false } },
      scales: { x: { time: true } },
      // The rest of the dashboard speaks UTC (a fleet spans time zones): so do the axes.
      tzDate: (ts) => uPlot.tzDate(new Date(ts * 1e3), 'Etc/UTC'),
      series: [
        {},
        ...props.series.map((s): uPlot.Series => {
          const line: uPlot.Series =
            { label: s.unit === '' ? s.label : `${s.label} (${s.unit})`, stroke: s.color, width: 1.5, spanGaps: false };
          const bars = props.bars === true ? uPlot.paths.bars?.({ size: [0.7, 40] }) : undefined;
          return bars === undefined ? line : { ...line, fill: s.color, paths: bars, points: { show: false } };
        }),
      ],
      axes: [{}, { size: 56 }],
      hooks: {
        drawClear: [(u) => {
          const { ctx } = u;
          ctx.save();
          for (const band of bands.current) {
            const left = u.valToPos(band.from, 'x', true);
            const right = u.valToPos(band.to, 'x', true);
            ctx.fillStyle = bandColour[band.quality];
            ctx.fillRect(left, u.bbox.top, Math.max(1, right - left), u.bbox.height);
          }
          ctx.restore();
        }],
        draw: [() => { drawn.current?.(); }],
      },
    };
    const chart = new uPlot(opts, props.data as uPlot.AlignedData, el);
    plot.current = chart;
    const observer = new ResizeObserver(() => {
      chart.setSize({ width: Math.max(200, el.clientWidth), height: props.height ?? 220 });
    });
    observer.observe(el);
    return () => {
      observer.disconnect();
      chart.destroy();
      plot.current = null;
    };
    // The series layout is fixed per chart; data changes go through setData below.
  }, [props.series.length, props.bars]);

  useEffect(() => {
    plot.current?.setData(props.data as uPlot.AlignedData);
  }, [props.data, props.bands]);

  // How many x positions have a value in some series: what a reader (and a browser test) can count.
  const [xs = [], ...ys] = props.data;
  const points = xs.filter((_x, k) => ys.some((column) => column[k] !== null && column[k] !== undefined)).length;
  return html`
    <figure class="chart card" data-points=${points}>
      <figcaption>${props.title}</figcaption>
      <div ref=${box} class="chart-box" role="img" aria-label=${`${props.title}: ${props.series.map((s) => s.label).join(', ')}`}></div>
    </figure>`;
}
