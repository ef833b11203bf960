// The SearchIndex contract on a real Meilisearch server, when MEILI_HOST names one (MEILI_API_KEY
// if it needs a key). Each test gets its own index, deleted afterwards. Without MEILI_HOST the suite
// is skipped and test/helpers/global-setup.ts says so: nothing here stands in for the server.
import { randomBytes } from 'node:crypto';
import { MeilisearchSearchIndex } from '../../src/search-index/meilisearch/meilisearch-search-index';
import { searchIndexContract } from './search-index.contract';

const host = process.env.MEILI_HOST;

if (host) {
  const run = randomBytes(4).toString('hex');
  let n = 0;
  const open = new Set<MeilisearchSearchIndex>();
  searchIndexContract(
    `MeilisearchSearchIndex (${host})`,
    async () => {
      const index = await MeilisearchSearchIndex.connect({
        host, apiKey: process.env.MEILI_API_KEY, indexUid: `helpdesk_test_${run}_${++n}`, timeoutMs: 5000,
      });
      open.add(index);
      return index;
    },
    async () => {
      for (const index of open) await index.drop();
      open.clear();
    },
  );
} else {
  describe.skip('MeilisearchSearchIndex contract (skipped: MEILI_HOST not set)', () => {
    test('runs the SearchIndex contract against a Meilisearch server', () => undefined);
  });
}
