/**
 * Help as a new user asks for it: every command answers --help, -h and
 * `help CMD` with exit 0; --version works; a misspelt flag or command is
 * answered with the nearest one; the top-level help fits one screen.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { COMMANDS, helpOrVersion, USAGE } from '../src/commands/help.js';
import { parseRunArgs } from '../src/commands/run.js';
import { fitted } from '../src/common/fit.js';
import { PACKAGE_ROOT } from '../src/common/paths.js';
import { didYouMean, editDistance, nearest } from '../src/common/suggest.js';
import { HelpRequest, parse, parseDuration } from '../src/plan/flags.js';
import { runCli } from './helpers/cli.js';

const version = (JSON.parse(readFileSync(join(PACKAGE_ROOT, 'package.json'), 'utf8')) as { version: string }).version;

describe('every command answers --help, -h and help CMD with its own help and exit 0', () => {
  for (const c of COMMANDS) {
    it(`${c.name} --help`, () => {
      const r = runCli([c.name, '--help']);
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      expect(r.stdout).toBe(`${fitted(c.help, 80)}\n`);
      expect(r.stdout).toContain(`ipcns-bench ${c.name}`);
    });
  }

  it('-h and help CMD answer the same (main.ts prints what helpOrVersion returns, with exit 0)', () => {
    for (const c of COMMANDS) {
      expect(helpOrVersion([c.name, '-h'])).toBe(fitted(c.help, 80));
      expect(helpOrVersion(['help', c.name])).toBe(fitted(c.help, 80));
      expect(helpOrVersion(['--help', c.name])).toBe(fitted(c.help, 80));
    }
    expect(helpOrVersion(['run', '--suite', 'quick'])).toBeUndefined();
  });

  it('answers --help whatever else is on the line, before checking it', () => {
    const r = runCli(['run', '--suite', 'nosuch', '--size', '0', '--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('ipcns-bench run [flags]');
  });

  it('takes a --help after -- as an argument, not as a request for help', () => {
    expect(helpOrVersion(['compare', '--', '--help'])).toBeUndefined();
  });

  it('help with an unknown command is refused with the nearest one', () => {
    const r = runCli(['help', 'comapre']);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe('ipcns-bench: unknown command "comapre"; did you mean compare? (ipcns-bench help)\n');
  });
});

describe('the top-level help', () => {
  it('fits one screen: at most 24 lines of at most 80 columns, a line per command', () => {
    const r = runCli(['--help']);
    expect(r.code).toBe(0);
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines.length).toBeLessThanOrEqual(24);
    expect(lines.filter((l) => l.length > 80)).toEqual([]);
    for (const c of COMMANDS) expect(lines.filter((l) => l.startsWith(`  ${c.name} `))).toHaveLength(1);
    expect(r.stdout).toContain('ipcns-bench CMD --help');
    expect(helpOrVersion(['-h'])).toBe(USAGE);
    expect(helpOrVersion(['help'])).toBe(USAGE);
  });

  it('is printed, with exit 2, when no command is given', () => {
    const r = runCli([]);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe(`${USAGE}\n`);
  });
});

describe('--version', () => {
  it('prints the package version and exits 0', () => {
    const r = runCli(['--version']);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(`ipcns-bench ${version}\n`);
    expect(helpOrVersion(['-V'])).toBe(`ipcns-bench ${version}`);
  });
});

describe('a misspelt flag or command', () => {
  it('suggests the nearest flag instead of listing them all', () => {
    const r = runCli(['run', '--suit', 'quick']);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe('ipcns-bench: run: unknown flag --suit; did you mean --suite? (ipcns-bench run --help)\n');
  });

  it('names every flag a prefix could mean', () => {
    expect(runCli(['run', '--work', '1']).stderr).toContain('did you mean --workload or --workers?');
  });

  it('lists the allowed flags when none is near', () => {
    const r = runCli(['compare', '--frobnicate']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/unknown flag --frobnicate; allowed: --base, --reference/);
  });

  it('says that a command takes no flags', () => {
    const r = runCli(['list', '--json']);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe('ipcns-bench: list: unknown flag --json; list takes no flags (ipcns-bench list --help)\n');
  });

  it('suggests the nearest command, and says a flag before the command is misplaced', () => {
    expect(runCli(['rnu']).stderr).toBe('ipcns-bench: unknown command "rnu"; did you mean run? (ipcns-bench help)\n');
    const flagFirst = runCli(['--suite', 'quick']);
    expect(flagFirst.code).toBe(2);
    expect(flagFirst.stderr).toMatch(/"--suite" is not a command: the command comes first, e\.g\. ipcns-bench run --suite/);
  });
});

describe('suggestions', () => {
  it('count a swap of two neighbouring characters as one edit', () => {
    expect(editDistance('time', 'tiem')).toBe(1);
    expect(editDistance('placement', 'placment')).toBe(1);
    expect(editDistance('', 'abc')).toBe(3);
    expect(editDistance('kitten', 'sitting')).toBe(3);
  });

  it('offer only what is near: a third of the length in edits, or a prefix', () => {
    expect(nearest('sise', ['size', 'suite', 'time'])).toEqual(['size']);
    expect(nearest('xyz', ['size', 'suite', 'time'])).toEqual([]);
    expect(nearest('wor', ['workload', 'workers', 'mode'])).toEqual(['workload', 'workers']);
    expect(didYouMean('mdoe', ['mode', 'json'], (c) => `--${c}`)).toBe('did you mean --mode?');
    expect(didYouMean('zzzz', ['mode'])).toBe('');
  });
});

describe('a command without a help text of its own', () => {
  it('answers --help with its flags (parse throws a HelpRequest, which main.ts prints with exit 0)', () => {
    expect(() => parse('newcmd', ['--help'], { depth: { type: 'string' } })).toThrow(HelpRequest);
    expect(() => parse('newcmd', ['-h'], { depth: { type: 'string' } })).toThrow('ipcns-bench newcmd [flags]\n  flags: --depth');
    expect(() => parse('bare', ['--help'], {})).toThrow('ipcns-bench bare (takes no flags)');
  });
});

describe('--time takes units', () => {
  it('reads 3s, 1.5s, 500ms, 2m and a bare number of ms', () => {
    const capMs = (t: string) => parseRunArgs(['--time', t]).overrides.capMs;
    expect(capMs('3s')).toBe(3000);
    expect(capMs('1.5s')).toBe(1500);
    expect(capMs('500ms')).toBe(500);
    expect(capMs('500 ms')).toBe(500);
    expect(capMs('2m')).toBe(120_000);
    expect(capMs('3000')).toBe(3000);
  });

  it('refuses anything else with the units it takes', () => {
    const refused = (t: string) => () => parseDuration('--time', t, 1, 3_600_000, 'the measured time per group');
    expect(refused('3h')).toThrow('--time "3h": not a duration; give the measured time per group from 1 ms to 3600 s, e.g. --time 3s or --time 500ms');
    expect(refused('fast')).toThrow(/not a duration/);
    expect(refused('0.5ms')).toThrow('--time 0.5ms: not a whole number of ms');
    expect(refused('0s')).toThrow('--time 0s: must be at least 1 ms');
    expect(refused('2h')).toThrow(/not a duration/);
    expect(refused('61m')).toThrow('--time 61m: at most 3600 s');
  });

  it('is refused through the CLI with exit 2 and one line', () => {
    const r = runCli(['run', '--time', '3h']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^ipcns-bench: --time "3h": not a duration; .*e\.g\. --time 3s or --time 500ms \(a bare number is ms\)\n$/);
  });
});

describe('fitted help', () => {
  it('leaves text that fits alone, and breaks a long flag description under its column', () => {
    expect(fitted('short\n  --x   y', 80)).toBe('short\n  --x   y');
    const text = `  --flag V    ${'word '.repeat(20).trim()}\n              ${'more '.repeat(5).trim()}`;
    const out = fitted(text, 50).split('\n');
    expect(out.every((l) => l.length <= 50)).toBe(true);
    expect(out.slice(1).every((l) => l.startsWith(' '.repeat(14)) && l[14] !== ' ')).toBe(true);
    expect(out.join(' ').replace(/\s+/g, ' ')).toBe(text.replace(/\s+/g, ' '));
  });
});
