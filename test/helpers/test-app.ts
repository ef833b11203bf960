// One app per test on the embedded backends: a throwaway SQLite store, the in-process engine,
// a controllable clock, and helpers to sign in as an agent.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import request from 'supertest';
import type { Express } from 'express';
import type { DestinationStream } from 'pino';
import { createApp } from '../../src/app';
import { ManualClock } from '../../src/clock';
import { loadConfig } from '../../src/config';
import { createAuthService } from '../../src/features/auth/auth.service';
import { createLogger } from '../../src/logger';
import type { Mailer } from '../../src/mail/mailer';
import { OutboxMailer } from '../../src/mail/outbox/outbox-mailer';
import { EmbeddedSearchIndex } from '../../src/search-index/embedded/embedded-search-index';
import { Indexer } from '../../src/search-index/indexer';
import { EmbeddedStore } from '../../src/store/embedded/embedded-store';
import type { SearchIndex } from '../../src/search-index/search-index';
import type { AgentRole, Store } from '../../src/store/store';
import { checkWithMongooseSchemas } from './mongoose-checked-store';
import { checkAnswersAgainstDocument } from './api-contract';

export const TEST_PASSWORD_LOG_N = 10;
export const PASSWORD = 'correct horse battery staple';

/**
 * For tests that run the built app or CLI (`node dist/...`): `npm test` builds first, a bare
 * `jest` may not. Fails with that explanation instead of a process that cannot start.
 */
export function requireBuilt(file: 'src/main.js' | 'src/cli/main.js'): void {
  if (!fs.existsSync(path.resolve(__dirname, '../../dist', file))) {
    throw new Error('dist/ is missing: `npm test` builds it first (npm run build)');
  }
}

export function tempDir(prefix = 'helpdesk-test-'): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

export interface TestAppOptions {
  dataDir?: string;
  storeFile?: string;
  /** Defaults to the outbox in the test's store. */
  mailer?: (store: EmbeddedStore, clock: ManualClock) => Mailer;
  /** Where the app's logs go (e.g. a memory stream a test reads); level from `logLevel`. */
  logStream?: DestinationStream;
  logLevel?: string;
  /** More configuration (README, Configuration), e.g. MAIL_WEBHOOK_SECRET. */
  env?: Record<string, string>;
  /** What the app and the indexer use instead of the store or the index, e.g. a wrapper that fails on demand. */
  wrapStore?: (store: EmbeddedStore) => Store;
  wrapSearch?: (search: EmbeddedSearchIndex) => SearchIndex;
  /** scrypt cost (log2 N) of the app's hashes; tests keep it low unless the cost is the point. */
  passwordLogN?: number;
}

export async function buildTestApp(options: TestAppOptions = {}) {
  const dataDir = options.dataDir ?? tempDir();
  const config = loadConfig({ ...options.env, NODE_ENV: 'test', DATA_DIR: dataDir, LOG_LEVEL: 'silent' });
  // Every write is also validated by the mongoose schemas: what MongoDB would refuse fails the test.
  const store = checkWithMongooseSchemas(new EmbeddedStore(options.storeFile ?? ':memory:'));
  const search = new EmbeddedSearchIndex();
  const clock = new ManualClock(new Date());
  const logger = createLogger(options.logLevel ?? process.env.TEST_LOG_LEVEL ?? 'silent', options.logStream);
  const mailer = options.mailer?.(store, clock) ?? new OutboxMailer(store, clock);
  const appStore = options.wrapStore?.(store) ?? store;
  const appSearch = options.wrapSearch?.(search) ?? search;
  const app = createApp({ config, store: appStore, search: appSearch, clock, logger, mailer, passwordLogN: options.passwordLogN ?? TEST_PASSWORD_LOG_N,
    // Every API answer is also checked against the OpenAPI document: one it does not allow fails the test.
    inspect: checkAnswersAgainstDocument });
  const indexer = new Indexer(appStore, appSearch, logger);
  const auth = createAuthService(store, clock, TEST_PASSWORD_LOG_N);

  return {
    app, store, search, clock, indexer, auth, config, mailer,
    /** Applies pending store changes to the search index (the running app does this every 500 ms). */
    sync: () => indexer.catchUp(),
    async addAgent(partnerId: string, email: string, role: AgentRole = 'helpdesk') {
      return auth.createAgent({ partnerId, email, name: email.split('@')[0], role, password: PASSWORD });
    },
    async apiToken(email: string) {
      return (await auth.createToken(email, 'test')).token;
    },
    async close() {
      await mailer.close();
      await store.close();
    },
  };
}

export type TestApp = Awaited<ReturnType<typeof buildTestApp>>;

export const csrfFrom = (html: string): string => {
  const m = /name="_csrf" value="([^"]+)"/.exec(html);
  if (!m) throw new Error('no CSRF token in page');
  return m[1];
};

/** A cookie-keeping client signed in as `email`. */
export async function signIn(app: Express, email: string, password = PASSWORD) {
  const agent = request.agent(app);
  const page = await agent.get('/login').expect(200);
  const res = await agent.post('/login').type('form').send({ email, password, _csrf: csrfFrom(page.text) });
  if (res.status !== 303) throw new Error(`sign-in failed with ${res.status}`);
  return agent;
}
