// The data folder holds password hashes, sessions, generated secrets and (outbox mode) every mail
// body: another account on the host must not read any of it. Checked on the real server started
// on a data folder that does not exist yet, and on a folder an earlier version left readable.
import fs from 'node:fs';
import path from 'node:path';
import { startApp, type AppProcess } from '../../bench/app-process';
import { loadConfig } from '../../src/config';
import { createSearchIndex, SNAPSHOT_FILE } from '../../src/search-index';
import { createStore, EMBEDDED_FILE } from '../../src/store';
import { EmbeddedStore } from '../../src/store/embedded/embedded-store';
import { requireBuilt, tempDir } from '../helpers/test-app';

const modeOf = (file: string) => (fs.statSync(file).mode & 0o777).toString(8);
const modesIn = (dir: string) => Object.fromEntries(fs.readdirSync(dir).map((name) => [name, modeOf(path.join(dir, name))]));

async function until(check: () => boolean, timeoutMs: number): Promise<void> {
  for (const end = Date.now() + timeoutMs; !check(); await new Promise((r) => setTimeout(r, 200))) {
    if (Date.now() > end) throw new Error(`not within ${timeoutMs} ms`);
  }
}

describe('data folder permissions', () => {
  let root: string;
  let app: AppProcess | undefined;
  beforeEach(() => { root = tempDir('helpdesk-perms-'); });
  afterEach(async () => {
    if (app && app.child.exitCode === null && app.child.signalCode === null) {
      app.child.kill('SIGKILL');
      await app.exited;
    }
    app = undefined;
    fs.rmSync(root, { recursive: true, force: true });
  });

  test('when the app starts on a data folder that does not exist, then the folder is 0700 and the store, its WAL and SHM, the secrets and the index snapshot are 0600', async () => {
    requireBuilt('src/main.js');
    const dataDir = path.join(root, 'var', 'helpdesk');

    app = await startApp(dataDir);
    const snapshot = path.join(dataDir, SNAPSHOT_FILE);
    await until(() => fs.existsSync(snapshot), 120_000);

    expect(modeOf(dataDir)).toBe('700');
    const modes = modesIn(dataDir);
    expect(Object.keys(modes)).toEqual(expect.arrayContaining([
      EMBEDDED_FILE, `${EMBEDDED_FILE}-wal`, `${EMBEDDED_FILE}-shm`, 'secrets.json', SNAPSHOT_FILE,
    ]));
    for (const [name, mode] of Object.entries(modes)) expect(`${name} ${mode}`).toBe(`${name} 600`);
  }, 180_000);

  test('when a data folder an earlier version left readable is opened, then the folder and every file in it become owner-only', async () => {
    const dataDir = path.join(root, 'data');
    fs.mkdirSync(dataDir, { mode: 0o755 });
    fs.chmodSync(dataDir, 0o755);
    const file = path.join(dataDir, EMBEDDED_FILE);
    fs.writeFileSync(file, '', { mode: 0o644 });
    fs.writeFileSync(path.join(dataDir, SNAPSHOT_FILE), 'old', { mode: 0o644 });
    fs.writeFileSync(path.join(dataDir, 'secrets.json'), JSON.stringify({ sessionSecret: 's'.repeat(43), codeSecret: 'c'.repeat(43) }), { mode: 0o644 });
    // An earlier process still has the store open: its WAL and SHM exist, readable by all.
    const earlier = new EmbeddedStore(file);
    for (const name of [EMBEDDED_FILE, `${EMBEDDED_FILE}-wal`, `${EMBEDDED_FILE}-shm`]) fs.chmodSync(path.join(dataDir, name), 0o644);
    fs.chmodSync(path.join(dataDir, SNAPSHOT_FILE), 0o644);
    fs.chmodSync(path.join(dataDir, 'secrets.json'), 0o644);

    const config = loadConfig({ NODE_ENV: 'test', DATA_DIR: dataDir, LOG_LEVEL: 'silent' });
    const store = await createStore(config);
    await createSearchIndex(config);
    try {
      expect(modeOf(dataDir)).toBe('700');
      expect(modesIn(dataDir)).toEqual({
        [EMBEDDED_FILE]: '600', [`${EMBEDDED_FILE}-wal`]: '600', [`${EMBEDDED_FILE}-shm`]: '600', [SNAPSHOT_FILE]: '600', 'secrets.json': '600',
      });
    } finally {
      await store.close();
      await earlier.close();
    }
  });
});
