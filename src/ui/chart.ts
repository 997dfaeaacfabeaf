/**
 * A metric across versions as an inline SVG line chart: versions in SemVer order left to right, the value
 * upwards, each point a link to its version (with a tooltip), production holders drawn in the stage's colour.
 */
import { html, type Html } from './html.js';
import { displayValue } from './values.js';

export interface ChartPoint {
  version: string;
  value: number;
  href: string;
  inProduction: boolean;
}

const WIDTH = 480;
const HEIGHT = 170;
const LEFT = 64;
const RIGHT = 10;
const TOP = 10;
const BOTTOM = 28;
/** Above this many points, the points themselves are not drawn (the line is), to keep pages small. */
const MAX_MARKERS = 250;

/** `points` oldest version first. */
export function metricChart(metric: string, points: ChartPoint[]): Html {
  const values = points.map((p) => p.value);
  const min = Math.min(...values);
  const max = Math.max(...values);
  const span = max - min || Math.abs(max) || 1;
  const low = max === min ? min - span / 2 : min;
  const high = max === min ? max + span / 2 : max;
  const plotW = WIDTH - LEFT - RIGHT;
  const plotH = HEIGHT - TOP - BOTTOM;
  const x = (i: number) => LEFT + (points.length === 1 ? plotW / 2 : (i / (points.length - 1)) * plotW);
  const y = (v: number) => TOP + plotH - ((v - low) / (high - low)) * plotH;
  const line = points.map((p, i) => `${x(i).toFixed(1)},${y(p.value).toFixed(1)}`).join(' ');
  const markers =
    points.length <= MAX_MARKERS
      ? points.map(
          (p, i) =>
            html`<a href="${p.href}"><circle class="pt${p.inProduction ? ' prod' : ''}" cx="${x(i).toFixed(1)}" cy="${y(p.value).toFixed(1)}" r="${p.inProduction ? 4.5 : 3}"><title>v${p.version}: ${metric} = ${displayValue(p.value)}${p.inProduction ? ' (in production)' : ''}</title></circle></a>`,
        )
      : points.filter((p) => p.inProduction).map((p) => html`<a href="${p.href}"><circle class="pt prod" cx="${x(points.indexOf(p)).toFixed(1)}" cy="${y(p.value).toFixed(1)}" r="4.5"><title>v${p.version}: ${metric} = ${displayValue(p.value)} (in production)</title></circle></a>`);
  const first = points[0]!;
  const last = points.at(-1)!;
  return html`<figure class="chart"><figcaption>${metric}</figcaption>
<svg class="chart" viewBox="0 0 ${WIDTH} ${HEIGHT}" role="img" aria-label="${metric} across ${points.length} versions, from ${displayValue(min)} to ${displayValue(max)}">
<line class="axis" x1="${LEFT}" y1="${TOP + plotH}" x2="${WIDTH - RIGHT}" y2="${TOP + plotH}"/><line class="axis" x1="${LEFT}" y1="${TOP}" x2="${LEFT}" y2="${TOP + plotH}"/>
<text x="${LEFT - 4}" y="${y(high) + 4}" text-anchor="end">${displayValue(high)}</text><text x="${LEFT - 4}" y="${y(low)}" text-anchor="end">${displayValue(low)}</text>
<text x="${LEFT}" y="${HEIGHT - 6}">v${first.version}</text>${points.length > 1 ? html`<text x="${WIDTH - RIGHT}" y="${HEIGHT - 6}" text-anchor="end">v${last.version}</text>` : ''}
${points.length > 1 ? html`<polyline class="line" points="${line}"/>` : ''}
${markers}
</svg></figure>`;
}
