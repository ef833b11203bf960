// One app per test on the embedded backends: a throwaway SQLite store, the in-process engine,
// a controllable clock, and helpers to sign in as an agent.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import request from 'supertest';
import type { Express } from 'express';
import { createApp } from '../../src/app';
import { ManualClock } from '../../src/clock';
import { loadConfig } from '../../src/config';
import { createAuthService } from '../../src/features/auth/auth.service';
import { createLogger } from '../../src/logger';
import { EmbeddedSearchIndex } from '../../src/search-index/embedded/embedded-search-index';
import { Indexer } from '../../src/search-index/indexer';
import { EmbeddedStore } from '../../src/store/embedded/embedded-store';
import type { AgentRole } from '../../src/store/store';

export const TEST_PASSWORD_LOG_N = 10;
export const PASSWORD = 'correct horse battery staple';

export function tempDir(prefix = 'helpdesk-test-'): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

export async function buildTestApp(options: { dataDir?: string; storeFile?: string } = {}) {
  const dataDir = options.dataDir ?? tempDir();
  const config = loadConfig({ NODE_ENV: 'test', DATA_DIR: dataDir, LOG_LEVEL: 'silent' });
  const store = new EmbeddedStore(options.storeFile ?? ':memory:');
  const search = new EmbeddedSearchIndex();
  const clock = new ManualClock(new Date());
  const logger = createLogger(process.env.TEST_LOG_LEVEL ?? 'silent');
  const app = createApp({ config, store, search, clock, logger, passwordLogN: TEST_PASSWORD_LOG_N });
  const indexer = new Indexer(store, search, logger);
  const auth = createAuthService(store, clock, TEST_PASSWORD_LOG_N);

  return {
    app, store, search, clock, indexer, auth, config,
    /** Applies pending store changes to the search index (the running app does this every 500 ms). */
    sync: () => indexer.catchUp(),
    async addAgent(partnerId: string, email: string, role: AgentRole = 'helpdesk') {
      return auth.createAgent({ partnerId, email, name: email.split('@')[0], role, password: PASSWORD });
    },
    async apiToken(email: string) {
      return (await auth.createToken(email, 'test')).token;
    },
    close: () => store.close(),
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
