/**
 * The rows of a history (ipcns-bench history), built once for the terminal
 * (table.ts), markdown (markdown.ts) and the HTML page (history-html.ts).
 */
import type { HistoryChangePoint, HistoryResult, HistoryRow, HistoryRun, HistoryVerdict } from '../analyze/history.js';
import { si } from './format.js';
import type { Cell, TableModel, Tone } from './rows.js';

const plain = (text: string): Cell => ({ text });

const VERDICT_TONE: Record<HistoryVerdict, Tone | undefined> = {
  regressed: 'bad',
  improved: 'good',
  'in line': undefined,
  inconclusive: 'warn',
  suspected: 'warn',
};

/** A ratio as a signed percentage change: 0.912 -> "-8.8 %". */
export function changeText(ratio: number | null): string {
  if (ratio === null || !Number.isFinite(ratio)) return '—';
  const p = (ratio - 1) * 100;
  return `${p >= 0 ? '+' : ''}${Math.abs(p) >= 10 ? p.toFixed(1) : p.toFixed(2)} %`;
}

/** A figure of the history in its unit: ops/s and ns with an SI step, a ratio to other scenarios as is. */
export function historyValue(r: HistoryResult, v: number | null): string {
  if (v === null || !Number.isFinite(v)) return '—';
  return r.relative ? v.toFixed(3) : `${si(v)} ${r.unit}`;
}

/** A run as a reader finds it: its number in the history, its file, and its commit where recorded. */
export function runName(r: HistoryResult, index: number): string {
  const run = r.runs[index] as HistoryRun;
  return `run ${index + 1} (${run.file}${run.commit ? `, ${run.commit.slice(0, 12)}` : ''})`;
}

/** The commits a change point lies between: "a1b2c3d..e4f5a6b", or what is known of them. */
export function commitRange(c: HistoryChangePoint): string {
  if (!c.commits) return '—';
  const short = (x: string | null): string => (x === null ? '?' : x.slice(0, 12));
  return c.commits.from === c.commits.to ? `${short(c.commits.to)} (reruns of one commit)` : `${short(c.commits.from)}..${short(c.commits.to)}`;
}

function verdictCell(row: HistoryRow): Cell {
  const tone = VERDICT_TONE[row.verdict];
  return tone ? { text: row.verdict, tone } : plain(row.verdict);
}

/** The newest run's value, its segment's level, and the change since. */
function lastLevel(r: HistoryResult, row: HistoryRow): string {
  const seg = row.segments.at(-1);
  return seg ? `${historyValue(r, seg.mean)} over ${seg.runs} run${seg.runs === 1 ? '' : 's'}` : '—';
}

/** One row per scenario: its newest value, the level of its last segment, the change points, the verdict. */
export function historyTable(r: HistoryResult): TableModel {
  return {
    title: `History by --metric ${r.metric}${r.relative ? ' --relative' : ''}: ${r.runs.length} runs`,
    note: `${r.method}.`,
    head: ['scenario', 'newest', 'last segment', 'newest vs segment', 'change points', 'verdict', 'notes'],
    rows: r.rows.map((row) => [
      { text: row.id, tone: 'code' },
      plain(historyValue(r, row.values.at(-1) ?? null)),
      plain(lastLevel(r, row)),
      plain(changeText(row.newest.ratio)),
      plain(row.changePoints.length === 0 ? 'none' : row.changePoints.map((c) => `run ${c.index + 1}: ${changeText(c.ratio)}`).join(', ')),
      verdictCell(row),
      plain(row.notes.join('; ')),
    ]),
  };
}

/** Every change point: where, between which commits, how large, how sure. */
export function changePointTable(r: HistoryResult): TableModel | null {
  const rows = r.rows.flatMap((row) => row.changePoints.map((c) => ({ row, c })));
  if (rows.length === 0) return null;
  return {
    title: 'Change points',
    note: `ratio = after / before, geometric means of the segments either side; interval at ${(100 * (1 - r.alphaSeries)).toPrecision(4)} %`,
    head: ['scenario', 'first run after', 'commits', 'ratio [interval]', 'change', 'found by', 'p'],
    rows: rows.map(({ row, c }) => [
      { text: row.id, tone: 'code' },
      plain(`${runName(r, c.index)} ${c.run.startedAt}`),
      plain(commitRange(c)),
      plain(c.ci ? `${c.ratio.toFixed(3)} [${c.ci[0].toFixed(3)}, ${c.ci[1].toFixed(3)}]` : c.ratio.toFixed(3)),
      c.direction === 'worse'
        ? { text: changeText(c.ratio), tone: 'bad' }
        : c.direction === 'better'
          ? { text: changeText(c.ratio), tone: 'good' }
          : plain(changeText(c.ratio)),
      plain(c.test === 'permutation' ? 'history (permutation)' : 'newest runs (t-test)'),
      plain(c.p.toPrecision(2)),
    ]),
  };
}

/** The runs the history spans, in one line. */
export function historySpan(r: HistoryResult): string {
  const first = r.runs[0];
  const last = r.runs.at(-1);
  if (!first || !last) return 'no runs';
  return `${r.runs.length} runs in ${r.order === 'commit' ? 'commit' : 'start-time'} order, from ${first.file} (${first.startedAt}) to ${last.file} (${last.startedAt}${last.commit ? `, commit ${last.commit.slice(0, 12)}` : ''})`;
}

/** One line: what the gate says. */
export function historySummary(r: HistoryResult, strict: boolean): string {
  const n = r.rows.length;
  const parts = [
    r.regressed > 0
      ? `${r.regressed} of ${n} scenario${n === 1 ? '' : 's'} regressed in the newest runs`
      : `no regression confirmed in ${n} scenario${n === 1 ? '' : 's'}`,
  ];
  if (r.improved > 0) parts.push(`${r.improved} improved`);
  if (r.suspected > 0)
    parts.push(
      `${r.suspected} suspected (the newest run alone looks worse${strict ? '; --strict: this fails the gate' : ': the next runs confirm or clear it'})`,
    );
  if (r.inconclusive > 0) parts.push(`${r.inconclusive} inconclusive`);
  parts.push(`${r.inLine} in line`);
  return `${parts.join(', ')} (threshold ±${Number((r.threshold * 100).toPrecision(6))} %, ${r.confirm} runs confirm a change)`;
}
