/**
 * The few chart parts the HTML report draws, as static SVG text: scales,
 * ticks, axes, and escaping. The report needs five plain kinds of chart that
 * must render the same from disk, offline, in any browser and in print;
 * writing them as SVG here costs about as much code as configuring a chart
 * library, adds no dependency, and the charts are testable as text.
 */
import { printable } from '../common/text.js';

/** Text for SVG or HTML: escaped markup, and control characters shown (they came from a file). */
export function esc(text: string): string {
  return printable(text).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** `text` cut to `max` characters (an ellipsis marks the cut): labels from a file can be kilobytes long, and a chart shows a line of each. */
export function clip(text: string, max: number): string {
  if (text.length <= max) return text;
  const chars = [...text];
  return chars.length <= max ? text : `${chars.slice(0, max - 1).join('')}…`;
}

/** A number as a tick label: 3 significant digits and a k/M/G step. */
export function short(v: number): string {
  const a = Math.abs(v);
  const [d, u] = a >= 1e9 ? [1e9, 'G'] : a >= 1e6 ? [1e6, 'M'] : a >= 1e3 ? [1e3, 'k'] : [1, ''];
  return `${Number((v / d).toPrecision(3))}${u}`;
}

export interface Scale {
  (v: number): number;
  ticks: number[];
}

/** A linear scale from [lo, hi] to [a, b], with about five round ticks. */
export function linear(lo: number, hi: number, a: number, b: number): Scale {
  const span = hi - lo || 1;
  const step = 10 ** Math.floor(Math.log10(span / 5));
  const mult = [1, 2, 5, 10].find((m) => span / (m * step) <= 6) ?? 10;
  const s = step * mult;
  const ticks: number[] = [];
  for (let t = Math.ceil(lo / s) * s; t <= hi + s * 1e-9; t += s) ticks.push(Number(t.toPrecision(12)));
  const f = ((v: number) => a + ((v - lo) / span) * (b - a)) as Scale;
  f.ticks = ticks;
  return f;
}

/** A log scale from [lo, hi] (both > 0) to [a, b]; ticks at 1, 2, 5 of each decade, thinned to about eight. */
export function log(lo: number, hi: number, a: number, b: number): Scale {
  const l0 = Math.log10(lo);
  const l1 = Math.log10(hi);
  const span = l1 - l0 || 1;
  const f = ((v: number) => a + ((Math.log10(v) - l0) / span) * (b - a)) as Scale;
  const all: number[] = [];
  for (let e = Math.floor(l0); e <= Math.ceil(l1); e++) for (const m of [1, 2, 5]) all.push(m * 10 ** e);
  const inside = all.filter((t) => t >= lo * 0.999 && t <= hi * 1.001);
  const every = Math.max(1, Math.ceil(inside.length / 8));
  f.ticks = inside.filter((_, i) => i % every === 0);
  return f;
}

/**
 * A log scale for ratios around 1, symmetric in log: wide enough for every
 * ratio and for the band shown around 1, but not for the widest interval (an
 * interval from a few noisy rounds would squeeze every other row into the
 * middle); intervals beyond it are drawn to the edge. Ticks at least 44 px apart.
 */
export function ratioScale(ratios: readonly number[], band: number, a: number, b: number): Scale {
  const logs = ratios.filter((v) => v > 0 && Number.isFinite(v)).map((v) => Math.abs(Math.log(v)));
  const far = Math.max(2.5 * band, 1.3 * Math.max(0, ...logs), Math.log(1.02));
  const s = log(Math.exp(-far), Math.exp(far), a, b);
  const candidates = [0.1, 0.2, 0.33, 0.5, 0.67, 0.8, 0.9, 0.95, 0.98, 1, 1.02, 1.05, 1.1, 1.25, 1.5, 2, 3, 5, 10];
  const ticks: number[] = [];
  for (const t of candidates.filter((c) => Math.abs(Math.log(c)) <= far)) {
    if (t === 1 || ticks.every((u) => Math.abs(s(u) - s(t)) >= 44)) ticks.push(t);
  }
  s.ticks = ticks.filter((t) => t === 1 || Math.abs(s(t) - s(1)) >= 44).sort((x, y) => x - y);
  return s;
}

/** The modes' colours: distinct in light and dark mode and in grey print (CSS variables of the report). */
export const MODE_COLOR: Record<string, string> = { host: 'var(--host)', shared: 'var(--shared)', isolated: 'var(--isolated)' };

export interface Frame {
  width: number;
  height: number;
  left: number;
  right: number;
  top: number;
  bottom: number;
}

/** The horizontal axis at the bottom of the plot area: ticks, grid lines and a label with its unit. */
export function xAxis(f: Frame, s: Scale, label: string, format: (v: number) => string = short): string {
  const y = f.height - f.bottom;
  const ticks = s.ticks
    .map((t) => {
      const x = s(t).toFixed(1);
      return `<line class="grid" x1="${x}" x2="${x}" y1="${f.top}" y2="${y}"/><text class="tick" x="${x}" y="${y + 14}" text-anchor="middle">${esc(format(t))}</text>`;
    })
    .join('');
  return `<g class="axis">${ticks}<line class="axis-line" x1="${f.left}" x2="${f.width - f.right}" y1="${y}" y2="${y}"/><text class="label" x="${(f.left + f.width - f.right) / 2}" y="${f.height - 4}" text-anchor="middle">${esc(label)}</text></g>`;
}

/** The vertical axis at the left of the plot area. */
export function yAxis(f: Frame, s: Scale, label: string, format: (v: number) => string = short): string {
  const ticks = s.ticks
    .map((t) => {
      const y = s(t).toFixed(1);
      return `<line class="grid" x1="${f.left}" x2="${f.width - f.right}" y1="${y}" y2="${y}"/><text class="tick" x="${f.left - 6}" y="${y}" dy="0.32em" text-anchor="end">${esc(format(t))}</text>`;
    })
    .join('');
  const mid = (f.top + f.height - f.bottom) / 2;
  return `<g class="axis">${ticks}<line class="axis-line" x1="${f.left}" x2="${f.left}" y1="${f.top}" y2="${f.height - f.bottom}"/><text class="label" transform="translate(12 ${mid}) rotate(-90)" text-anchor="middle">${esc(label)}</text></g>`;
}

/** A legend of the modes (or any keys) along the top of the plot area. */
export function legend(f: Frame, keys: ReadonlyArray<readonly [string, string]>): string {
  let x = f.left;
  return keys
    .map(([name, color]) => {
      const item = `<circle cx="${x + 5}" cy="${f.top - 12}" r="5" fill="${color}"/><text class="tick" x="${x + 14}" y="${f.top - 12}" dy="0.32em">${esc(name)}</text>`;
      x += 24 + 7 * name.length;
      return item;
    })
    .join('');
}

/** An SVG chart inside its figure: the title as the caption and as the SVG's accessible name. */
export function figure(kind: string, title: string, subtitle: string, f: Frame, body: string): string {
  const t = esc(clip(title, 300));
  return `<figure class="chart" data-kind="${kind}"><figcaption><strong>${t}</strong><br><span>${esc(clip(subtitle, 1200))}</span></figcaption><svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${f.width} ${f.height}" width="${f.width}" height="${f.height}" role="img"><title>${t}</title>${body}</svg></figure>`;
}
