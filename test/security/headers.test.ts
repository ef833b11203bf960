// Headers on every response: the CSP, HSTS and nosniff on every answer of every
// route in the table, error pages included; Cache-Control: no-store on whatever a signed-in
// session or an API credential receives.
import request from 'supertest';
import type { EmbeddedStore } from '../../src/store/embedded/embedded-store';
import { ROUTE_TABLE } from './route-table';
import { send } from './request';
import { buildWorld, openWorld, ROLES, type Role, type World } from './world';

const CSP = "default-src 'self';script-src 'self';script-src-attr 'none';style-src 'self';img-src 'self' data:;"
  + "object-src 'none';base-uri 'none';frame-ancestors 'none';form-action 'self'";

let world: World;
beforeAll(async () => { world = await buildWorld(); });

function expectSecurityHeaders(res: request.Response): void {
  expect(res.headers['content-security-policy']).toBe(CSP);
  expect(res.headers['strict-transport-security']).toMatch(/^max-age=\d{7,}/);
  expect(res.headers['x-content-type-options']).toBe('nosniff');
  // The same rule as frame-ancestors 'none', in the header older browsers read.
  expect(res.headers['x-frame-options']).toBe('DENY');
}

const SIGNED_IN: readonly Role[] = ROLES.filter((r) => r !== 'anonymous');

describe.each(ROUTE_TABLE.map((row) => [`${row.method} ${row.path}`, row] as const))('%s', (_name, row) => {
  test('when any role calls it, then every answer carries CSP, HSTS and nosniff, and signed-in answers are not stored', async () => {
    const t = await openWorld(world);
    try {
      for (const role of ROLES) {
        const res = await send(t.app, world, row, role);
        expectSecurityHeaders(res);
        const credentialed = row.surface === 'api' ? res.status !== 401 : SIGNED_IN.includes(role);
        // Health checks and the signed webhook read no session: nothing personal to keep out of caches.
        if (credentialed && !row.csrfExempt && row.path !== '/healthz' && row.path !== '/readyz') {
          expect({ role, cacheControl: res.headers['cache-control'] }).toEqual({ role, cacheControl: 'no-store' });
        }
      }
    } finally {
      await t.close();
    }
  });
});

describe('error answers', () => {
  test('when a page is missing, a form lacks its token, or the store fails, then the error page still has every header', async () => {
    const t = await openWorld(world);
    try {
      const missing = await request(t.app).get('/no/such/page').set('Accept', 'text/html').expect(404);
      expectSecurityHeaders(missing);
      const apiMissing = await request(t.app).get('/api/v1/nothing').set('Authorization', `Bearer ${world.creds.helpdesk.token}`).expect(404);
      expectSecurityHeaders(apiMissing);
      expect(apiMissing.headers['cache-control']).toBe('no-store');
      const forged = await request(t.app).post('/logout').set('Cookie', world.creds.helpdesk.cookie).type('form').send({}).expect(403);
      expectSecurityHeaders(forged);
      const badJson = await request(t.app).post('/api/v1/verifications/x/check').set('Authorization', `Bearer ${world.creds.helpdesk.token}`)
        .set('Content-Type', 'application/json').send('{"code":').expect(400);
      expectSecurityHeaders(badJson);
      (t.store as EmbeddedStore).db.close();
      const broken = await request(t.app).get(`/users/${world.ids.callerA1}`).set('Cookie', world.creds.helpdesk.cookie).set('Accept', 'text/html');
      expect(broken.status).toBeGreaterThanOrEqual(500);
      expectSecurityHeaders(broken);
      expect(broken.text).not.toMatch(/at .*\.ts:\d+/);
    } finally {
      await t.close();
    }
  });
});
