// The load test of `npm run load` (bench/load-mixed.ts) in a few seconds: two real app processes
// on one data folder, mixed traffic, no error. The 2-minute run, its rate and its memory figures
// are in docs/benchmarks.md ("Load"); no time or rate is asserted here.
import fs from 'node:fs';
import path from 'node:path';
import { failures, loadTest } from '../../bench/load-mixed';

describe('when two app processes on one data folder take mixed traffic', () => {
  beforeAll(() => {
    if (!fs.existsSync(path.resolve(__dirname, '../../dist/src/main.js'))) {
      throw new Error('dist/ is missing: `npm test` builds it first (npm run build)');
    }
  });

  test('then every search, page and code send is answered without error', async () => {
    const run = await loadTest({ durationS: 5, connections: 2, orgs: 20, users: 200 });
    expect(failures(run)).toBe(0);
    for (const kind of ['search', 'user page', 'org page', 'code send'] as const) {
      expect(run.byKind[kind].ok).toBeGreaterThan(0);
    }
  }, 240_000);
});
