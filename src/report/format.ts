/** Number formatting shared by the reporters: every figure carries its unit. */

export function si(value: number, digits = 3): string {
  if (!Number.isFinite(value)) return '—';
  const abs = Math.abs(value);
  const [div, suffix] = abs >= 1e9 ? [1e9, ' G'] : abs >= 1e6 ? [1e6, ' M'] : abs >= 1e3 ? [1e3, ' k'] : [1, ' '];
  return `${(value / div).toPrecision(digits)}${suffix}`.trimEnd();
}

/** ns as ns, µs, ms or s. */
export function duration(ns: number | undefined): string {
  if (ns === undefined || !Number.isFinite(ns)) return '—';
  if (ns < 1e3) return `${ns.toFixed(0)} ns`;
  if (ns < 1e6) return `${(ns / 1e3).toPrecision(3)} µs`;
  if (ns < 1e9) return `${(ns / 1e6).toPrecision(3)} ms`;
  return `${(ns / 1e9).toPrecision(3)} s`;
}

export function opsPerSec(mean: number, rme: number): string {
  return `${si(mean)} ±${rme.toFixed(1)}%`;
}

export function megabytes(bytesPerSecond: number | undefined): string {
  if (bytesPerSecond === undefined) return '';
  const mb = bytesPerSecond / 1e6;
  return mb >= 1000 ? mb.toFixed(0) : mb.toPrecision(3);
}

export function params(p: Record<string, unknown>): string {
  return Object.entries(p).map(([k, v]) => `${k}=${String(v)}`).join(' ') || '—';
}

export function ratio(r: number, ci: [number, number]): string {
  return `${r.toFixed(3)} [${ci[0].toFixed(3)}, ${ci[1].toFixed(3)}]`;
}

export function pValue(p: number): string {
  if (!Number.isFinite(p)) return '—';
  return p < 0.0001 ? '<0.0001' : p.toFixed(4);
}
