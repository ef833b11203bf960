// An import run by the CLI in another process while the app runs is searchable within seconds:
// the CLI writes the store (and its change outbox); the app's indexer follows the outbox.
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import request from 'supertest';
import { EMBEDDED_FILE } from '../../src/store';
import { buildTestApp, requireBuilt, tempDir, type TestApp } from '../helpers/test-app';

const run = promisify(execFile);
const CLI = path.resolve(__dirname, '../../bin/helpdesk.js');

describe('import while the app runs', () => {
  let t: TestApp;
  let dataDir: string;

  beforeAll(() => {
    requireBuilt('src/cli/main.js');
  });

  beforeEach(async () => {
    dataDir = tempDir();
    t = await buildTestApp({ dataDir, storeFile: path.join(dataDir, EMBEDDED_FILE) });
    await t.store.partners.upsert({ id: 'p-north', name: 'Northwind' });
    await t.addAgent('p-north', 'agent@north.example');
    await t.indexer.rebuild();
    t.indexer.start();
  });
  afterEach(async () => {
    await t.indexer.stop();
    await t.close();
  });

  test('when the CLI imports records in another process, then they are searchable within seconds', async () => {
    const token = await t.apiToken('agent@north.example');
    const orgId = '3d6f1a2b-0c4e-4f5a-8b7c-9d0e1f2a3b4c';
    const lines = [
      { kind: 'org', id: orgId, partnerId: 'p-north', name: 'Zanzibar Logistics', status: 'active', createdAt: '2024-02-01T00:00:00Z' },
      { kind: 'user', id: '7e8f9a0b-1c2d-4e3f-8a4b-5c6d7e8f9a0b', orgId, email: 'quentin.zola@zanzibar.example', firstName: 'Quentin',
        lastName: 'Zola', displayName: 'Quentin Zola', status: 'active', createdAt: '2024-02-02T00:00:00Z' },
      'this line is not JSON',
    ].map((l) => (typeof l === 'string' ? l : JSON.stringify(l))).join('\n');
    const file = path.join(dataDir, 'records.ndjson');
    fs.writeFileSync(file, lines);

    const cli = await run(process.execPath, [CLI, 'import', file], { env: { ...process.env, DATA_DIR: dataDir, NODE_ENV: 'test' } })
      .catch((err: { code: number; stdout: string }) => err);
    expect(cli.stdout).toMatch(/line 3: invalid JSON/);

    const started = Date.now();
    let hits: Array<{ id: string }> = [];
    while (Date.now() - started < 5000) {
      const res = await request(t.app).get('/api/v1/search?q=quentin%20zola').set('Authorization', `Bearer ${token}`);
      hits = res.body.hits;
      if (hits.length) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(hits.map((h) => h.id)).toEqual(['7e8f9a0b-1c2d-4e3f-8a4b-5c6d7e8f9a0b']);
  });

  test('when the CLI deletes a user and a device in another process, then within 2 s an agent finds neither and their API answers 404', async () => {
    const token = await t.apiToken('agent@north.example');
    const orgId = '4e7a2b3c-1d5f-4a6b-9c8d-0e1f2a3b4c5d';
    const userId = '8f9a0b1c-2d3e-4f4a-9b5c-6d7e8f9a0b1c';
    const deviceId = 'dev-zola-1';
    await t.store.orgs.upsert({ id: orgId, partnerId: 'p-north', name: 'Zanzibar Logistics', status: 'active', createdAt: '2024-02-01T00:00:00Z',
      domains: [], sites: [], orders: [], subscriptions: [], supportPlan: null, settings: {} });
    await t.store.users.upsert({ id: userId, orgId, email: 'quentin.zola@zanzibar.example', firstName: 'Quentin', lastName: 'Zola',
      displayName: 'Quentin Zola', phone: '', sipAddress: '', status: 'active', createdAt: '2024-02-02T00:00:00Z', roles: [], licenses: [],
      features: [], supportContactFor: [], lastEmail: null });
    await t.store.devices.upsert({ id: deviceId, orgId, ownerUserId: userId, displayName: 'Okapi Room', model: 'Room Kit', serial: 'FOC7777Q0QQ',
      mac: '', sipAddress: '', status: 'online' });
    const search = async (q: string) => (await request(t.app).get(`/api/v1/search?q=${encodeURIComponent(q)}`).set('Authorization', `Bearer ${token}`)).body.hits as unknown[];
    const until = async (check: () => Promise<boolean>, ms: number) => {
      const started = Date.now();
      while (!(await check())) {
        if (Date.now() - started > ms) return false;
        await new Promise((r) => setTimeout(r, 50));
      }
      return true;
    };
    expect(await until(async () => (await search('quentin zola')).length === 1, 5000)).toBe(true);

    const file = path.join(dataDir, 'deletes.ndjson');
    fs.writeFileSync(file, [{ kind: 'delete', of: 'user', id: userId }, { kind: 'delete', of: 'device', id: deviceId }]
      .map((l) => JSON.stringify(l)).join('\n'));
    await run(process.execPath, [CLI, 'import', file], { env: { ...process.env, DATA_DIR: dataDir, NODE_ENV: 'test' } });
    const deletedAt = Date.now();

    expect(await until(async () => (await search('quentin zola')).length === 0 && (await search('FOC7777Q0QQ')).length === 0, 2000)).toBe(true);
    expect(Date.now() - deletedAt).toBeLessThan(2000);
    await request(t.app).get(`/api/v1/users/${userId}`).set('Authorization', `Bearer ${token}`).expect(404);
    await request(t.app).get(`/api/v1/devices/${deviceId}`).set('Authorization', `Bearer ${token}`).expect(404);
  });
});
