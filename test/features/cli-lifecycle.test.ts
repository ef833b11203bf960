// The operator's lifecycle commands as they read on a terminal: import --full (with --dry-run and
// --allow-mass-delete), org transfer and erase, run in process against a data folder.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Readable, Writable } from 'node:stream';
import { runCli } from '../../src/cli/cli';
import { EMBEDDED_FILE } from '../../src/store';
import { EmbeddedStore } from '../../src/store/embedded/embedded-store';

const ORG_ID = '0b7e6a4e-5a0c-4c57-9a51-3f1b2f0a9c11';
const userId = (n: number) => `5f0c2d1e-8b7a-4e3c-9d21-${String(n).padStart(12, '0')}`;

function output(isTTY = false) {
  let text = '';
  const stream = Object.assign(new Writable({ write(chunk: Buffer | string, _e, done) { text += chunk.toString(); done(); } }), { isTTY });
  return { stream, text: () => text };
}

describe('helpdesk lifecycle commands', () => {
  let dataDir: string;

  beforeEach(() => { dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'phd-lifecycle-')); });
  afterEach(() => { fs.rmSync(dataDir, { recursive: true, force: true }); });

  async function run(argv: string[], opts: { tty?: boolean } = {}) {
    const stdout = output();
    const stderr = output(opts.tty);
    const code = await runCli(argv, { stdout: stdout.stream, stderr: stderr.stream, stdin: Readable.from([]), env: { DATA_DIR: dataDir } },
      { passwordLogN: 10 });
    return { code, stdout: stdout.text(), stderr: stderr.text() };
  }

  async function withStore<T>(fn: (store: EmbeddedStore) => Promise<T>): Promise<T> {
    const store = new EmbeddedStore(path.join(dataDir, EMBEDDED_FILE));
    try {
      return await fn(store);
    } finally {
      await store.close();
    }
  }

  const partnerLine = { kind: 'partner', id: 'p-north', name: 'Northwind Partners' };
  const orgLine = { kind: 'org', id: ORG_ID, partnerId: 'p-north', name: 'Boulangerie Dupré SARL', status: 'active', createdAt: '2023-04-01T10:00:00Z' };
  const userLine = (n: number, over: object = {}) => ({
    kind: 'user', id: userId(n), orgId: ORG_ID, email: `user${n}@dupre.example`, firstName: 'User', lastName: `Number${n}`,
    status: 'active', createdAt: '2023-04-02T08:00:00Z', ...over,
  });

  function writeFile(name: string, lines: object[]): string {
    const file = path.join(dataDir, name);
    fs.writeFileSync(file, `${lines.map((l) => JSON.stringify(l)).join('\n')}\n`);
    return file;
  }

  /** A partner with one org and ten users. */
  async function seedTen() {
    const file = writeFile('all.ndjson', [partnerLine, orgLine, ...Array.from({ length: 10 }, (_, i) => userLine(i))]);
    expect((await run(['import', file])).code).toBe(0);
  }

  test('when a full sync file leaves out one user of ten, then that user is deleted and the summary says so', async () => {
    await seedTen();
    const file = writeFile('sync.ndjson', [partnerLine, orgLine, ...Array.from({ length: 9 }, (_, i) => userLine(i))]);

    const { code, stdout } = await run(['import', '--full', '--partner', 'p-north', file]);

    expect(code).toBe(0);
    expect(stdout).toContain('Added 0, changed 0, deleted 1; 11 unchanged.');
    expect(stdout).toContain('Full sync of p-north: deleted 1 records the file does not hold (0 orgs, 1 users, 0 devices).');
    await withStore(async (store) => {
      expect(await store.users.count('p-north')).toBe(9);
      expect(await store.users.get('p-north', userId(9))).toBeNull();
    });
  });

  test('when a full sync runs on a terminal, then a progress bar shows the file being read and then the deletions', async () => {
    await seedTen();
    const file = writeFile('sync.ndjson', [partnerLine, orgLine, ...Array.from({ length: 9 }, (_, i) => userLine(i))]);
    const { code, stderr } = await run(['import', '--full', '--partner', 'p-north', file], { tty: true });
    expect(code).toBe(0);
    expect(stderr).toContain('Importing [');
    expect(stderr).toContain('Deleting [');
    expect(stderr).toContain('1/1 records not in the file');
  });

  test('when a full sync is a dry run, then it prints what would be added, changed and deleted and the store is unchanged', async () => {
    await seedTen();
    const file = writeFile('sync.ndjson', [partnerLine, orgLine, userLine(0, { lastName: 'Renamed' }), userLine(42),
      ...Array.from({ length: 8 }, (_, i) => userLine(i + 1))]);

    const { code, stdout } = await run(['import', '--full', '--partner', 'p-north', '--dry-run', file]);

    expect(code).toBe(0);
    expect(stdout).toContain('Dry run: nothing was changed.');
    expect(stdout).toContain('Would add 1, change 1, delete 1; 10 unchanged.');
    expect(stdout).toContain('Full sync of p-north: would delete 1 records the file does not hold (0 orgs, 1 users, 0 devices).');
    await withStore(async (store) => {
      expect(await store.users.count('p-north')).toBe(10);
      expect((await store.users.get('p-north', userId(0)))?.lastName).toBe('Number0');
      expect(await store.users.get('p-north', userId(42))).toBeNull();
    });
  });

  test('when a full sync would delete more than 20 % of the partner, then it refuses and deletes nothing, and --allow-mass-delete lets it', async () => {
    await seedTen();
    const file = writeFile('cut.ndjson', [partnerLine, orgLine, userLine(0), userLine(1)]);

    const refused = await run(['import', '--full', '--partner', 'p-north', file]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/the file leaves out 8 of the partner's 11 records \(72\.7 %: 0 orgs, 8 users, 0 devices\), more than 20 %\. Nothing was deleted/);
    expect(refused.stderr).toContain('--allow-mass-delete');
    await withStore(async (store) => { expect(await store.users.count('p-north')).toBe(10); });

    const allowed = await run(['import', '--full', '--partner', 'p-north', '--allow-mass-delete', file]);
    expect(allowed.code).toBe(0);
    await withStore(async (store) => { expect(await store.users.count('p-north')).toBe(2); });
  });

  test('when --full is given without --partner, then it is a usage error naming the option', async () => {
    const file = writeFile('x.ndjson', [partnerLine]);
    const { code, stderr } = await run(['import', '--full', file]);
    expect(code).toBe(2);
    expect(stderr).toContain('--full needs --partner <id>');
  });

  test('when an org is transferred, then the command says what moved, and an unknown org or partner is named', async () => {
    await seedTen();
    const file = writeFile('south.ndjson', [{ kind: 'partner', id: 'p-south', name: 'Southwind' }]);
    await run(['import', file]);

    const moved = await run(['org', 'transfer', '--org', ORG_ID, '--to', 'p-south']);
    expect(moved.code).toBe(0);
    expect(moved.stdout).toContain(`Org Boulangerie Dupré SARL (${ORG_ID}) moved from p-north to p-south with 10 users and 0 devices`);
    await withStore(async (store) => {
      expect(await store.users.count('p-north')).toBe(0);
      expect(await store.users.count('p-south')).toBe(10);
    });

    expect((await run(['org', 'transfer', '--org', ORG_ID, '--to', 'p-west'])).stderr).toContain('to: no partner with id p-west');
    const unknown = await run(['org', 'transfer', '--org', '00000000-0000-4000-8000-000000000000', '--to', 'p-north']);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('org: no org with id 00000000-0000-4000-8000-000000000000');
  });

  test('when an address is erased, then the command prints what it erased, and a second run erases nothing', async () => {
    await seedTen();

    const first = await run(['erase', '--email', 'USER3@dupre.example']);
    expect(first.code).toBe(0);
    expect(first.stdout).toMatch(/^Erased user3@dupre\.example \(now person-[0-9a-f]{16} in the audit log\): 1 users \(p-north\/5f0c2d1e-8b7a-4e3c-9d21-000000000003 User Number3\)/);
    await withStore(async (store) => { expect(await store.users.get('p-north', userId(3))).toBeNull(); });

    const second = await run(['erase', '--email', 'user3@dupre.example']);
    expect(second.code).toBe(0);
    expect(second.stdout).toContain(': 0 users (none), 0 verifications, no suppression entry, 0 email events');
    // The pseudonym is stable: the same address gives the same one.
    expect(/person-[0-9a-f]{16}/.exec(second.stdout)?.[0]).toBe(/person-[0-9a-f]{16}/.exec(first.stdout)?.[0]);
  });
});
