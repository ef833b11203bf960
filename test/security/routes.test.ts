// Generated from route-table.ts: every route × every role answers as the table says, never a 5xx,
// never with a foreign tenant's data, and a GET never changes the store (beyond view audits).
import type { EmbeddedStore } from '../../src/store/embedded/embedded-store';
import { fingerprint } from './fingerprint';
import { ROUTE_TABLE } from './route-table';
import { mismatch, send } from './request';
import { mountedRoutes } from './routes';
import { buildWorld, openWorld, ROLES, type Role, type World } from './world';

let world: World;
beforeAll(async () => { world = await buildWorld(); });

const key = (r: { method: string; path: string }) => `${r.method} ${r.path}`;

/** The markers a role must never see: partner A's for partner B's agents, org A1's for A2's admin. */
const forbiddenFor = (role: Role, w: World): string[] =>
  role === 'foreign_helpdesk' || role === 'foreign_partner_admin' ? w.partnerAMarkers
    : role === 'foreign_customer_admin' ? w.orgA1Markers : [];

describe('the route table', () => {
  test('when the app is built, then every route it mounts is in the table and every row is mounted', async () => {
    const t = await openWorld(world);
    const mounted = mountedRoutes(t.app).map(key).sort();
    const table = ROUTE_TABLE.map(key).sort();
    await t.close();
    expect({ missingFromTable: mounted.filter((k) => !table.includes(k)) }).toEqual({ missingFromTable: [] });
    expect({ notMounted: table.filter((k) => !mounted.includes(k)) }).toEqual({ notMounted: [] });
    expect(new Set(table).size).toBe(table.length);
  });
});

describe.each(ROUTE_TABLE.map((row) => [key(row), row] as const))('%s', (_name, row) => {
  test.each(ROLES.map((role) => [role]))('as %s', async (role) => {
    const t = await openWorld(world);
    try {
      const store = t.store as EmbeddedStore;
      const before = row.method === 'GET' ? fingerprint(store) : '';
      const res = await send(t.app, world, row, role);
      expect(mismatch(res, row.expect[role])).toBeNull();
      if (!([] as unknown[]).concat(row.expect[role]).includes(res.status)) expect(res.status).toBeLessThan(500);
      // What the request itself carried may come back (a form keeps its values); nothing else of A may.
      const sent = row.url(world) + JSON.stringify(row.body?.(world) ?? {});
      const body = res.text ?? '';
      if (!row.showsLinkHolder) {
        for (const marker of forbiddenFor(role, world).filter((m) => !sent.includes(m))) expect(body).not.toContain(marker);
      }
      if (row.method === 'GET') expect(fingerprint(store)).toBe(before);
    } finally {
      await t.close();
    }
  });
});
