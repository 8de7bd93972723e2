/**
 * Workload parameters, declared once in a workload's descriptor
 * (workloads.ts). From that one declaration follow the run's flag (--size),
 * the suites' matrix key ("size": [64, 1024]), the scenario's identity
 * ("msg.pingpong(size=64)", in declaration order) and the params of the
 * result schema (document/schema.ts). Values are checked where they are read:
 * flags.ts for flags, suite.ts for suites.
 */
import type { Params } from '../common/types.js';

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

/** An integer parameter's bounds: [min, max], 1 and the largest safe integer where it declares none. */
export function bounds(p: ParamSpec): [number, number] {
  return [p.min ?? 1, p.max ?? Number.MAX_SAFE_INTEGER];
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
