/**
 * What a control buys between runs: for result documents of repeated runs of
 * one suite, the spread of each scenario's figure from run to run (the sd of
 * its log across runs, in %), raw, calibrated as the document has it (over
 * the getppid() control, times the run's median control), and as a plain
 * ratio to each control (one scale for every run: what a history of runs
 * should compare). docs/calibration.md has the figures.
 *
 *   node dist/bench/calibration-spread.js DOC...
 */
import { readBounded } from '../src/common/files.js';
import { scenarioEstimate } from '../src/analyze/modes.js';
import { sampleSd } from '../src/analyze/robust.js';
import { MAX_DOCUMENT_BYTES, parseResultDocument } from '../src/document/parse.js';
import type { ResultDocument, ScenarioResult } from '../src/document/result.js';

const paths = process.argv.slice(2);
if (paths.length < 2) {
  console.error('calibration-spread: give the result documents of two runs or more');
  process.exit(2);
}
const docs: ResultDocument[] = paths.map((p) => parseResultDocument(readBounded(p, MAX_DOCUMENT_BYTES, '', 'a result document'), p));

/** A scenario's estimate of each kind in one run; undefined where the run has no such figure. */
function figures(s: ScenarioResult, doc: ResultDocument): Record<string, number | undefined> {
  const t = s.throughput;
  const ratio = (controls: ReadonlyArray<number | null> | undefined): number | undefined => {
    if (!t || !controls) return undefined;
    const r = t.rounds.flatMap((rate, i) => {
      const c = controls[i];
      return typeof c === 'number' && c > 0 ? [rate / c] : [];
    });
    return r.length >= 2 ? scenarioEstimate(r).estimate : undefined;
  };
  const scale = doc.analysis.calibration?.medianRate;
  return {
    raw: t?.estimate,
    calibrated: t?.calibrated?.estimate,
    'over getppid': t?.calibrated && scale ? t.calibrated.estimate / scale : undefined,
    'over spin': ratio(s.controlRounds?.spin),
  };
}

const KINDS = ['raw', 'calibrated', 'over getppid', 'over spin'];
const ids = [...new Set(docs.flatMap((d) => d.scenarios.filter((s) => s.state === 'completed').map((s) => s.id)))];
const spread = (xs: readonly number[]): string => (xs.length >= 2 ? `${(100 * sampleSd(xs.map(Math.log))).toFixed(1)} %` : 'n/a');

console.log(`${docs.length} runs; spread between runs = sd of the log of the scenario's estimate across runs`);
console.log(`| scenario | runs | ${KINDS.join(' | ')} |`);
console.log(`|---|---|${KINDS.map(() => '---').join('|')}|`);
for (const id of ids) {
  const per = docs.flatMap((d) => {
    const s = d.scenarios.find((x) => x.id === id && x.state === 'completed');
    return s ? [figures(s, d)] : [];
  });
  const cells = KINDS.map((k) => spread(per.flatMap((f) => (typeof f[k] === 'number' ? [f[k] as number] : []))));
  console.log(`| ${id} | ${per.length} | ${cells.join(' | ')} |`);
}
const medians = docs.map((d) => d.analysis.calibration?.medianRate).filter((x): x is number => typeof x === 'number');
console.log(`\nthe runs' median getppid() rate: spread ${spread(medians)}; ${medians.map((m) => (m / 1e3).toFixed(0)).join(', ')} k/s`);
