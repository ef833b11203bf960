// Every operation of the JSON API, in one list: the OpenAPI document (document.ts) is generated
// from it, and the tests hold every API answer to that document (test/helpers/api-contract.ts).
// The zod schemas are the ones the routes validate requests with, and the answer schemas live next
// to them in each feature's <feature>.schema.ts.
//
// Adding a route is one entry here: its method and Express path (`/orgs/:id`, under /api/v1 unless
// `absolute`), its inputs (the route's own zod schemas), its success answer (a zod schema in the
// feature's schema file) with one example, and the error statuses it can answer beyond the API's
// common ones. A body that is not JSON names its media type, e.g. an NDJSON import:
// `{ method: 'post', path: '/import', body: <one line's schema>, bodyType: 'application/x-ndjson', errors: [413], … }`.
// test/features/openapi.test.ts fails while the app mounts an /api/v1 route this list lacks.
import { z } from 'zod';
import { searchAnswer, orgSearchQuery, searchQuery } from '../features/search/search.schema';
import { orgViewAnswer } from '../features/orgs/orgs.schema';
import { deviceParams, deviceViewAnswer, userViewAnswer } from '../features/users/users.schema';
import { entitlementQuery } from '../features/support/support.schema';
import { checkAnswer, checkInput, sentCodeAnswer } from '../features/verification/verification.schema';
import { clearInput, emailStateAnswer, welcomeSentAnswer } from '../features/suppression/suppression.schema';
import { accessRequestAnswer, reason, reasonForm } from '../features/consent/consent.schema';
import { readOnlyOrgViewAnswer, readOnlyUserParams, readOnlyViewQuery, readOnlyUserViewAnswer } from '../features/read-only-view/read-only-view.schema';
import { idParams } from '../http/validate';
import { livenessAnswer, readinessAnswer } from '../features/health/health.schema';
import { lookupQuery } from '../features/lookup/lookup.schema';
import { IMPORT_KINDS } from '../import/import.schema';

export type HttpMethod = 'get' | 'post' | 'put' | 'patch' | 'delete';

/** Error statuses, each answered as {error:{code,message,fields?}} (src/http/error-handler.ts). */
export type ErrorStatus = 400 | 401 | 403 | 404 | 409 | 413 | 429 | 500 | 503;

export interface ApiOperation {
  method: HttpMethod;
  /** Express-style path under /api/v1 (`/orgs/:id`); `absolute: true` for a path outside it (/healthz). */
  path: string;
  absolute?: boolean;
  operationId: string;
  summary: string;
  tag: string;
  /** No token needed (health checks, the document itself). */
  public?: boolean;
  /** Path parameters; each defaults to a string. */
  params?: z.ZodObject;
  query?: z.ZodObject;
  headers?: z.ZodObject;
  /** A JSON body, as the route parses it. */
  body?: z.ZodType;
  /** Another media type than application/json for the body (e.g. application/x-ndjson), with its schema. */
  bodyType?: string;
  /** The success answer. */
  status: number;
  answer: z.ZodType;
  description: string;
  /** One example answer, as a client would see it. */
  example: unknown;
  /** Other success statuses with another shape (e.g. /readyz's 503). */
  alsoAnswers?: Record<number, { description: string; answer: z.ZodType }>;
  /** Error statuses beyond the common ones (every API route: 400, 401, 403, 404, 429, 500, 503). */
  errors?: ErrorStatus[];
}

/** The per-line report of POST /import (src/import/partner-scope.ts). */
const importAnswer = z.object({
  added: z.number().int(), updated: z.number().int(), deleted: z.number().int(), unchanged: z.number().int(),
  errors: z.array(z.object({ line: z.number().int(), reason: z.string() })).describe('bad or refused lines, at most 1000'),
  errorsOmitted: z.number().int().optional().describe('how many more errors there were'),
});
/** The read-only view needs a reason on every call: X-Access-Reason, or ?reason= with a Bearer token. */
const reasonQuery = readOnlyViewQuery.extend({ reason: reason.optional().describe('why the agent looks (a ticket number): or send X-Access-Reason') });
const reasonHeader = z.object({ 'X-Access-Reason': reason.optional().describe('why the agent looks; required unless ?reason= is given') });

const ORG = 'b8f0c2d6-0f6e-4a53-9a57-2f1c1e0d4a11';
const USER = '5d1e7a4c-3b2f-4e8a-9c6d-1a2b3c4d5e6f';
const exampleUser = {
  id: USER, orgId: ORG, partnerId: 'p-1', email: 'ada@example.com', firstName: 'Ada', lastName: 'Lovelace',
  displayName: 'Ada Lovelace', phone: '+33 1 23 45 67 89', sipAddress: 'ada@acme.calls.example', status: 'active',
  createdAt: '2025-01-02T09:00:00.000Z', roles: ['user'], licenses: ['MS-BASIC'], features: [], supportContactFor: [], lastEmail: null,
};
const exampleDevice = {
  id: 'd-42', orgId: ORG, partnerId: 'p-1', ownerUserId: USER, displayName: 'Desk phone 4th floor', model: 'DP-9800',
  serial: 'FOC1234X0YZ', mac: '00:1a:2b:3c:4d:5e', sipAddress: 'desk4@acme.calls.example', status: 'online',
};
const exampleOrg = {
  id: ORG, partnerId: 'p-1', name: 'Acme Corp', status: 'active', createdAt: '2024-06-01T00:00:00.000Z',
  domains: [{ name: 'acme.example', claimed: true, verified: true }], sites: [{ url: 'acme.webex.example', type: 'meetings', status: 'active' }],
  orders: [], subscriptions: [], supportPlan: null,
};
const grant = { id: 'g-1', expiresAt: '2026-12-03T10:00:00.000Z', secondsLeft: 3600 };

export const apiOperations: ApiOperation[] = [
  {
    method: 'get', path: '/search', operationId: 'search', tag: 'search', summary: 'Search the partner\'s orgs, users and devices',
    query: searchQuery, status: 200, answer: searchAnswer, description: 'The best hits first.',
    example: { hits: [{ kind: 'user', id: USER, orgId: ORG, title: 'Ada Lovelace', subtitle: 'ada@example.com · Acme Corp', matched: { field: 'email', value: 'ada@example.com', ranges: [[0, 3]] }, exact: false }], processingTimeMs: 2, degraded: false },
  },
  {
    method: 'get', path: '/orgs/:id', operationId: 'getOrg', tag: 'orgs', summary: 'An org: identity, admins, subscriptions, support plan and contacts',
    params: idParams, status: 200, answer: orgViewAnswer, description: 'The org.',
    example: { org: exampleOrg, partnerName: 'Partner One', admins: [], userCount: 12, deviceCount: 3, subscriptions: [], supportPlan: null, businessHours: null, supportContacts: [] },
  },
  {
    method: 'get', path: '/orgs/:id/search', operationId: 'searchInOrg', tag: 'search', summary: 'Search one org\'s users and devices',
    params: idParams, query: orgSearchQuery, status: 200, answer: searchAnswer, description: 'The best hits first.',
    example: { hits: [], processingTimeMs: 1, degraded: false },
  },
  {
    method: 'get', path: '/users/:id', operationId: 'getUser', tag: 'users', summary: 'A user: org, devices, email state and support entitlement',
    params: idParams, query: entitlementQuery, status: 200, answer: userViewAnswer, description: 'The user.',
    example: {
      user: exampleUser, org: { id: ORG, name: 'Acme Corp', status: 'active' }, devices: [exampleDevice], suppression: null,
      support: { contactFor: [], products: ['Meetings'], product: null, isContactForProduct: null, license: null, priority: null, phoneSupport: 'no_plan', limitedHelp: true },
      lastEmail: null, licenseNames: { 'MS-BASIC': 'Meetings Basic' },
    },
  },
  {
    method: 'get', path: '/devices/:id', operationId: 'getDevice', tag: 'users', summary: 'A device, its org and owner',
    params: deviceParams, status: 200, answer: deviceViewAnswer, description: 'The device.',
    example: { device: exampleDevice, org: { id: ORG, name: 'Acme Corp' }, owner: { id: USER, displayName: 'Ada Lovelace', email: 'ada@example.com' } },
  },
  {
    method: 'post', path: '/users/:id/verifications', operationId: 'sendVerificationCode', tag: 'verification',
    summary: 'Email the user a one-time code to read back on the phone',
    params: idParams, status: 202, answer: sentCodeAnswer, description: 'The code is on its way.', errors: [409],
    example: { id: 'v-1', sentTo: 'ada@example.com', expiresAt: '2026-12-02T16:10:00.000Z' },
  },
  {
    method: 'post', path: '/verifications/:id/check', operationId: 'checkVerificationCode', tag: 'verification',
    summary: 'Check the code the caller read back',
    params: idParams, body: checkInput, status: 200, answer: checkAnswer, description: 'Whether the code matched.', errors: [409],
    example: { status: 'verified', attemptsLeft: 4 },
  },
  {
    method: 'post', path: '/users/:id/suppression/clear', operationId: 'clearSuppression', tag: 'email',
    summary: 'Take the user\'s address off the suppression list',
    params: idParams, body: clearInput, status: 200, answer: emailStateAnswer, description: 'The address\'s email state now.', errors: [409],
    example: { email: 'ada@example.com', lastEmail: null, suppression: null },
  },
  {
    method: 'post', path: '/users/:id/welcome-email', operationId: 'resendWelcomeEmail', tag: 'email', summary: 'Send the welcome email again',
    params: idParams, status: 202, answer: welcomeSentAnswer, description: 'The email is on its way.', errors: [409],
    example: { sentTo: 'ada@example.com' },
  },
  {
    method: 'get', path: '/orgs/:id/portal', operationId: 'getPortalOrg', tag: 'consent',
    summary: 'The org\'s read-only view (users, devices, settings), while its admins grant access',
    params: idParams, query: reasonQuery, headers: reasonHeader, status: 200, answer: readOnlyOrgViewAnswer, description: 'One page of the view.',
    example: { org: { id: ORG, name: 'Acme Corp', status: 'active', createdAt: '2024-06-01T00:00:00.000Z' }, grant, sites: [], domains: [], settings: {}, orders: [], subscriptions: [], licenseNames: {}, users: [], userCount: 0, devices: [], deviceCount: 0, page: 1, pages: 1 },
  },
  {
    method: 'get', path: '/orgs/:id/portal/users/:userId', operationId: 'getPortalUser', tag: 'consent',
    summary: 'A user in the org\'s read-only view',
    params: readOnlyUserParams, query: reasonQuery.pick({ reason: true }), headers: reasonHeader, status: 200, answer: readOnlyUserViewAnswer, description: 'The user.',
    example: { org: { id: ORG, name: 'Acme Corp' }, grant, user: (({ partnerId: _p, ...u }) => u)(exampleUser), licenseNames: {}, devices: [] },
  },
  {
    method: 'post', path: '/orgs/:id/access-requests', operationId: 'requestAccess', tag: 'consent',
    summary: 'Ask the org\'s admins for access to its read-only view',
    params: idParams, body: reasonForm, status: 201, answer: accessRequestAnswer, description: 'The request (a new one, or the agent\'s pending one).', errors: [409],
    example: { id: 'ar-1', orgId: ORG, status: 'pending', reason: 'ticket 4711', createdAt: '2026-12-02T15:00:00.000Z', adminsNotified: 2, admins: 2 },
  },
  {
    method: 'get', path: '/lookup', operationId: 'lookupCaller', tag: 'search',
    summary: 'Screen-pop: the users and devices whose phone or SIP address is the caller id',
    query: lookupQuery.extend({ phone: lookupQuery.shape.phone.describe('the caller id in any notation: +33612345678, 06 12 34 56 78, tel:+33-6-12-34-56-78;ext=12, sip:+33612345678@pbx.example') }),
    status: 200, answer: searchAnswer.pick({ hits: true, degraded: true }),
    description: 'Only users and devices of the token\'s partner whose own phone or SIP address is that number; audited as a lookup.',
    example: { hits: [{ kind: 'user', id: USER, orgId: ORG, title: 'Hélène Dupré', subtitle: 'helene.dupre@dupre.example', matched: { field: 'phone', value: '+33612345678', ranges: [[0, 12]] }, exact: true }], degraded: false },
  },
  {
    method: 'post', path: '/import', operationId: 'importRecords', tag: 'import',
    summary: 'Import NDJSON records with an integration token (the same lines as `helpdesk import`)',
    body: z.object({ kind: z.enum(IMPORT_KINDS as [string, ...string[]]) }).loose()
      .describe('one JSON object a line: a partner, org, user, device or delete line of this token\'s partner'),
    bodyType: 'application/x-ndjson',
    status: 200, answer: importAnswer,
    description: 'Only an integration token may call it (403 for any other). Lines of another partner are refused one by one; every good line is kept. 413 past 50 MB.',
    errors: [413],
    example: { added: 2, updated: 1, deleted: 0, unchanged: 0, errors: [{ line: 3, reason: 'email: Invalid email address' }] },
  },
  {
    method: 'get', path: '/healthz', absolute: true, public: true, operationId: 'liveness', tag: 'operations', summary: 'Liveness',
    status: 200, answer: livenessAnswer, description: 'The process answers. (An integration token, which may only import, gets 403.)', errors: [403],
    example: { status: 'ok' },
  },
  {
    method: 'get', path: '/readyz', absolute: true, public: true, operationId: 'readiness', tag: 'operations',
    summary: 'Readiness: the store and the search engine answer, and the process is not shutting down',
    status: 200, answer: readinessAnswer, description: 'Ready for traffic. (An integration token, which may only import, gets 403.)', errors: [403],
    alsoAnswers: { 503: { description: 'Not ready: a component is down or the process is shutting down.', answer: readinessAnswer } },
    example: { status: 'ready', shuttingDown: false, components: [{ name: 'store (embedded)', status: 'up' }, { name: 'search (embedded)', status: 'up' }] },
  },
  {
    method: 'get', path: '/openapi.json', public: true, operationId: 'openapi', tag: 'operations', summary: 'This document',
    status: 200, answer: z.record(z.string(), z.unknown()), description: 'The OpenAPI 3.1 document of the API.', errors: [],
    example: { openapi: '3.1.1' },
  },
];
