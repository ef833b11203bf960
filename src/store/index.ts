// Picks the store adapter from configuration (README, Configuration): MongoDB when MONGODB_URI is set,
// otherwise the embedded single-file store in DATA_DIR.
import path from 'node:path';
import type { Config } from '../config';
import { ensurePrivateDir } from '../data-dir';
import { EmbeddedStore } from './embedded/embedded-store';
import { MongooseStore } from './mongoose/mongoose-store';
import type { Store } from './store';

export const EMBEDDED_FILE = 'helpdesk.sqlite';

export async function createStore(config: Pick<Config, 'dataDir' | 'mongodbUri'>): Promise<Store> {
  if (config.mongodbUri) {
    return MongooseStore.connect(config.mongodbUri);
  }
  ensurePrivateDir(config.dataDir);
  return new EmbeddedStore(path.join(config.dataDir, EMBEDDED_FILE));
}
