// A full sync (`helpdesk import --full`) killed with SIGKILL while it applies its file deletes
// nothing: the records the file leaves out are deleted only after every line was applied. Running
// it again finishes the job.
import path from 'node:path';
import { generateDemoData } from '../../src/demo/demo-data';
import { importNdjson } from '../../src/import/importer';
import { EMBEDDED_FILE } from '../../src/store';
import { EmbeddedStore } from '../../src/store/embedded/embedded-store';
import { importAll, runImport, waitFor } from '../helpers/cli-import';
import { requireBuilt, tempDir } from '../helpers/test-app';

const FULL_SYNC = ['--full', '--partner', 'p-north'];

describe('when a full sync is killed while it applies its file', () => {
  let store: EmbeddedStore;

  beforeAll(() => { requireBuilt('src/cli/main.js'); });
  afterEach(async () => { await store?.close(); });

  test('then no record is deleted, and running it again deletes exactly what the file leaves out', async () => {
    const dataDir = tempDir();
    store = new EmbeddedStore(path.join(dataDir, EMBEDDED_FILE));
    const records = [...generateDemoData({ orgs: 40, users: 2500, seed: 11 })];
    async function* all() { for (const r of records) yield JSON.stringify(r); }
    await importNdjson(store, all());
    const northUsers = await store.users.count('p-north');

    // The new state: every Northwind user renamed (so the run writes and its progress shows), one in ten left out.
    const orgPartner = new Map(records.flatMap((r) => (r.kind === 'org' ? [[r.id, r.partnerId] as const] : [])));
    const northern = (r: (typeof records)[number]) => (r.kind === 'partner' ? r.id === 'p-north'
      : r.kind === 'org' ? r.partnerId === 'p-north'
        : r.kind === 'user' || r.kind === 'device' ? orgPartner.get(r.orgId) === 'p-north' : false);
    const left = new Set<string>();
    const lines: string[] = [];
    let n = 0;
    for (const r of records) {
      if (!northern(r)) continue;
      if (r.kind === 'user') {
        if (n++ % 10 === 0) { left.add(r.id); continue; }
        lines.push(JSON.stringify({ ...r, lastName: `${r.lastName}-synced` }));
      } else if (r.kind === 'device' && r.ownerUserId && left.has(r.ownerUserId)) {
        lines.push(JSON.stringify({ ...r, ownerUserId: null }));
      } else {
        lines.push(JSON.stringify(r));
      }
    }
    const synced = () => (store.db.prepare("SELECT COUNT(*) AS n FROM users WHERE json_extract(data, '$.lastName') LIKE '%-synced'").get() as { n: number }).n;

    // Fed the first half of its file through stdin and killed once some renames are committed: it
    // cannot have reached the end of the file, where its deletes would start.
    const first = runImport(dataDir, FULL_SYNC);
    first.feed(lines.slice(0, Math.floor(lines.length / 2)));
    expect(await waitFor(() => synced() > 0, first)).toBe('held');
    first.child.kill('SIGKILL');
    expect(await first.exited).toMatchObject({ signal: 'SIGKILL' });
    expect(synced()).toBeGreaterThan(0);
    expect(synced()).toBeLessThan(northUsers - left.size);
    expect(await store.users.count('p-north')).toBe(northUsers);

    const second = await importAll(dataDir, lines, FULL_SYNC);
    expect(second).toMatchObject({ code: 0, signal: null });
    expect(await store.users.count('p-north')).toBe(northUsers - left.size);
    for (const id of left) expect(await store.users.get('p-north', id)).toBeNull();
    expect(synced()).toBe(northUsers - left.size);
  }, 240_000);
});
