/**
 * Runs the tool and the plain C reference (native/reference/pingpong.c) back
 * to back, alternating, for msg.pingpong with both parties on one CPU, and
 * prints each pair and the median ratio tool / reference.
 *
 *   npm run reference -- [--rounds 5] [--seconds 1] [--size 64] [--mode host|isolated] [--cpu 0] [--single-window]
 *
 * By default the tool runs through its CLI (windows, warm-up, statistics);
 * --single-window instead calls the native core for one window of --seconds.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { monotonicNs } from '../src/clock.js';
import { loadNativeCore } from '../src/native.js';
import { PACKAGE_ROOT, REFERENCE_PINGPONG } from '../src/paths.js';
import type { ResultDocument } from '../src/result.js';

const { values } = parseArgs({
  options: {
    rounds: { type: 'string', default: '5' },
    seconds: { type: 'string', default: '1' },
    size: { type: 'string', default: '64' },
    mode: { type: 'string', default: 'host' },
    cpu: { type: 'string', default: '0' },
    'single-window': { type: 'boolean', default: false },
  },
});
const rounds = Number(values.rounds);
const seconds = Number(values.seconds);
const mode = values.mode === 'isolated' ? 'isolated' : 'host';
const cli = join(PACKAGE_ROOT, 'dist', 'src', 'cli.js');
const dir = mkdtempSync(join(tmpdir(), 'ipcns-reference-'));

function reference(): number {
  const out = execFileSync(REFERENCE_PINGPONG, [values.size, String(seconds), values.cpu, values.cpu, mode === 'isolated' ? '1' : '0']).toString();
  return Number(out.trim().split(/\s+/)[2]);
}

/** One window straight through the core: this script runs no worker threads, so it may load it here. */
function toolSingleWindow(): number {
  const core = loadNativeCore();
  const start = monotonicNs() + 30e6;
  const cpu = Number(values.cpu);
  const r = core.run({
    workload: 'msg.pingpong', params: { size: Number(values.size) }, mode, route: 'privileged', nsFd: -1, userNsFd: -1,
    cpuA: cpu, cpuB: cpu, coreParam: 0, sampleEvery: 16, startNs: start, stopNs: start + seconds * 1e9,
    deadlineNs: start + seconds * 1e9 + 5e9, sysctls: {}, keyBase: 0, journalFd: -1,
  });
  if (!r.ok) throw new Error(r.failure?.message ?? 'window failed');
  return r.ops / (r.elapsedNs / 1e9);
}

function tool(round: number): number {
  if (values['single-window']) return toolSingleWindow();
  const json = join(dir, `tool-${round}.json`);
  execFileSync(process.execPath, [cli, 'run', '--workload', 'msg.pingpong', '--mode', mode, '--workers', '1', '--size', values.size,
    '--placement', 'same-cpu', '--time', String(seconds * 1000), '--json', json, '--quiet']);
  const doc = JSON.parse(readFileSync(json, 'utf8')) as ResultDocument;
  const s = doc.scenarios[0];
  if (!s?.throughput) throw new Error(`the tool did not complete: ${JSON.stringify(s?.failure)}`);
  return s.throughput.mean;
}

const ratios: number[] = [];
console.log(`msg.pingpong size=${values.size} ${mode} same-cpu (CPU ${values.cpu}), ${seconds} s each, tool${values['single-window'] ? ' (one window through the core)' : ' (CLI: warm-up, 100 ms windows, statistics)'} and reference alternating`);
console.log('round  tool ops/s   reference ops/s  ratio');
for (let r = 1; r <= rounds; r++) {
  const t = tool(r);
  const ref = reference();
  ratios.push(t / ref);
  console.log(`${String(r).padStart(5)}  ${t.toFixed(0).padStart(10)}   ${ref.toFixed(0).padStart(15)}  ${(t / ref).toFixed(3)}`);
}
ratios.sort((a, b) => a - b);
console.log(`median ratio tool/reference: ${(ratios[Math.floor(ratios.length / 2)] ?? NaN).toFixed(3)}`);
rmSync(dir, { recursive: true, force: true });
