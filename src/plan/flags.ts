/**
 * Parsing of command-line values: every bad value becomes a UsageError that
 * names the flag, the value and what is allowed.
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { UsageError } from '../common/errors.js';
import { didYouMean } from '../common/suggest.js';
import { LIMITS } from './suite.js';
import { COMMIT_PATTERN, LABEL_PATTERN, MODES, REF_PATTERN, PLACEMENTS, type Mode, type ParamValue, type Placement } from '../common/types.js';
import { bounds, isInteger, type ParamSpec } from './params.js';
import { WORKLOADS } from './workloads.js';

type Options = NonNullable<ParseArgsConfig['options']>;

/** `--help` or `-h` among a command's arguments (before a `--`, after which everything is an argument). */
export function asksForHelp(argv: readonly string[]): boolean {
  for (const a of argv) {
    if (a === '--') return false;
    if (a === '--help' || a === '-h') return true;
  }
  return false;
}

/** A request for a command's help: main.ts prints the text and exits 0. */
export class HelpRequest extends Error {}

/**
 * parseArgs, with its errors turned into one line: an unknown flag is
 * answered with the nearest allowed one, else with the list of them. A
 * command that declares no --help of its own still answers it, with its flags.
 */
export function parse<T extends Options>(command: string, argv: string[], options: T, positionals = 0) {
  const flags = Object.keys(options).map((o) => `--${o}`);
  if (!('help' in options) && asksForHelp(argv)) {
    throw new HelpRequest(`ipcns-bench ${command}${flags.length > 0 ? ` [flags]\n  flags: ${flags.join(', ')}` : ' (takes no flags)'}`);
  }
  try {
    const parsed = parseArgs({ args: argv, options, strict: true as const, allowPositionals: true as const });
    if (parsed.positionals.length > positionals) {
      throw new UsageError(`${command}: unexpected argument ${JSON.stringify(parsed.positionals[positionals])}`);
    }
    return parsed;
  } catch (e) {
    if (e instanceof UsageError) throw e;
    const err = e as Error & { code?: string };
    const flag = /'(-[^' ]+)/.exec(err.message)?.[1];
    if (err.code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') {
      const guess = flag?.startsWith('--') ? didYouMean(flag.slice(2), Object.keys(options), (o) => `--${o}`) : '';
      const rest = guess || (flags.length > 0 ? `allowed: ${flags.join(', ')}` : `${command} takes no flags`);
      throw new UsageError(`${command}: unknown flag ${flag ?? err.message}; ${rest} (ipcns-bench ${command} --help)`);
    }
    if (err.code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE' && err.message.includes('ambiguous')) {
      throw new UsageError(`${command}: the value of ${flag ?? 'a flag'} starts with '-': write it as ${flag ?? '--flag'}=VALUE`);
    }
    if (err.code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE') throw new UsageError(`${command}: ${flag ?? 'a flag'} needs a value`);
    throw new UsageError(`${command}: ${err.message.split('\n')[0]}`);
  }
}

function list(flag: string, text: string): string[] {
  const items = text.split(',').map((s) => s.trim());
  if (items.some((s) => s === ''))
    throw new UsageError(`${flag} ${JSON.stringify(text)}: empty item in the list; separate values with commas, e.g. ${flag} a,b`);
  return items;
}

function choices<T extends string>(flag: string, text: string, allowed: readonly T[]): T[] {
  return list(flag, text).map((v) => {
    if (!(allowed as readonly string[]).includes(v)) throw new UsageError(`${flag} ${v}: not one of ${allowed.join(', ')}`);
    return v as T;
  });
}

/** A machine's label (LABEL_PATTERN); `what` says where the text came from when it is not the flag's value. */
export function parseLabel(flag: string, text: string, what = ''): string {
  if (new RegExp(LABEL_PATTERN).test(text)) return text;
  const shown = JSON.stringify(text.length > 40 ? `${text.slice(0, 37)}...` : text);
  throw new UsageError(
    `${flag} ${shown}${what}: a label is 1 to 253 letters, digits or . _ - : @ +, starting with a letter or digit; give one, e.g. ${flag} node-a`,
  );
}

/** A commit's object name (COMMIT_PATTERN), read case-blind and kept in lowercase; `what` says where the text came from. */
export function parseCommit(flag: string, text: string, what = ''): string {
  const commit = text.trim().toLowerCase();
  if (new RegExp(COMMIT_PATTERN).test(commit)) return commit;
  const shown = JSON.stringify(text.length > 70 ? `${text.slice(0, 67)}...` : text);
  throw new UsageError(`${flag} ${shown}${what}: a commit is 7 to 64 hex digits (git rev-parse HEAD); give one, e.g. ${flag} 3f2a9c1`);
}

/** A branch or tag name (REF_PATTERN); `what` says where the text came from. */
export function parseRef(flag: string, text: string, what = ''): string {
  if (new RegExp(REF_PATTERN, 'u').test(text)) return text;
  const shown = JSON.stringify(text.length > 70 ? `${text.slice(0, 67)}...` : text);
  throw new UsageError(
    `${flag} ${shown}${what}: a ref is 1 to 255 characters without spaces or control characters (a branch or tag name); give one, e.g. ${flag} main`,
  );
}

/** One value of a fixed set, e.g. --format table; the message quotes what was given. */
export function oneOf<T extends string>(flag: string, text: string, allowed: readonly T[]): T {
  const v = text.trim();
  if (!(allowed as readonly string[]).includes(v)) {
    throw new UsageError(`${flag} ${JSON.stringify(text)}: not one of ${allowed.join(', ')}`);
  }
  return v as T;
}

export function parseWorkloads(text: string): string[] {
  return choices(
    '--workload',
    text,
    WORKLOADS.map((w) => w.name),
  );
}

export function parseModes(text: string): Mode[] {
  return choices('--mode', text, MODES);
}

export function parsePlacements(text: string): Placement[] {
  return choices('--placement', text, PLACEMENTS);
}

/** A strictly positive integer within [min, max]; the message says which limit was hit. */
export function integer(flag: string, text: string, min: number, max: number, what: string): number {
  if (!/^-?\d+$/.test(text.trim())) throw new UsageError(`${flag} ${JSON.stringify(text)}: not a whole number; give ${what} from ${min} to ${max}`);
  const v = Number(text);
  if (v < min) throw new UsageError(`${flag} ${v}: must be at least ${min} (${what})`);
  if (v > max) throw new UsageError(`${flag} ${v}: at most ${max} (${what})`);
  return v;
}

const DURATION_UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000 };

/**
 * A duration in whole ms: "3s", "1.5s", "500ms", "2m", or a bare number of
 * ms ("3000", as before units were accepted); within [minMs, maxMs].
 */
export function parseDuration(flag: string, text: string, minMs: number, maxMs: number, what: string): number {
  const m = /^(-?)(\d+(?:\.\d+)?|\.\d+)\s*(ms|s|m)?$/.exec(text.trim());
  const range = `from ${minMs} ms to ${maxMs / 1000} s`;
  if (!m || m[2] === undefined)
    throw new UsageError(`${flag} ${JSON.stringify(text)}: not a duration; give ${what} ${range}, e.g. ${flag} 3s or ${flag} 500ms (a bare number is ms)`);
  if (m[1] === '-') throw new UsageError(`${flag} ${text}: must not be negative; give ${what} ${range}, e.g. ${flag} 3s`);
  const ms = Number(m[2]) * (DURATION_UNITS[m[3] ?? 'ms'] ?? 1);
  if (!Number.isInteger(ms)) throw new UsageError(`${flag} ${text}: not a whole number of ms; give e.g. ${flag} ${Math.max(minMs, Math.round(ms))}ms`);
  if (ms < minMs) throw new UsageError(`${flag} ${text}: must be at least ${minMs} ms (${what})`);
  if (ms > maxMs) throw new UsageError(`${flag} ${text}: at most ${maxMs / 1000} s (${what})`);
  return ms;
}

/** "1,2" or ranges "1-4", or a mix: "1-4,8". */
export function parseWorkers(text: string): number[] {
  const out: number[] = [];
  for (const item of list('--workers', text)) {
    const range = /^(\d+)-(\d+)$/.exec(item);
    if (range) {
      const a = integer('--workers', range[1] ?? '', 1, LIMITS.maxWorkers, 'worker count');
      const b = integer('--workers', range[2] ?? '', 1, LIMITS.maxWorkers, 'worker count');
      if (b < a) throw new UsageError(`--workers ${item}: the range runs backwards; write ${b}-${a}`);
      for (let w = a; w <= b; w++) out.push(w);
    } else {
      out.push(integer('--workers', item, 1, LIMITS.maxWorkers, 'worker count'));
    }
  }
  return [...new Set(out)];
}

/** A parameter's comma-separated values from its flag (--size 64,1024), each checked, without duplicates. */
export function parseParamList(p: ParamSpec, text: string): ParamValue[] {
  const flag = `--${p.name}`;
  if (!isInteger(p)) return [...new Set(choices(flag, text, p.choices ?? []))];
  const [min, max] = bounds(p);
  return [...new Set(list(flag, text).map((s) => integer(flag, s, min, max, p.description)))];
}

/**
 * A percentage: "5%" or "5" (five percent), "2.5%". Returns a fraction. A
 * plain number between 0 and 1 is refused as ambiguous ("0.05" could mean
 * 5 % or 0.05 %).
 */
export function parsePercent(flag: string, text: string, minPct: number, maxPct: number): number {
  const m = /^(-?)(\d+(?:\.\d+)?|\.\d+)\s*(%?)$/.exec(text.trim());
  if (!m || m[2] === undefined) throw new UsageError(`${flag} ${JSON.stringify(text)}: not a percentage; write e.g. ${flag} 5%`);
  if (m[1] === '-') throw new UsageError(`${flag} ${text}: must not be negative; give e.g. ${flag} 5%`);
  const pct = Number(m[2]);
  if (m[3] === '' && pct > 0 && pct < 1)
    throw new UsageError(`${flag} ${text}: ambiguous; write ${pct * 100}% for ${pct * 100} percent, or ${pct}% for ${pct} percent`);
  if (pct < minPct || pct > maxPct) throw new UsageError(`${flag} ${text}: give a percentage from ${minPct}% to ${maxPct}%`);
  return pct / 100;
}
