import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Readable, Writable } from 'node:stream';
import { runCli } from '../../src/cli/cli';
import { EmbeddedStore } from '../../src/store/embedded/embedded-store';
import { EMBEDDED_FILE, createStore } from '../../src/store';
import type { Store } from '../../src/store/store';

const ORG_ID = '0b7e6a4e-5a0c-4c57-9a51-3f1b2f0a9c11';
const USER_ID = '5f0c2d1e-8b7a-4e3c-9d21-7a6b5c4d3e2f';

function output(isTTY = false) {
  let text = '';
  const stream = Object.assign(new Writable({
    write(chunk: Buffer | string, _encoding, done) { text += chunk.toString(); done(); },
  }), { isTTY });
  return { stream, text: () => text };
}

describe('helpdesk CLI', () => {
  let dataDir: string;
  let env: Record<string, string | undefined>;

  beforeEach(() => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'phd-cli-'));
    // NODE_ENV is left unset on purpose: the CLI must run with no configuration but DATA_DIR.
    env = { DATA_DIR: dataDir };
  });
  afterEach(() => { fs.rmSync(dataDir, { recursive: true, force: true }); });

  async function run(argv: string[], opts: { stdin?: string; env?: Record<string, string>; stderrIsTTY?: boolean; openStore?: typeof createStore } = {}) {
    const stdout = output();
    const stderr = output(opts.stderrIsTTY);
    const code = await runCli(argv, {
      stdout: stdout.stream,
      stderr: stderr.stream,
      stdin: Readable.from(opts.stdin === undefined ? [] : [Buffer.from(opts.stdin)]),
      env: { ...env, ...opts.env },
    }, { passwordLogN: 10, openStore: opts.openStore });
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

  function writeFile(name: string, lines: Array<object | string>): string {
    const file = path.join(dataDir, name);
    fs.writeFileSync(file, lines.map((l) => (typeof l === 'string' ? l : JSON.stringify(l))).join('\n') + '\n');
    return file;
  }

  const partnerLine = { kind: 'partner', id: 'p-north', name: 'Northwind Partners' };
  const orgLine = {
    kind: 'org', id: ORG_ID, partnerId: 'p-north', name: 'Boulangerie Dupré SARL', status: 'active', createdAt: '2023-04-01T10:00:00Z',
  };
  const userLine = {
    kind: 'user', id: USER_ID, orgId: ORG_ID, email: 'helene.dupre@dupre.example', firstName: 'Hélène', lastName: 'Dupré',
    displayName: 'Hélène Dupré', status: 'active', createdAt: '2023-04-02T08:00:00Z', roles: ['full_admin'],
  };

  it('when seed runs with small sizes, then the demo data is stored and the demo accounts are printed with passwords', async () => {
    const result = await run(['seed', '--orgs', '5', '--users', '20', '--seed', '7']);

    expect(result.code).toBe(0);
    expect(result.stdout).toContain('org 5, user 20');
    expect(result.stdout).toMatch(/admin@northwind\.example {2}partner_admin {2}p-north {2}[A-Za-z0-9_-]{20}\n/);
    expect(result.stdout).toMatch(/agent@southwind\.example {2}helpdesk {2}p-south {2}[A-Za-z0-9_-]{20}\n/);
    await withStore(async (store) => {
      expect(await store.orgs.count()).toBe(5);
      expect(await store.users.count()).toBe(20);
    });
  });

  it('when seed runs twice, then the existing accounts keep their passwords and none is printed', async () => {
    await run(['seed', '--orgs', '3', '--users', '6']);

    const again = await run(['seed', '--orgs', '3', '--users', '6']);

    expect(again.code).toBe(0);
    expect(again.stdout).toContain('admin@northwind.example  partner_admin  p-north  (existed already; password unchanged)');
  });

  it('when an imported file has good and bad lines, then it exits 1, names each bad line and keeps the good ones', async () => {
    const file = writeFile('mixed.ndjson', [partnerLine, orgLine, '{not json', { ...userLine, status: 'enabled' }, userLine]);

    const result = await run(['import', file]);

    expect(result.code).toBe(1);
    expect(result.stdout).toContain('Read 5 lines: 3 records imported (partner 1, org 1, user 1), 2 failed.');
    expect(result.stdout).toMatch(/^line 3: invalid JSON: /m);
    expect(result.stdout).toMatch(/^line 4: status: Invalid option/m);
    expect(result.stderr).toBe('');
    await withStore(async (store) => {
      expect(await store.users.get('p-north', USER_ID)).toMatchObject({ displayName: 'Hélène Dupré' });
    });
  });

  it('when every line is good, then import exits 0', async () => {
    const file = writeFile('good.ndjson', [partnerLine, orgLine, userLine]);

    const result = await run(['import', file]);

    expect(result.code).toBe(0);
    expect(result.stdout).toContain('3 records imported');
  });

  it('when the file is -, then the records are read from standard input', async () => {
    const stdin = [partnerLine, orgLine].map((l) => JSON.stringify(l)).join('\n');

    const result = await run(['import', '-'], { stdin });

    expect(result.code).toBe(0);
    await withStore(async (store) => { expect(await store.orgs.count()).toBe(1); });
  });

  it('when standard error is a terminal, then a progress bar is drawn there', async () => {
    const file = writeFile('good.ndjson', [partnerLine, orgLine]);

    const result = await run(['import', file], { stderrIsTTY: true });

    expect(result.code).toBe(0);
    expect(result.stderr).toContain('Importing');
  });

  /** The real store, whose record writes fail as SQLite does on a full disk once `writes` of them went through. */
  const fullAfter = (writes: number): typeof createStore => async (config) => {
    const store = await createStore(config);
    let left = writes;
    const full = () => {
      if (left-- > 0) return;
      throw Object.assign(new Error('database or disk is full'), { name: 'SqliteError', code: 'SQLITE_FULL' });
    };
    const failing = <R extends object>(repo: R): R => new Proxy(repo, {
      get: (target, key) => {
        const value = Reflect.get(target, key) as unknown;
        if (key !== 'upsert' || typeof value !== 'function') return value;
        return (...args: unknown[]) => { full(); return (value as (...a: unknown[]) => unknown).apply(target, args); };
      },
    });
    const repos = new Set<PropertyKey>(['partners', 'orgs', 'users', 'devices']);
    return new Proxy(store, {
      get: (target, key) => (repos.has(key) ? failing(Reflect.get(target, key) as object) : Reflect.get(target, key)),
    }) as Store;
  };

  it('when the disk fills during an import, then it says how many records were saved, from which line to resume, and that rerunning the file is safe', async () => {
    const users = Array.from({ length: 1198 }, (_, i) => ({
      ...userLine, id: `${USER_ID.slice(0, 24)}${String(i).padStart(12, '0')}`, email: `user${i}@dupre.example`, displayName: `User ${i}`,
    }));
    const file = writeFile('big.ndjson', [partnerLine, orgLine, 'not json', ...users.slice(1)]);

    // Records are saved 500 at a time: the first batch (lines 1 to 501, one of them bad) is
    // committed, the second fails at its 200th record and is undone.
    const stopped = await run(['import', file], { openStore: fullAfter(699) });

    expect(stopped.code).toBe(1);
    expect(stopped.stderr).toContain('error: import stopped at line 701: database or disk is full');
    expect(stopped.stderr).toContain('Before it stopped: 500 records saved (partner 1, org 1, user 498), 1 failed (listed below).');
    expect(stopped.stderr).toContain('Every line before line 502 is done; from line 502 on, nothing is guaranteed saved.');
    expect(stopped.stderr).toContain('The disk is full: free some space, then run the same import again with the same file.');
    expect(stopped.stderr).toContain('records already saved are updated in place, never duplicated');
    expect(stopped.stderr).toMatch(/line 3: invalid JSON/);
    await withStore(async (store) => expect(await store.users.count()).toBe(498));

    const again = await run(['import', file]);

    expect(again.code).toBe(1); // the bad line is still bad
    expect(again.stdout).toContain('Read 1200 lines: 1199 records imported (partner 1, org 1, user 1197), 1 failed.');
    await withStore(async (store) => expect(await store.users.count()).toBe(1197));
  });

  it('when the import file does not exist, then it exits 2 naming the file', async () => {
    const result = await run(['import', path.join(dataDir, 'missing.ndjson')]);

    expect(result.code).toBe(2);
    expect(result.stderr).toContain('missing.ndjson');
  });

  it('when an agent is added with the password on standard input, then token create prints only a phd_ token', async () => {
    await run(['seed', '--orgs', '2', '--users', '2']);

    const added = await run(
      ['agent', 'add', '--partner', 'p-north', '--email', 'Lea@Northwind.example', '--name', 'Léa Martin', '--role', 'helpdesk'],
      { stdin: 'correct horse battery staple\nsecond line ignored\n' },
    );
    const token = await run(['token', 'create', '--email', 'lea@northwind.example']);

    expect(added.code).toBe(0);
    expect(added.stdout).toContain('lea@northwind.example');
    expect(added.stdout).not.toContain('correct horse');
    expect(token.code).toBe(0);
    expect(token.stdout).toMatch(/^phd_[A-Za-z0-9_-]{40,}\n$/);
    await withStore(async (store) => {
      const agent = await store.agents.getByEmail('lea@northwind.example');
      expect(agent).toMatchObject({ partnerId: 'p-north', role: 'helpdesk', name: 'Léa Martin' });
      expect(await store.apiTokens.listByPartner('p-north')).toHaveLength(1);
    });
  });

  it('when token create --integration --partner is run, then it prints a token once, stored hashed as an integration token of that partner', async () => {
    await run(['seed', '--orgs', '2', '--users', '2']);

    const created = await run(['token', 'create', '--integration', '--partner', 'p-north', '--name', 'crm sync']);
    const withoutPartner = await run(['token', 'create', '--integration']);
    const unknownPartner = await run(['token', 'create', '--integration', '--partner', 'p-nowhere']);

    expect(created.code).toBe(0);
    expect(created.stdout).toMatch(/^phd_[A-Za-z0-9_-]{40,}\n$/);
    const token = created.stdout.trim();
    await withStore(async (store) => {
      const tokens = await store.apiTokens.listByPartner('p-north');
      expect(tokens).toEqual([expect.objectContaining({ name: 'crm sync', role: 'integration', agentId: null, partnerId: 'p-north' })]);
      expect(JSON.stringify(tokens)).not.toContain(token);
    });
    expect(withoutPartner.code).toBe(2);
    expect(withoutPartner.stderr).toContain('--integration --partner ID');
    expect(unknownPartner.code).toBe(2);
    expect(unknownPartner.stderr).toContain('p-nowhere');
  });

  it('when agent add gets no password, then it exits 2 and says where the password comes from', async () => {
    await run(['seed', '--orgs', '2', '--users', '2']);

    const result = await run(['agent', 'add', '--partner', 'p-north', '--email', 'x@northwind.example', '--name', 'X', '--role', 'helpdesk']);

    expect(result.code).toBe(2);
    expect(result.stderr).toContain('password: none given (use --password or write it on standard input)');
  });

  it('when agent add names an unknown partner or role, then it exits 2 with the reason', async () => {
    const unknownPartner = await run(
      ['agent', 'add', '--partner', 'p-nowhere', '--email', 'x@y.example', '--name', 'X', '--role', 'helpdesk', '--password', 'a-long-enough-password'],
    );
    const badRole = await run(['agent', 'add', '--partner', 'p-north', '--email', 'x@y.example', '--name', 'X', '--role', 'root']);

    expect(unknownPartner.code).toBe(2);
    expect(unknownPartner.stderr).toContain('partner: no partner with id p-nowhere');
    expect(badRole.code).toBe(2);
    expect(badRole.stderr).toContain("argument 'root' is invalid");
  });

  it('when a token is asked for an unknown agent, then it exits 1 and prints no token', async () => {
    const result = await run(['token', 'create', '--email', 'nobody@northwind.example']);

    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain('Agent not found.');
  });

  it('when reindex runs, then a rebuild is requested through the store change log', async () => {
    const result = await run(['reindex']);

    expect(result.code).toBe(0);
    expect(result.stdout).toContain('Reindex requested');
    await withStore(async (store) => {
      expect((await store.changes.listAfter(0, 10)).map((c) => c.entity)).toEqual(['all']);
    });
  });

  it('when the configuration is invalid, then it exits 2 and the message names the variable', async () => {
    const result = await run(['reindex'], { env: { PORT: 'abc' } });

    expect(result.code).toBe(2);
    expect(result.stderr).toContain('PORT');
  });

  it('when the command is unknown or an option value is bad, then it exits 2 with a usage message', async () => {
    const unknown = await run(['frobnicate']);
    const badSize = await run(['seed', '--orgs', 'many']);

    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain("unknown command 'frobnicate'");
    expect(badSize.code).toBe(2);
    expect(badSize.stderr).toContain('must be a whole number of 1 or more');
  });

  it('when help is asked for, then it is printed on standard output and exits 0', async () => {
    const result = await run(['--help']);

    expect(result.code).toBe(0);
    expect(result.stdout).toContain('Usage: helpdesk');
  });
});
