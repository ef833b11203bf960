// Reliability: the `helpdesk import` process is killed (SIGKILL, no chance to clean up) in the
// middle of a large file while the app's indexer follows the store. Importing the same file again
// finishes the job with nothing duplicated, and the index ends equal to the store.
import path from 'node:path';
import { generateDemoData } from '../../src/demo/demo-data';
import { createLogger } from '../../src/logger';
import { EmbeddedSearchIndex } from '../../src/search-index/embedded/embedded-search-index';
import { Indexer } from '../../src/search-index/indexer';
import { EMBEDDED_FILE } from '../../src/store';
import { EmbeddedStore } from '../../src/store/embedded/embedded-store';
import { importAll, runImport, waitFor } from '../helpers/cli-import';
import { indexMismatches, recordingSearchIndex } from '../helpers/faults';
import { requireBuilt, tempDir } from '../helpers/test-app';

describe('when the import process is killed in the middle of a file', () => {
  let dataDir: string;
  let store: EmbeddedStore;
  let indexer: Indexer;

  beforeAll(() => {
    requireBuilt('src/cli/main.js');
  });
  afterEach(async () => {
    await indexer?.stop();
    await store?.close();
  });

  test('then importing it again completes it, nothing is duplicated and the index equals the store', async () => {
    dataDir = tempDir();
    const expected = { org: new Set<string>(), user: new Set<string>(), device: new Set<string>(), suppression: new Set<string>(), event: new Set<string>() };
    const lines: string[] = [];
    for (const r of generateDemoData({ orgs: 60, users: 2500, seed: 7 })) {
      lines.push(JSON.stringify(r));
      if (r.kind === 'org' || r.kind === 'user' || r.kind === 'device') expected[r.kind].add(r.id);
      else if (r.kind === 'suppression') expected.suppression.add(r.email.toLowerCase());
      else if (r.kind === 'email_event') expected.event.add(`${r.email.toLowerCase()} ${r.type} ${r.messageKind} ${Date.parse(r.at)}`);
    }

    // The running app's side: the store file and an indexer following its outbox.
    store = new EmbeddedStore(path.join(dataDir, EMBEDDED_FILE));
    const recorded = recordingSearchIndex(new EmbeddedSearchIndex());
    indexer = new Indexer(store, recorded.index, createLogger('silent'), { intervalMs: 200 });
    await indexer.rebuild();
    indexer.start();

    // The import is fed the first half of the file through stdin and killed once some of its batches
    // are committed: it cannot have reached the end, since the rest was never given to it.
    const first = runImport(dataDir);
    first.feed(lines.slice(0, Math.floor(lines.length / 2)));
    expect(await waitFor(async () => (await store.users.count()) > 0, first)).toBe('held');
    first.child.kill('SIGKILL');
    expect(await first.exited).toMatchObject({ signal: 'SIGKILL' });
    const partial = await store.users.count();
    expect(partial).toBeGreaterThan(0);
    expect(partial).toBeLessThan(expected.user.size);

    const second = await importAll(dataDir, lines);
    expect(second).toMatchObject({ code: 0, signal: null });

    const count = (table: string) => (store.db.prepare(`SELECT COUNT(*) AS n FROM ${table}`).get() as { n: number }).n;
    expect({
      orgs: count('orgs'), users: count('users'), devices: count('devices'), suppressions: count('suppressions'), events: count('email_events'),
    }).toEqual({
      orgs: expected.org.size, users: expected.user.size, devices: expected.device.size,
      suppressions: expected.suppression.size, events: expected.event.size,
    });
    for (const kind of ['org', 'user', 'device'] as const) {
      const ids = new Set((store.db.prepare(`SELECT id FROM ${kind}s`).all() as Array<{ id: string }>).map((r) => r.id));
      expect(ids).toEqual(expected[kind]);
    }

    // The follower caught every change of both runs, the killed one's committed batches included.
    await indexer.stop();
    await indexer.catchUp();
    // Every document written is compared with the store; a search per record would take minutes here,
    // so the engine itself is checked on 200 records spread over the store and on its count.
    expect(await indexMismatches(store, recorded.index, { told: recorded.told, sample: 200 })).toEqual([]);
  }, 240_000);
});
