import type { Comparison, ScenarioResult } from '../result.js';

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
    const text = step === 0 && firstFixed ? v.toFixed(0) : v.toPrecision(digits);
    if (Math.abs(Number(text)) < 1000 || step === units.length - 1) return `${text} ${units[step]}`.trimEnd();
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

export function opsPerSec(mean: number, rme: number): string {
  return `${si(mean)} ±${rme.toFixed(1)}%`;
}

export function megabytes(bytesPerSecond: number | undefined): string {
  if (bytesPerSecond === undefined) return '';
  const mb = bytesPerSecond / 1e6;
  return Number(mb.toPrecision(3)) >= 1000 ? mb.toFixed(0) : mb.toPrecision(3);
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

/** What a reader must know about a scenario's row; `strong` marks its state where the format can. */
export function scenarioNotes(s: ScenarioResult, strong: (text: string) => string = (t) => t): string {
  const out: string[] = [];
  if (s.state !== 'completed') out.push(`${strong(s.state)}${s.failure ? `: ${s.failure.message}` : ''}`);
  else if (s.failure) out.push(s.failure.message);
  if (s.oversubscribed) out.push('oversubscribed: more workers than CPUs, shown not trusted');
  if (s.placement === 'any') out.push('placement uncontrolled');
  return out.join('; ');
}

/** A mode comparison's verdict in words; `mark` styles a difference (colour, bold). */
export function verdictWords(c: Comparison, mark: (text: string, slower: boolean) => string = (t) => t): string {
  if (c.verdict === 'faster') return mark(`${c.a} faster`, false);
  if (c.verdict === 'slower') return mark(`${c.a} slower`, true);
  return 'no significant difference';
}
