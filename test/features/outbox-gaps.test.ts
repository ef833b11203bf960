// A gap in the change outbox's sequence: a store hands out a seq before the write commits, so a
// slow write's change can appear after a later one (MongoDB steps over such a gap once it is
// SETTLE_MS old). Here the embedded store's outbox hides one change until "its write commits",
// exactly what the indexer sees on MongoDB, and the indexer must neither lose it nor stay silent.
import { Writable } from 'node:stream';
import { createLogger } from '../../src/logger';
import { EmbeddedSearchIndex } from '../../src/search-index/embedded/embedded-search-index';
import { GAP_RECHECK_MS, Indexer } from '../../src/search-index/indexer';
import { EmbeddedStore } from '../../src/store/embedded/embedded-store';
import type { Store } from '../../src/store/store';
import * as f from '../helpers/factories';

/** The store with some seqs not visible yet, as uncommitted transactions are. */
function withUncommitted(store: EmbeddedStore, hidden: Set<number>): Store {
  const changes = {
    ...store.changes,
    listAfter: async (after: number, limit: number) =>
      (await store.changes.listAfter(after, limit + hidden.size)).filter((c) => !hidden.has(c.seq)).slice(0, limit),
  };
  return new Proxy(store, {
    get: (target, key) => {
      if (key === 'changes') return changes;
      const value = Reflect.get(target, key) as unknown;
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}

describe('when a slow write\'s change appears in the outbox after a later one was applied', () => {
  let store: EmbeddedStore;
  let index: EmbeddedSearchIndex;
  let indexer: Indexer;
  let logs: Array<{ level: number; msg: string }>;
  const hidden = new Set<number>();
  const titles = async (q: string) => (await index.search({ q, partnerId: 'p-north' })).hits.map((h) => h.title);

  beforeEach(async () => {
    hidden.clear();
    logs = [];
    store = new EmbeddedStore(':memory:');
    await store.partners.upsert({ id: 'p-north', name: 'Northwind' });
    index = new EmbeddedSearchIndex();
    const sink = new Writable({ write(chunk, _enc, done) { logs.push(JSON.parse(String(chunk))); done(); } });
    indexer = new Indexer(withUncommitted(store, hidden), index, createLogger('info', sink), { gapRecheckEveryMs: 0 });
    await indexer.rebuild();
  });
  afterEach(() => store.close());

  async function slowThenFast() {
    const slow = f.org('p-north', { name: 'Slowpoke Ltd' });
    await store.orgs.upsert(slow);
    const slowSeq = await store.changes.latestSeq();
    hidden.add(slowSeq);
    await store.orgs.upsert(f.org('p-north', { name: 'Quickstep Inc' }));
    await indexer.catchUp();
    return slowSeq;
  }

  test('then the indexer logs the gap it stepped over, and applies the change once it commits', async () => {
    const slowSeq = await slowThenFast();
    expect(await titles('quickstep')).toEqual(['Quickstep Inc']);
    expect(await titles('slowpoke')).toEqual([]);
    expect(indexer.gapStats).toEqual({ skipped: 1, appliedLate: 0, open: 1, givenUp: 0 });
    expect(logs.find((l) => l.msg.includes('stepped over a gap'))).toMatchObject({ from: slowSeq, to: slowSeq });

    hidden.delete(slowSeq);
    expect(await indexer.catchUp()).toBe(1);

    expect(await titles('slowpoke')).toEqual(['Slowpoke Ltd']);
    expect(indexer.gapStats).toEqual({ skipped: 1, appliedLate: 1, open: 0, givenUp: 0 });
    expect(logs.find((l) => l.msg.includes('applied now'))).toMatchObject({ level: 40, seqs: [slowSeq] });
  });

  test('then a gap that never fills (an aborted write) is given up after GAP_RECHECK_MS, counted, and costs nothing more', async () => {
    await slowThenFast();
    const now = Date.now();
    const clock = jest.spyOn(Date, 'now').mockReturnValue(now + GAP_RECHECK_MS + 1);
    try {
      await indexer.catchUp();
    } finally {
      clock.mockRestore();
    }
    expect(indexer.gapStats).toEqual({ skipped: 1, appliedLate: 0, open: 0, givenUp: 1 });
  });
});
