// The load test of `npm run load` (bench/load-mixed.ts) in a few seconds: two real app processes
// on one data folder, mixed traffic, no error. The 2-minute run, its rate and its memory figures
// are in docs/benchmarks.md ("Load"); no time or rate is asserted here.
import { failures, loadTest } from '../../bench/load-mixed';
import { requireBuilt } from '../helpers/test-app';

describe('when two app processes on one data folder take mixed traffic', () => {
  beforeAll(() => {
    requireBuilt('src/main.js');
  });

  test('then every search, page and code send is answered without error', async () => {
    const run = await loadTest({ durationS: 5, connections: 2, orgs: 20, users: 200 });
    expect(failures(run)).toBe(0);
    for (const kind of ['search', 'user page', 'org page', 'code send'] as const) {
      expect(run.byKind[kind].ok).toBeGreaterThan(0);
    }
  }, 240_000);
});
