/**
 * The tool against the plain C reference (native/reference/pingpong.c):
 * msg.pingpong with both parties on one CPU, one window of the tool (through
 * the piscina pool and the native core, as a run makes it) and one reference
 * run of the same length, alternating, so that the machine's drift lands on
 * both alike. Prints each pair and the median ratio tool / reference with a
 * 95 % bootstrap interval.
 *
 *   npm run reference -- [--pairs 40] [--window-ms 100] [--size 64] [--mode host|isolated] [--cpu 0]
 */
import { execFileSync } from 'node:child_process';
import { parseArgs } from 'node:util';
import { medianOf, quantileOf } from '../src/analyze/robust.js';
import { windowRate } from '../src/analyze/window.js';
import { monotonicNs } from '../src/clock.js';
import { PoolExecutor } from '../src/executor.js';
import { seededRandom } from '../src/mock-core.js';
import { REFERENCE_PINGPONG } from '../src/paths.js';

const { values } = parseArgs({
  options: {
    pairs: { type: 'string', default: '40' },
    'window-ms': { type: 'string', default: '100' },
    size: { type: 'string', default: '64' },
    mode: { type: 'string', default: 'host' },
    cpu: { type: 'string', default: '0' },
  },
});
const pairs = Number(values.pairs);
const windowMs = Number(values['window-ms']);
const mode = values.mode === 'isolated' ? 'isolated' : 'host';
const cpu = Number(values.cpu);
if (!(pairs >= 1) || !(windowMs >= 10)) {
  console.error('reference: --pairs at least 1, --window-ms at least 10');
  process.exit(2);
}

function reference(): number {
  const out = execFileSync(REFERENCE_PINGPONG, [values.size, String(windowMs / 1000), values.cpu, values.cpu, mode === 'isolated' ? '1' : '0']).toString();
  return Number(out.trim().split(/\s+/)[2]);
}

const executor = new PoolExecutor(1);
await executor.nowNs();
async function tool(): Promise<number> {
  const start = monotonicNs() + 10e6;
  const [r] = await executor.runWindow([{
    workload: 'msg.pingpong', params: { size: Number(values.size) }, mode, route: 'privileged', nsFd: -1, userNsFd: -1,
    cpuA: cpu, cpuB: cpu, coreParam: 0, sampleEvery: 16, startNs: start, stopNs: start + windowMs * 1e6,
    deadlineNs: start + windowMs * 1e6 + 5e9, markNs: (windowMs * 1e6) / 10, sysctls: {}, keyBase: 0, journalFd: -1,
  }]);
  if (!r?.ok) throw new Error(r?.failure?.message ?? 'window failed');
  return windowRate([r]);
}

console.log(`msg.pingpong size=${values.size} ${mode} same-cpu (CPU ${cpu}), windows of ${windowMs} ms, tool and reference alternating`);
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
console.log(`median ratio tool/reference: ${Math.exp(medianOf(logs)).toFixed(3)} [${Math.exp(quantileOf(reps, 0.025)).toFixed(3)}, ${Math.exp(quantileOf(reps, 0.975)).toFixed(3)}] (95 % bootstrap interval of the median)`);
