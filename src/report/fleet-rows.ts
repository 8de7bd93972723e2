/**
 * The rows of a fleet comparison (analyze/fleet.ts), built once for the
 * terminal, markdown and the HTML report, like rows.ts for one run.
 */
import type { FleetCell, FleetComparison } from '../analyze/fleet.js';
import { levelText } from '../analyze/modes.js';
import type { Cell, TableModel } from './rows.js';
import { metricText } from './rows.js';
import { pct, ratioWithCi } from './format.js';

const plain = (text: string): Cell => ({ text });

/** A verdict as a cell, toned like the run's own. */
export function fleetVerdictCell(verdict: string, text = verdict): Cell {
  if (verdict === 'faster') return { text, tone: 'good' };
  if (verdict === 'slower') return { text, tone: 'bad' };
  if (verdict === 'inconclusive') return { text, tone: 'warn' };
  return { text };
}

/** The machines, one row each: what differs between them is the point of the fleet. */
export function machinesTable(f: FleetComparison): TableModel {
  return {
    title: 'Machines',
    note: `reference: ${f.reference}; noise: each run's round-to-round spread of its mode ratios`,
    head: ['label', 'kernel', 'arch', 'CPU', 'CPUs', 'route', 'uid', 'suite', 'started', 'complete', 'noise'],
    rows: f.machines.map((m) => [
      m.label === f.reference ? { text: `${m.label} (reference)`, tone: 'strong' } : plain(m.label),
      plain(m.kernel),
      plain(m.arch),
      plain(m.cpuModel),
      plain(String(m.cpus)),
      plain(m.route),
      plain(String(m.uid)),
      plain(m.suite),
      plain(m.startedAt),
      m.complete ? plain('yes') : { text: 'no', tone: 'warn' },
      plain(pct(m.roundNoise)),
    ]),
  };
}

/** Per machine: how its scenarios compare with the reference's. */
export function perMachineTable(f: FleetComparison): TableModel {
  return {
    title: `Each machine against ${f.reference}, by --metric ${f.metric}`,
    note: `${f.method}.`,
    head: ['machine', 'faster', 'slower', 'equivalent', 'inconclusive', 'interval level', `not on ${f.reference}`, 'not on this machine', 'not compared'],
    rows: f.perMachine.map((m) => [
      plain(m.label),
      fleetVerdictCell(m.counts.faster > 0 ? 'faster' : '', String(m.counts.faster)),
      fleetVerdictCell(m.counts.slower > 0 ? 'slower' : '', String(m.counts.slower)),
      plain(String(m.counts.equivalent)),
      fleetVerdictCell(m.counts.inconclusive > 0 ? 'inconclusive' : '', String(m.counts.inconclusive)),
      plain(levelText(m.ciLevel)),
      plain(String(m.notOnReference.length)),
      plain(String(m.notHere.length)),
      plain(String(m.notCompared.length)),
    ]),
  };
}

const cellText = (c: FleetCell): string => `${c.ratio === null ? '—' : c.ci ? ratioWithCi(c.ratio, c.ci) : c.ratio.toFixed(3)} ${c.verdict}`;

/** Per scenario: the reference's figure, and each machine's ratio to it with its interval and verdict. */
export function fleetScenarioTable(f: FleetComparison): TableModel {
  const others = f.perMachine.map((m) => m.label);
  return {
    title: `Per scenario: machine / ${f.reference}`,
    note: `${f.metric} ratio with its interval and verdict (within ±${pct(f.threshold)}: equivalent)`,
    head: ['scenario', `${f.reference} (${f.unit})`, ...others],
    rows: f.scenarios.map((s) => [
      { text: s.id, tone: 'code' },
      plain(metricText(f, s.reference)),
      ...others.map((l) => {
        const c = s.cells.find((x) => x.label === l);
        return c ? fleetVerdictCell(c.verdict, cellText(c)) : plain('—');
      }),
    ]),
  };
}

/** The mode verdicts of each machine's own run, side by side, with the sentence that sums them up. */
export function fleetModeTable(f: FleetComparison): TableModel {
  const labels = f.machines.map((m) => m.label);
  return {
    title: `Mode verdicts per machine: ${f.modeMetric}`,
    note: "each machine's own verdict on a / b (its rounds interleave the modes), its ratio with the interval the verdict used",
    head: ['comparison', ...labels, 'across the fleet'],
    rows: f.modes.map((r) => [
      { text: r.key, tone: 'code' },
      ...labels.map((l) => {
        const c = r.cells.find((x) => x.label === l);
        return c ? fleetVerdictCell(c.verdict, `${c.verdict} ${ratioWithCi(c.ratio, c.ci)}`) : plain('—');
      }),
      plain(r.summary.slice(r.summary.indexOf(': ') + 2)),
    ]),
  };
}

/** Scenarios not compared, machine by machine: none is dropped silently. */
export function fleetLists(f: FleetComparison): string[] {
  const out: string[] = [];
  for (const m of f.perMachine) {
    if (m.notOnReference.length > 0) out.push(`${m.label}: not on ${f.reference} (not compared): ${m.notOnReference.join(', ')}`);
    if (m.notHere.length > 0) out.push(`${m.label}: only on ${f.reference} (not compared): ${m.notHere.join(', ')}`);
    for (const n of m.notCompared) out.push(`${m.label}: not compared: ${n.id}: ${n.reason}`);
    for (const w of m.warnings) out.push(`${m.label}: ${w}`);
  }
  return out;
}

/** The fleet's warnings, to be printed first. */
export function fleetWarnings(f: FleetComparison): string[] {
  return f.warnings.map((w) => `warning: ${w}`);
}

/** One line per machine: "nobody against root: 40 equivalent, 3 faster, ...". */
export function fleetSummary(f: FleetComparison): string[] {
  return f.perMachine.map((m) => {
    const c = m.counts;
    const parts = [
      c.equivalent > 0 ? `${c.equivalent} equivalent` : '',
      c.faster > 0 ? `${c.faster} faster` : '',
      c.slower > 0 ? `${c.slower} slower` : '',
      c.inconclusive > 0 ? `${c.inconclusive} inconclusive` : '',
    ].filter(Boolean);
    return `${m.label} against ${f.reference} (${f.metric}, ±${pct(f.threshold)}): ${parts.join(', ') || 'nothing compared'}`;
  });
}
