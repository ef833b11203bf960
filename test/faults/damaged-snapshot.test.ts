// The real server (`node dist/src/main.js`) over a data folder whose index snapshot was damaged
// after a kill -9 (bytes XORed inside its largest sections, as a failing disk or a stray write
// would): the app starts, says it rebuilds from the store, and answers searches.
import fs from 'node:fs';
import path from 'node:path';
import { prepareDataDir, startApp, type AppProcess, type Prepared } from '../../bench/app-process';
import { SNAPSHOT_FILE } from '../../src/search-index';
import { requireBuilt, TEST_PASSWORD_LOG_N } from '../helpers/test-app';

describe('when the index snapshot in the data folder is damaged', () => {
  let data: Prepared;
  let app: AppProcess | undefined;

  beforeAll(async () => {
    requireBuilt('src/main.js');
    data = await prepareDataDir({ orgs: 10, users: 100, agents: 1, passwordLogN: TEST_PASSWORD_LOG_N });
  }, 120_000);
  afterAll(() => {
    if (app && app.child.exitCode === null && app.child.signalCode === null) app.child.kill('SIGKILL');
    fs.rmSync(data.dataDir, { recursive: true, force: true });
  });

  const search = async (q: string) => {
    const res = await fetch(`${app!.url}/api/v1/search?q=${encodeURIComponent(q)}`, { headers: { authorization: `Bearer ${data.tokens[0]}` } });
    return { status: res.status, hits: ((await res.json()) as { hits: Array<{ id: string }> }).hits };
  };

  test('then the app starts, logs that it rebuilds the index from the store, and answers searches', async () => {
    app = await startApp(data.dataDir, data.env);
    await app.waitForLog('search index snapshot saved', 60_000);
    const user = data.users[0]!;
    expect((await search(user.email)).hits[0]?.id).toBe(user.id);
    app.child.kill('SIGKILL');
    await app.exited;

    const file = path.join(data.dataDir, SNAPSHOT_FILE);
    const bytes = fs.readFileSync(file);
    for (const at of [0.45, 0.6, 0.75, 0.9]) {
      const from = Math.floor(bytes.length * at);
      for (let i = from; i < from + 64; i++) bytes[i]! ^= 0x5a;
    }
    fs.writeFileSync(file, bytes);

    app = await startApp(data.dataDir, data.env);
    const warning = await app.waitForLog('search index snapshot unreadable: rebuilding from the store', 10_000);
    expect(warning).toMatchObject({ level: 40, err: { message: expect.stringMatching(/^search index snapshot is damaged: section \d+ checksum mismatch$/) } });
    await app.waitForLog('search index ready', 60_000);
    for (const q of ['First12', user.email, 'a', 'zzzz']) expect((await search(q)).status).toBe(200);
    expect((await search(user.email)).hits[0]?.id).toBe(user.id);

    app.child.kill('SIGTERM');
    expect(await app.exited).toEqual({ code: 0, signal: null });
  }, 120_000);
});
