// A second app process on the same store, as behind a load balancer: its own Express app, its own
// middleware instances, sharing only what the store shares.
import type { Express } from 'express';
import { createApp } from '../../src/app';
import { createLogger } from '../../src/logger';
import { TEST_PASSWORD_LOG_N, type TestApp } from '../helpers/test-app';

export const secondApp = (t: TestApp): Express => createApp({
  config: t.config, store: t.store, search: t.search, clock: t.clock, logger: createLogger('silent'), mailer: t.mailer,
  passwordLogN: TEST_PASSWORD_LOG_N,
});
