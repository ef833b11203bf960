// The Store contract on MongoDB, when a server is configured (MONGODB_URI). Each run gets a database
// of its own, named after the URI's with a random suffix, and drops it at the end. No server, no
// run: nothing here stands in for MongoDB (test/helpers/global-setup.ts prints the skip notice).
import crypto from 'node:crypto';
import { MongooseStore } from '../../src/store/mongoose/mongoose-store';
import { storeContract } from './store.contract';

const uri = process.env.MONGODB_URI;

/** The URI's database name (or "helpdesk"), plus a random suffix; MongoDB allows 63 bytes. */
function freshDbName(from: string): string {
  const named = /^mongodb(?:\+srv)?:\/\/[^/]+\/([^?]+)/.exec(from)?.[1];
  return `${(named ?? 'helpdesk').slice(0, 40)}-contract-${crypto.randomBytes(4).toString('hex')}`;
}

const quiet = { warn: () => undefined, info: () => undefined };

if (uri) {
  storeContract(
    'MongooseStore',
    () => MongooseStore.connect(uri, quiet, { dbName: freshDbName(uri), attempts: 2 }),
    async (s) => {
      await s.connection.dropDatabase();
      await s.close();
    },
  );
} else {
  describe.skip('Store contract: MongooseStore (skipped: MONGODB_URI not set)', () => {
    test('needs a MongoDB server', () => undefined);
  });
}
