// Picks the search adapter from configuration (spec 4.2): Meilisearch when MEILI_HOST is set,
// otherwise the in-process engine.
import type { Config } from '../config';
import { EmbeddedSearchIndex } from './embedded/embedded-search-index';
import { MeilisearchSearchIndex } from './meilisearch/meilisearch-search-index';
import type { SearchIndex } from './search-index';

export async function createSearchIndex(config: Pick<Config, 'meili'>): Promise<SearchIndex> {
  if (config.meili) {
    const { host, apiKey } = config.meili;
    return MeilisearchSearchIndex.connect({ host, apiKey });
  }
  return new EmbeddedSearchIndex();
}
