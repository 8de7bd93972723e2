import { it } from 'vitest';
import { compareDocuments } from '../src/compare.js';
import { welchTest } from '../src/stats.js';
import { expand, loadSuite } from '../src/suite.js';
import { runDocument } from './helpers/fixtures.js';

const suite = loadSuite('ci');
const SC = expand(suite);
const B = { minWindows: suite.budget.minWindows, maxWindows: suite.budget.maxWindows, warmupWindows: 1, timeMs: 1e9, windowMs: suite.budget.windowMs };
it('rates', async () => {
  for (const noise of [0.02, 0.1]) {
    let holm = 0, raw = 0;
    const t0 = Date.now();
    for (let seed = 1; seed <= 100; seed++) {
      const a = await runDocument(SC, { seed, mock: { noise }, budget: B });
      const b = await runDocument(SC, { seed: seed + 100000, mock: { noise }, budget: B });
      const r = compareDocuments(a, b, { metric: 'throughput', threshold: 0, basePath: 'a', currentPath: 'b' });
      if (r.regressed > 0) holm++;
      if (r.rows.some((row) => row.pValue !== null && row.pValue < 0.01 && (row.ratio ?? 1) < 1)) raw++;
    }
    console.log('A/A noise', noise, 'holm flagged', holm, 'raw flagged', raw, 'ms', Date.now() - t0);
    for (const f of [1.2, 1.05, 1.02]) {
      let hit = 0;
      for (let seed = 1; seed <= 30; seed++) {
        const a = await runDocument(SC, { seed, mock: { noise }, budget: B });
        const b = await runDocument(SC, { seed: seed + 100000, mock: { noise, nsPerOp: { 'msg.pingpong': 2000 * f } }, budget: B });
        const r = compareDocuments(a, b, { metric: 'throughput', threshold: 0, basePath: 'a', currentPath: 'b' });
        if (r.rows.filter((x) => x.id.startsWith('msg.pingpong')).every((x) => x.verdict === 'regressed')) hit++;
      }
      console.log(' power factor', f, hit, '/30');
    }
  }
}, 600000);
