/**
 * Workload parameters, declared once in a workload's descriptor
 * (workloads.ts). From that one declaration follow the run's flag (--size),
 * the suites' matrix key ("size": [64, 1024]), the scenario's identity
 * ("msg.pingpong(size=64)", in declaration order) and the params of the
 * result schema (document/schema.ts).
 */
import { UsageError } from '../common/errors.js';
import type { ParamValue, Params } from '../common/types.js';

export interface ParamSpec {
  name: string;
  /** What it sets, for list and for error messages: "bytes per message or buffer". */
  description: string;
  /** A number makes an integer parameter, a string a choice among `choices`. */
  default: number | string;
  /** The allowed values of a choice. */
  choices?: readonly string[];
  /** Bounds of an integer. */
  min?: number;
  max?: number;
  unit?: string;
}

export const isInteger = (p: ParamSpec): boolean => typeof p.default === 'number';

/**
 * One spec per parameter name over all workloads, in first-declared order.
 * Workloads that share a name share its flag and matrix key, so they must
 * agree on its kind, bounds and choices (their defaults may differ).
 */
export function paramsOf(workloads: readonly { name: string; params: readonly ParamSpec[] }[]): ParamSpec[] {
  const out = new Map<string, ParamSpec>();
  for (const w of workloads) {
    for (const p of w.params) {
      const seen = out.get(p.name);
      if (!seen) {
        out.set(p.name, p);
        continue;
      }
      const shape = (x: ParamSpec): string => JSON.stringify([isInteger(x), x.min, x.max, x.choices, x.unit]);
      if (shape(seen) !== shape(p)) throw new Error(`parameter ${p.name} of ${w.name} differs from the ${p.name} another workload declares`);
    }
  }
  return [...out.values()];
}

/** What a parameter allows, in words: "an integer from 1 to 1073741824", "one of msg, sem, shm". */
export function allowedText(p: ParamSpec): string {
  return isInteger(p) ? `an integer from ${p.min ?? 1} to ${p.max ?? Number.MAX_SAFE_INTEGER}` : `one of ${(p.choices ?? []).join(', ')}`;
}

/** One value of a parameter from a suite; `where` names it in the error ("suite x: matrix[0].size[1]"). */
export function checkParamValue(p: ParamSpec, v: unknown, where: string): ParamValue {
  if (isInteger(p)) {
    const min = p.min ?? 1;
    const max = p.max ?? Number.MAX_SAFE_INTEGER;
    if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
      throw new UsageError(`${where} must be an integer from ${min} to ${max}, got ${JSON.stringify(v)}`);
    }
    return v;
  }
  if (typeof v !== 'string' || !(p.choices ?? []).includes(v))
    throw new UsageError(`${where}: ${JSON.stringify(v)} is not one of ${(p.choices ?? []).join(', ')}`);
  return v;
}

/** A flag's comma-separated values, each checked, without duplicates: --size 64,1024. */
export function parseParamList(p: ParamSpec, text: string): ParamValue[] {
  const flag = `--${p.name}`;
  const items = text.split(',').map((s) => s.trim());
  if (items.some((s) => s === ''))
    throw new UsageError(`${flag} ${JSON.stringify(text)}: empty item in the list; separate values with commas, e.g. ${flag} a,b`);
  const values = items.map((item): ParamValue => {
    if (!isInteger(p)) {
      if (!(p.choices ?? []).includes(item)) throw new UsageError(`${flag} ${item}: not one of ${(p.choices ?? []).join(', ')}`);
      return item;
    }
    const min = p.min ?? 1;
    const max = p.max ?? Number.MAX_SAFE_INTEGER;
    if (!/^-?\d+$/.test(item)) throw new UsageError(`${flag} ${JSON.stringify(item)}: not a whole number; give ${p.description} from ${min} to ${max}`);
    const v = Number(item);
    if (v < min) throw new UsageError(`${flag} ${v}: must be at least ${min} (${p.description})`);
    if (v > max) throw new UsageError(`${flag} ${v}: at most ${max} (${p.description})`);
    return v;
  });
  return [...new Set(values)];
}

/** An integer parameter of resolved params (resolveParams fills defaults), or `fallback`. */
export function intParam(p: Params, name: string, fallback: number): number {
  const v = p[name];
  return typeof v === 'number' ? v : fallback;
}

/** A choice parameter of resolved params, or `fallback`. */
export function textParam(p: Params, name: string, fallback: string): string {
  const v = p[name];
  return typeof v === 'string' ? v : fallback;
}
