// Picks the search adapter from configuration (README, Configuration): Meilisearch when MEILI_HOST is set,
// otherwise the in-process engine, which keeps a snapshot of itself in the data folder.
import path from 'node:path';
import type { Config } from '../config';
import { ensurePrivateDir, restrictFiles } from '../data-dir';
import { EMBEDDED_FILE } from '../store';
import { EmbeddedSearchIndex } from './embedded/embedded-search-index';
import { MeilisearchSearchIndex } from './meilisearch/meilisearch-search-index';
import type { SearchIndex } from './search-index';

/** The embedded index's copy in the data folder: a restart loads it and catches up instead of rebuilding. */
export const SNAPSHOT_FILE = 'search-index.snapshot';

export async function createSearchIndex(
  config: Pick<Config, 'meili' | 'dataDir' | 'mongodbUri'>,
  /** Where start-up warnings go (the app's logger; the CLI's standard error). */
  log?: { warn: (message: string) => void },
): Promise<SearchIndex> {
  if (config.meili) {
    const { host, apiKey } = config.meili;
    return MeilisearchSearchIndex.connect({ host, apiKey, onWarning: log && ((message) => log.warn(message)) });
  }
  // The snapshot is written owner-only (snapshot-file.ts); one left by an earlier version is tightened.
  ensurePrivateDir(config.dataDir);
  restrictFiles([path.join(config.dataDir, SNAPSHOT_FILE)]);
  return new EmbeddedSearchIndex({
    snapshotFile: path.join(config.dataDir, SNAPSHOT_FILE),
    // Worker threads can open the embedded store's file themselves (not a MongoDB connection).
    storeFile: config.mongodbUri ? undefined : path.join(config.dataDir, EMBEDDED_FILE),
  });
}
