/** Number formatting shared by the reporters: every figure carries its unit. */

/**
 * value / 1000^k with `digits` significant digits and the unit of the step it
 * lands in. The step is chosen after rounding, so 999 999 shows as "1.00 M",
 * never "1.00e+3 k".
 */
function scaled(value: number, units: readonly string[], digits: number, firstFixed: boolean): string {
  let step = 0;
  while (step < units.length - 1 && Math.abs(value) >= 1000 ** (step + 1)) step++;
  for (;;) {
    const v = value / 1000 ** step;
    const last = step === units.length - 1;
    // At the largest unit, a whole number rather than exponent notation ("1000 T", not "1.00e+3 T").
    const text = (step === 0 && firstFixed) || (last && Math.abs(v) >= 1000) ? v.toFixed(0) : v.toPrecision(digits);
    if (Math.abs(Number(text)) < 1000 || last) return `${text} ${units[step]}`.trimEnd();
    step++;
  }
}

export function si(value: number, digits = 3): string {
  if (!Number.isFinite(value)) return '—';
  return scaled(value, ['', 'k', 'M', 'G', 'T'], digits, false);
}

/** ns as ns, µs, ms or s. */
export function duration(ns: number | undefined): string {
  if (ns === undefined || !Number.isFinite(ns)) return '—';
  return scaled(ns, ['ns', 'µs', 'ms', 's'], 3, true);
}

export function megabytes(bytesPerSecond: number | undefined): string {
  if (bytesPerSecond === undefined) return '';
  const mb = bytesPerSecond / 1e6;
  return Number(mb.toPrecision(3)) >= 1000 ? mb.toFixed(0) : mb.toPrecision(3);
}

export function params(p: Record<string, unknown>): string {
  return (
    Object.entries(p)
      .map(([k, v]) => `${k}=${String(v)}`)
      .join(' ') || '—'
  );
}

/** A fraction as a percentage: 0.0213 -> "2.1 %". */
export function pct(x: number | null, digits = 1): string {
  return x !== null && Number.isFinite(x) ? `${(x * 100).toFixed(digits)} %` : '—';
}

/** A bound of an interval; from a handful of rounds it can be astronomical: say so instead of printing 2.4e+35. */
export function bound(x: number | null, digits = 3): string {
  if (x === null || !Number.isFinite(x)) return '—';
  if (x > 99.9) return '>99.9';
  if (x < 0.001) return '<0.001';
  return x.toFixed(digits);
}

/** "0.998 [0.981, 1.015]"; "—" when undefined. */
export function ratioWithCi(r: number, ci: readonly [number | null, number | null], digits = 3): string {
  if (!Number.isFinite(r)) return '—';
  return `${r.toFixed(digits)} [${bound(ci[0], digits)}, ${bound(ci[1], digits)}]`;
}
