/**
 * The tool against the plain C reference (native/reference/pingpong.c) of a
 * round-trip workload: one window of the tool (through the piscina pool and
 * the native core, as a run makes it) and one reference run of the same
 * length, alternating, so that the machine's drift lands on both alike.
 * Prints each pair and the median ratio tool / reference with a 95 %
 * bootstrap interval. Both parties run on --cpu (same-cpu), or party B on
 * --cpu-b (split).
 *
 *   npm run reference -- [--workload msg.pingpong] [--pairs 40] [--window-ms 100] [--size 64] [--mode host|isolated] [--cpu 0] [--cpu-b N]
 */
import { execFileSync } from 'node:child_process';
import { parseArgs } from 'node:util';
import { medianOf, quantileOf } from '../src/analyze/robust.js';
import { windowRate } from '../src/measure/window-rate.js';
import { monotonicNs } from '../src/common/clock.js';
import { PoolExecutor } from '../src/measure/executor.js';
import { seededRandom } from '../src/measure/mock-core.js';
import { REFERENCE_PINGPONG } from '../src/common/paths.js';
import { resolveParams, type WorkloadInfo, workloadInfo } from '../src/plan/workloads.js';

const { values } = parseArgs({
  options: {
    pairs: { type: 'string', default: '40' },
    'window-ms': { type: 'string', default: '100' },
    size: { type: 'string', default: '64' },
    mode: { type: 'string', default: 'host' },
    cpu: { type: 'string', default: '0' },
    'cpu-b': { type: 'string' },
    workload: { type: 'string', default: 'msg.pingpong' },
  },
});
const pairs = Number(values.pairs);
const windowMs = Number(values['window-ms']);
const mode = values.mode === 'isolated' ? 'isolated' : 'host';
const cpu = Number(values.cpu);
const cpuB = values['cpu-b'] === undefined ? cpu : Number(values['cpu-b']);
function twoParties(name: string): WorkloadInfo {
  const w = workloadInfo(name);
  if (w?.parties === 2) return w;
  console.error(`reference: --workload names a workload of two parties (${name} is not one)`);
  process.exit(2);
}
const info = twoParties(values.workload);
const params = resolveParams(info, { size: Number(values.size) });
if (!(pairs >= 1) || !(windowMs >= 10)) {
  console.error('reference: --pairs at least 1, --window-ms at least 10');
  process.exit(2);
}

function reference(): number {
  const args = [values.size, String(windowMs / 1000), String(cpu), String(cpuB), mode === 'isolated' ? '1' : '0', '0', info.name];
  const out = execFileSync(REFERENCE_PINGPONG, args).toString();
  return Number(out.trim().split(/\s+/)[2]);
}

const executor = new PoolExecutor(1);
await executor.nowNs();
async function tool(): Promise<number> {
  const start = monotonicNs() + 10e6;
  const [r] = await executor.runWindow([
    {
      workload: info.name,
      params,
      mode,
      route: 'privileged',
      nsFd: -1,
      userNsFd: -1,
      cpuA: cpu,
      cpuB,
      coreParam: 0,
      sampleEvery: 16,
      startNs: start,
      stopNs: start + windowMs * 1e6,
      deadlineNs: start + windowMs * 1e6 + 5e9,
      markNs: (windowMs * 1e6) / 10,
      sysctls: {},
      keyBase: 0,
      journalFd: -1,
    },
  ]);
  if (!r?.ok) throw new Error(r?.failure?.message ?? 'window failed');
  return windowRate([r]);
}

const where = cpuB === cpu ? `same-cpu (CPU ${cpu})` : `split (CPUs ${cpu} and ${cpuB})`;
console.log(`${info.name} ${JSON.stringify(params)} ${mode} ${where}, windows of ${windowMs} ms, tool and reference alternating`);
console.log('pair   tool ops/s   reference ops/s  ratio');
const logs: number[] = [];
for (let i = 1; i <= pairs; i++) {
  const t = await tool();
  const ref = reference();
  logs.push(Math.log(t / ref));
  console.log(`${String(i).padStart(4)}  ${t.toFixed(0).padStart(11)}   ${ref.toFixed(0).padStart(15)}  ${(t / ref).toFixed(3)}`);
}
await executor.close();
const rand = seededRandom(1);
const reps = Array.from({ length: 2000 }, () => medianOf(Array.from(logs, () => logs[Math.floor(rand() * logs.length)] as number)));
console.log(
  `median ratio tool/reference: ${Math.exp(medianOf(logs)).toFixed(3)} [${Math.exp(quantileOf(reps, 0.025)).toFixed(3)}, ${Math.exp(quantileOf(reps, 0.975)).toFixed(3)}] (95 % bootstrap interval of the median)`,
);
