import { EmbeddedSearchIndex } from '../../src/search-index/embedded/embedded-search-index';
import { searchIndexContract } from './search-index.contract';

searchIndexContract('EmbeddedSearchIndex', async () => new EmbeddedSearchIndex());

describe('EmbeddedSearchIndex ping', () => {
  test('when the index is closed (shutdown), then ping fails instead of calling an empty index up', async () => {
    const index = new EmbeddedSearchIndex();
    await expect(index.ping()).resolves.toBeUndefined();
    await index.close();
    await expect(index.ping()).rejects.toThrow('closed');
  });
});
