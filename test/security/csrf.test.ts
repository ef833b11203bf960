// CSRF: every POST that rides on the session cookie, generated from the route
// table, is refused with 403 without a token or with a wrong one, and changes nothing. And no GET
// changes state: a GET on every POST route's address leaves the store as it was.
import type { EmbeddedStore } from '../../src/store/embedded/embedded-store';
import { fingerprint } from './fingerprint';
import { ROUTE_TABLE, type RouteRow } from './route-table';
import { send } from './request';
import { buildWorld, openWorld, type Role, type World } from './world';

let world: World;
beforeAll(async () => { world = await buildWorld(); });

const PREFERENCE: Role[] = ['partner_admin', 'helpdesk', 'customer_admin', 'anonymous'];
/** The role that may do what the row does: the check must fail on the token, not on the role. */
const allowedRole = (row: RouteRow): Role =>
  PREFERENCE.find((role) => {
    const o = row.expect[role];
    return typeof o === 'object' && !Array.isArray(o) ? true : ([] as number[]).concat(o).some((s) => s < 400);
  }) ?? 'anonymous';

const posts = ROUTE_TABLE.filter((r) => r.method === 'POST');
const guarded = posts.filter((r) => !r.csrfExempt);

describe.each(guarded.map((row) => [`${row.method} ${row.path}`, row] as const))('%s', (_name, row) => {
  const role = allowedRole(row);
  test.each([['missing'], ['wrong']] as const)(`when the CSRF token is %s, then ${role} gets 403 and nothing changes`, async (csrf) => {
    const t = await openWorld(world);
    try {
      const before = fingerprint(t.store as EmbeddedStore);
      const res = await send(t.app, world, row, role, { csrf, viaSession: true });
      expect(res.status).toBe(403);
      expect(fingerprint(t.store as EmbeddedStore)).toBe(before);
    } finally {
      await t.close();
    }
  });

  test(`when the token is right, then ${role} gets past CSRF`, async () => {
    const t = await openWorld(world);
    try {
      const res = await send(t.app, world, row, role, { viaSession: true });
      expect(res.status).not.toBe(403);
    } finally {
      await t.close();
    }
  });
});

describe.each(posts.map((row) => [`GET ${row.path}`, row] as const))('%s (a POST route)', (_name, row) => {
  test('when fetched with GET, then nothing changes', async () => {
    const t = await openWorld(world);
    try {
      const role = allowedRole(row);
      const before = fingerprint(t.store as EmbeddedStore);
      const res = await send(t.app, world, row, role, { method: 'GET' });
      expect(res.status).toBeLessThan(500);
      expect(fingerprint(t.store as EmbeddedStore)).toBe(before);
    } finally {
      await t.close();
    }
  });
});

test('when the table is read, then only the mail webhook is exempt from CSRF', () => {
  expect(posts.filter((r) => r.csrfExempt).map((r) => r.path)).toEqual(['/webhooks/mail-events']);
});
