// Picks the search adapter from configuration (spec 4.2): Meilisearch when MEILI_HOST is set,
// otherwise the in-process engine.
import type { Config } from '../config';
import { EmbeddedSearchIndex } from './embedded/embedded-search-index';
import type { SearchIndex } from './search-index';

export async function createSearchIndex(config: Pick<Config, 'meili'>): Promise<SearchIndex> {
  if (config.meili) {
    throw new Error('MEILI_HOST: the Meilisearch index is not available in this build yet; unset it to use the embedded engine');
  }
  return new EmbeddedSearchIndex();
}
