// The one table of every route the app mounts × every role, with the expected answer (OWASP
// authorization testing automation). routes.test.ts generates a test per cell and fails
// when the app mounts a route this table lacks (or the table names a route no longer mounted).
//
// Every id in a URL points at partner A / org A1 data. "foreign" roles belong to partner B (agents)
// or to org A2 of the same partner (customer admin): for them a record that exists answers 404 like
// one that does not, and a list page answers 200 with their own data only (the suite also checks
// that no A marker appears in any answer to a foreign role).
import type { Role, World } from './world';

/** An exact status, one of several, or a 303 whose Location starts with `redirect`. */
export type Outcome = number | number[] | { redirect: string };

export interface RouteRow {
  method: 'GET' | 'POST';
  /** As mounted (the key the router walk yields). */
  path: string;
  /** page: session cookie + CSRF token; api: Bearer token for agents (cookie for others); public: anyone, session + CSRF. */
  surface: 'page' | 'api' | 'public';
  url(w: World): string;
  body?(w: World): Record<string, string>;
  expect: Record<Role, Outcome>;
  /** Why anyone may see A's data here (a single-use link shows its holder whom it is for); skips the foreign-data check. */
  showsLinkHolder?: string;
  /** Why a POST needs no CSRF token (it rides on no cookie); every other POST is checked. */
  csrfExempt?: string;
}

const toLogin: Outcome = { redirect: '/login' };
const toCustomerLogin: Outcome = { redirect: '/customer/login' };

// An integration token (partner A's sync job) may only post imports: 403 on every other route.

/** Agent pages: anonymous to sign-in, customer admins get 404 (no such page for them). */
const agentPage = (ok: Outcome, foreign: Outcome = 404): Record<Role, Outcome> => ({
  anonymous: toLogin, helpdesk: ok, partner_admin: ok, customer_admin: 404,
  foreign_helpdesk: foreign, foreign_partner_admin: foreign, foreign_customer_admin: 404, integration: 403,
});
/** Partner admin pages: help-desk agents 403. */
const adminPage = (ok: Outcome, foreign: Outcome = 404): Record<Role, Outcome> => ({
  anonymous: toLogin, helpdesk: 403, partner_admin: ok, customer_admin: 404,
  foreign_helpdesk: 403, foreign_partner_admin: foreign, foreign_customer_admin: 404, integration: 403,
});
/** The JSON API: a Bearer token or nothing; a customer admin's session is not an API credential. */
const agentApi = (ok: Outcome, foreign: Outcome = 404): Record<Role, Outcome> => ({
  anonymous: 401, helpdesk: ok, partner_admin: ok, customer_admin: 401,
  foreign_helpdesk: foreign, foreign_partner_admin: foreign, foreign_customer_admin: 401, integration: 403,
});
/** The customer portal: everyone but a customer admin goes to the customer sign-in page. */
const customerPage = (ok: Outcome, foreign: Outcome = 404): Record<Role, Outcome> => ({
  anonymous: toCustomerLogin, helpdesk: toCustomerLogin, partner_admin: toCustomerLogin, customer_admin: ok,
  foreign_helpdesk: toCustomerLogin, foreign_partner_admin: toCustomerLogin, foreign_customer_admin: foreign, integration: 403,
});
/** Everyone but an integration token, which is refused even where anyone else may go. */
const everyone = (o: Outcome): Record<Role, Outcome> => ({
  anonymous: o, helpdesk: o, partner_admin: o, customer_admin: o, foreign_helpdesk: o, foreign_partner_admin: o, foreign_customer_admin: o,
  integration: 403,
});

const reason = () => ({ reason: 'ticket 4711' });

export const ROUTE_TABLE: RouteRow[] = [
  // Health: public, no session needed.
  { method: 'GET', path: '/healthz', surface: 'public', url: () => '/healthz', expect: everyone(200) },
  { method: 'GET', path: '/readyz', surface: 'public', url: () => '/readyz', expect: everyone(200) },
  // The document is public: any client, an integration token included, may read it.
  { method: 'GET', path: '/api/v1/openapi.json', surface: 'public', url: () => '/api/v1/openapi.json', expect: { ...everyone(200), integration: 200 } },
  { method: 'GET', path: '/metrics', surface: 'public', url: () => '/metrics', expect: everyone(200) },
  // The mail provider's webhook: an unsigned call never gets through (503 while no secret is configured).
  { method: 'POST', path: '/webhooks/mail-events', surface: 'public', url: () => '/webhooks/mail-events',
    body: () => ({ email: 'caller@alphaone.example', type: 'complaint' }), expect: everyone([401, 503]),
    csrfExempt: 'the provider signs each call with HMAC; no session is read' },

  // JSON API (README, JSON API).
  { method: 'GET', path: '/api/v1/search', surface: 'api', url: () => '/api/v1/search?q=Alphaorg', expect: agentApi(200, 200) },
  // Screen-pop: another partner's agent gets no hits for A's caller, like any number they do not know.
  { method: 'GET', path: '/api/v1/lookup', surface: 'api', url: () => '/api/v1/lookup?phone=tel%3A%2B33612345678', expect: agentApi(200, 200) },
  { method: 'GET', path: '/api/v1/orgs/:id', surface: 'api', url: (w) => `/api/v1/orgs/${w.ids.orgA1}`, expect: agentApi(200) },
  { method: 'GET', path: '/api/v1/orgs/:id/search', surface: 'api', url: (w) => `/api/v1/orgs/${w.ids.orgA1}/search?q=caller`, expect: agentApi(200) },
  { method: 'GET', path: '/api/v1/users/:id', surface: 'api', url: (w) => `/api/v1/users/${w.ids.callerA1}`, expect: agentApi(200) },
  { method: 'GET', path: '/api/v1/devices/:id', surface: 'api', url: (w) => `/api/v1/devices/${w.ids.deviceA1}`, expect: agentApi(200) },
  // Codes and welcome mails go to A1's admin: the caller's address is suppressed in the world.
  { method: 'POST', path: '/api/v1/users/:id/verifications', surface: 'api', url: (w) => `/api/v1/users/${w.ids.adminA1}/verifications`, expect: agentApi(202) },
  { method: 'POST', path: '/api/v1/verifications/:id/check', surface: 'api', url: (w) => `/api/v1/verifications/${w.ids.verificationA1}/check`,
    body: () => ({ code: '00000000' }), expect: agentApi(200) },
  { method: 'POST', path: '/api/v1/users/:id/suppression/clear', surface: 'api', url: (w) => `/api/v1/users/${w.ids.callerA1}/suppression/clear`,
    body: reason, expect: agentApi(200) },
  { method: 'POST', path: '/api/v1/users/:id/welcome-email', surface: 'api', url: (w) => `/api/v1/users/${w.ids.adminA1}/welcome-email`, expect: agentApi(202) },
  { method: 'GET', path: '/api/v1/orgs/:id/portal', surface: 'api', url: (w) => `/api/v1/orgs/${w.ids.orgA1}/portal?reason=ticket%204711`, expect: agentApi(200) },
  { method: 'GET', path: '/api/v1/orgs/:id/portal/users/:userId', surface: 'api',
    url: (w) => `/api/v1/orgs/${w.ids.orgA1}/portal/users/${w.ids.callerA1}?reason=ticket%204711`, expect: agentApi(200) },
  { method: 'POST', path: '/api/v1/orgs/:id/access-requests', surface: 'api', url: (w) => `/api/v1/orgs/${w.ids.orgA2}/access-requests`,
    body: reason, expect: agentApi(201) },
  // A sync job's NDJSON import (docs/data-lifecycle.md): an integration token only; agents' tokens and sessions 403.
  // The body (`{}`, one line without a kind) is reported as a bad line: 200 with the report.
  { method: 'POST', path: '/api/v1/import', surface: 'api', url: () => '/api/v1/import',
    expect: { ...agentApi(403, 403), integration: 200 } },

  // Agent sign-in.
  { method: 'GET', path: '/login', surface: 'public', url: () => '/login',
    expect: { ...everyone(200), helpdesk: { redirect: '/' }, partner_admin: { redirect: '/' }, foreign_helpdesk: { redirect: '/' }, foreign_partner_admin: { redirect: '/' } } },
  { method: 'POST', path: '/login', surface: 'public', url: () => '/login',
    body: () => ({ email: 'helpdesk@alpha.example', password: 'not the password' }), expect: everyone(401) },
  { method: 'POST', path: '/logout', surface: 'public', url: () => '/logout', expect: everyone({ redirect: '/login' }) },
  { method: 'POST', path: '/lang', surface: 'public', url: () => '/lang', body: () => ({ lang: 'fr', next: '/' }), expect: everyone({ redirect: '/' }) },
  { method: 'POST', path: '/prefs/time-zone', surface: 'public', url: () => '/prefs/time-zone', body: () => ({ timeZone: 'Asia/Tokyo' }), expect: everyone(204) },

  // Customer admin sign-in and portal.
  { method: 'GET', path: '/customer/login', surface: 'public', url: () => '/customer/login',
    expect: { ...everyone(200), customer_admin: { redirect: '/customer' }, foreign_customer_admin: { redirect: '/customer' } } },
  { method: 'POST', path: '/customer/login', surface: 'public', url: () => '/customer/login',
    body: () => ({ email: 'admin@alphaone.example' }), expect: everyone(200) },
  { method: 'GET', path: '/customer/login/:token', surface: 'public', url: (w) => `/customer/login/${w.ids.magicToken}`, expect: everyone(200),
    showsLinkHolder: 'the confirm page names the org the link signs in to' },
  { method: 'POST', path: '/customer/login/:token', surface: 'public', url: (w) => `/customer/login/${w.ids.magicToken}`,
    expect: everyone({ redirect: '/customer' }) },
  { method: 'POST', path: '/customer/logout', surface: 'public', url: () => '/customer/logout', expect: everyone({ redirect: '/customer/login' }) },
  { method: 'GET', path: '/customer', surface: 'page', url: () => '/customer', expect: customerPage(200, 200) },
  // A grant is for the signed-in admin's own org, whichever it is: nothing to be foreign to.
  { method: 'POST', path: '/customer/grants', surface: 'page', url: () => '/customer/grants', body: () => ({ period: '7d' }),
    expect: customerPage({ redirect: '/customer' }, { redirect: '/customer' }) },
  { method: 'POST', path: '/customer/grants/:id/extend', surface: 'page', url: (w) => `/customer/grants/${w.ids.grantA1}/extend`,
    body: () => ({ period: '30d' }), expect: customerPage({ redirect: '/customer' }) },
  { method: 'POST', path: '/customer/grants/:id/revoke', surface: 'page', url: (w) => `/customer/grants/${w.ids.grantA1}/revoke`,
    expect: customerPage({ redirect: '/customer' }) },
  { method: 'POST', path: '/customer/access-requests/:id/approve', surface: 'page', url: (w) => `/customer/access-requests/${w.ids.requestA1}/approve`,
    body: () => ({ period: '1d' }), expect: customerPage({ redirect: '/customer' }) },
  { method: 'POST', path: '/customer/access-requests/:id/deny', surface: 'page', url: (w) => `/customer/access-requests/${w.ids.requestA1}/deny`,
    expect: customerPage({ redirect: '/customer' }) },
  // Named support contacts: the user is A1's, so A2's admin gets 404.
  { method: 'POST', path: '/customer/support-contacts', surface: 'page', url: () => '/customer/support-contacts',
    body: (w) => ({ userId: w.ids.callerA1, product: 'Webex Meetings' }), expect: customerPage({ redirect: '/customer' }) },
  { method: 'POST', path: '/customer/support-contacts/remove', surface: 'page', url: () => '/customer/support-contacts/remove',
    body: (w) => ({ userId: w.ids.callerA1, product: 'Webex Meetings' }), expect: customerPage({ redirect: '/customer' }) },

  // Agent pages.
  { method: 'GET', path: '/', surface: 'page', url: () => '/',
    expect: { ...agentPage(200, 200), customer_admin: { redirect: '/customer' }, foreign_customer_admin: { redirect: '/customer' } } },
  { method: 'GET', path: '/orgs/:id', surface: 'page', url: (w) => `/orgs/${w.ids.orgA1}`, expect: agentPage(200) },
  { method: 'POST', path: '/orgs/:id/access-requests', surface: 'page', url: (w) => `/orgs/${w.ids.orgA2}/access-requests`, body: reason,
    expect: agentPage({ redirect: '/orgs/' }) },
  // Entering the read-only view first asks for a reason (200), posted to /portal-entry (outside the GET-only
  // /portal paths), which keeps it in the session and goes to the view; a portal user page without one goes back.
  { method: 'POST', path: '/orgs/:id/portal-entry', surface: 'page', url: (w) => `/orgs/${w.ids.orgA1}/portal-entry`, body: reason,
    expect: agentPage({ redirect: '/orgs/' }) },
  { method: 'GET', path: '/orgs/:id/portal', surface: 'page', url: (w) => `/orgs/${w.ids.orgA1}/portal`, expect: agentPage(200) },
  { method: 'GET', path: '/orgs/:id/portal/users/:userId', surface: 'page', url: (w) => `/orgs/${w.ids.orgA1}/portal/users/${w.ids.callerA1}`,
    expect: agentPage({ redirect: '/orgs/' }) },
  { method: 'GET', path: '/users/:id', surface: 'page', url: (w) => `/users/${w.ids.callerA1}`, expect: agentPage(200) },
  { method: 'GET', path: '/users/:id/summary.txt', surface: 'page', url: (w) => `/users/${w.ids.callerA1}/summary.txt`, expect: agentPage(200) },
  { method: 'GET', path: '/lookup', surface: 'page', url: () => '/lookup?phone=tel%3A%2B33612345678',
    expect: agentPage({ redirect: '/users/' }, { redirect: '/?q=' }) },
  { method: 'POST', path: '/users/:id/verifications', surface: 'page', url: (w) => `/users/${w.ids.adminA1}/verifications`,
    expect: agentPage({ redirect: '/users/' }) },
  { method: 'POST', path: '/verifications/:id/check', surface: 'page', url: (w) => `/verifications/${w.ids.verificationA1}/check`,
    body: (w) => ({ code: '0000 0000', userId: w.ids.callerA1 }), expect: agentPage({ redirect: '/users/' }) },
  { method: 'POST', path: '/users/:id/suppression/clear', surface: 'page', url: (w) => `/users/${w.ids.callerA1}/suppression/clear`,
    body: reason, expect: agentPage({ redirect: '/users/' }) },
  { method: 'POST', path: '/users/:id/welcome-email', surface: 'page', url: (w) => `/users/${w.ids.adminA1}/welcome-email`,
    expect: agentPage({ redirect: '/users/' }) },
  { method: 'GET', path: '/devices/:id', surface: 'page', url: (w) => `/devices/${w.ids.deviceA1}`, expect: agentPage(200) },

  // The invited agent's set-password link: anyone holding it.
  { method: 'GET', path: '/set-password/:token', surface: 'public', url: (w) => `/set-password/${w.ids.setupToken}`, expect: everyone(200),
    showsLinkHolder: 'the form names the invited address' },
  { method: 'POST', path: '/set-password/:token', surface: 'public', url: (w) => `/set-password/${w.ids.setupToken}`,
    body: () => ({ password: 'a long enough passphrase', confirm: 'a long enough passphrase' }), expect: everyone(200) },

  // Partner administration and the audit log. List pages show a foreign admin their own partner.
  { method: 'GET', path: '/admin', surface: 'page', url: () => '/admin', expect: adminPage(200, 200) },
  { method: 'POST', path: '/admin/agents', surface: 'page', url: () => '/admin/agents',
    body: () => ({ email: 'newcomer@example.org', name: 'Newcomer', role: 'helpdesk' }), expect: adminPage({ redirect: '/admin' }, { redirect: '/admin' }) },
  { method: 'POST', path: '/admin/agents/:id/invite', surface: 'page', url: (w) => `/admin/agents/${w.ids.invitedAgent}/invite`,
    expect: adminPage({ redirect: '/admin' }) },
  { method: 'POST', path: '/admin/agents/:id/role', surface: 'page', url: (w) => `/admin/agents/${w.ids.targetAgent}/role`,
    body: () => ({ role: 'partner_admin' }), expect: adminPage({ redirect: '/admin' }) },
  { method: 'POST', path: '/admin/agents/:id/disable', surface: 'page', url: (w) => `/admin/agents/${w.ids.targetAgent}/disable`,
    // confirm=yes is the confirmation page's form; without it the answer is that page (200) and nothing changes.
    body: () => ({ confirm: 'yes' }), expect: adminPage({ redirect: '/admin' }) },
  { method: 'POST', path: '/admin/agents/:id/enable', surface: 'page', url: (w) => `/admin/agents/${w.ids.targetAgent}/enable`,
    expect: adminPage({ redirect: '/admin' }) },
  { method: 'GET', path: '/admin/tokens', surface: 'page', url: () => '/admin/tokens', expect: adminPage(200, 200) },
  { method: 'POST', path: '/admin/tokens', surface: 'page', url: () => '/admin/tokens',
    // A token is issued to the admin who asks: naming another agent (here A's admin, to B's admin) is refused.
    body: (w) => ({ name: 'integration', ownerId: w.ids.adminA }), expect: { ...adminPage({ redirect: '/admin/tokens' }), foreign_partner_admin: 403 } },
  { method: 'POST', path: '/admin/tokens/:id/revoke', surface: 'page', url: (w) => `/admin/tokens/${w.ids.tokenOfTarget}/revoke`,
    body: () => ({ confirm: 'yes' }), expect: adminPage({ redirect: '/admin/tokens' }) },
  // Outside production without SMTP only, and only for clients on this machine (supertest is).
  { method: 'GET', path: '/dev/mailbox', surface: 'public', url: () => '/dev/mailbox', expect: everyone(200),
    showsLinkHolder: 'the development mailbox shows every mail on purpose; it never exists in production or with SMTP' },
  { method: 'GET', path: '/admin/outbox', surface: 'page', url: () => '/admin/outbox', expect: adminPage(200, 200) },
  { method: 'GET', path: '/audit', surface: 'page', url: () => '/audit', expect: adminPage(200, 200) },
  { method: 'GET', path: '/audit.csv', surface: 'page', url: () => '/audit.csv', expect: adminPage(200, 200) },
];
