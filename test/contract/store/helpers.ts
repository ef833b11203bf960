// What the store contract's cases share (test/contract/store.contract.ts, test/contract/store/*.contract.ts).
import crypto from 'node:crypto';
import { AppError } from '../../../src/errors';
import type {
  AccessRequest, Agent, ApiToken, AuditEvent, Change, ConsentGrant, MagicLink, Org, OutboxMail, Partner, PasswordSetup, Store,
  Verification,
} from '../../../src/store/store';

/** What every repository's cases get from the suite: the store under test (once made) and two helpers on it. */
export interface StoreContract {
  store(): Store;
  /** A fresh partner with one org. */
  tenant(): Promise<{ partner: Partner; org: Org; partnerId: string; orgId: string }>;
  /** The changes after `after` that concern the given ids (other writers may share the store). */
  changesFor(after: number, ids: string[]): Promise<Change[]>;
}

export const uid = () => crypto.randomUUID();
export const MINUTE = 60_000;
export const HOUR = 60 * MINUTE;
export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export const agentOf = (partnerId: string, over: Partial<Agent> = {}): Agent => ({
  id: uid(),
  partnerId,
  email: `agent-${uid()}@example.com`,
  name: 'An Agent',
  role: 'helpdesk',
  passwordHash: 'scrypt$abc$def',
  disabled: false,
  failedLogins: 0,
  lockedUntil: null,
  createdAt: '2024-02-01T10:00:00.000Z',
  ...over,
});

export const tokenOf = (partnerId: string, over: Partial<ApiToken> = {}): ApiToken => ({
  id: uid(),
  agentId: uid(),
  partnerId,
  name: 'integration',
  tokenHash: crypto.createHash('sha256').update(uid()).digest('hex'),
  createdAt: '2024-02-01T10:00:00.000Z',
  lastUsedAt: null,
  revokedAt: null,
  ...over,
});

export const eventOf = (partnerId: string, over: Partial<AuditEvent> = {}): AuditEvent => ({
  id: uid(),
  at: '2024-03-01T10:00:00.000Z',
  actorId: 'agent-1',
  actorRole: 'helpdesk',
  partnerId,
  orgId: null,
  subject: null,
  action: 'org.view',
  outcome: 'success',
  clientIp: '127.0.0.1',
  requestId: uid(),
  detail: {},
  ...over,
});

export const verificationOf = (partnerId: string, orgId: string, userId: string, over: Partial<Verification> = {}): Verification => {
  const now = Date.now();
  return {
    id: uid(),
    partnerId,
    orgId,
    userId,
    sentTo: 'jane.doe@example.com',
    requestedBy: 'agent-1',
    codeHash: crypto.createHash('sha256').update(uid()).digest('hex'),
    createdAt: new Date(now).toISOString(),
    expiresAt: new Date(now + 10 * MINUTE).toISOString(),
    attempts: 0,
    outcome: 'pending',
    settledAt: null,
    ...over,
  };
};

export const mailOf = (partnerId: string, over: Partial<OutboxMail> = {}): OutboxMail => ({
  id: uid(),
  partnerId,
  to: 'jane.doe@example.com',
  subject: 'Your verification code',
  text: 'Read this code to the agent.',
  html: '<p>Read this code to the agent.</p>',
  kind: 'verification',
  createdAt: '2024-04-01T10:00:00.000Z',
  ...over,
});

export const setupOf = (agentId: string, over: Partial<PasswordSetup> = {}): PasswordSetup => {
  const now = Date.now();
  return {
    tokenHash: crypto.createHash('sha256').update(uid()).digest('hex'),
    agentId,
    partnerId: `p-${uid()}`,
    createdAt: new Date(now).toISOString(),
    expiresAt: new Date(now + 24 * HOUR).toISOString(),
    usedAt: null,
    ...over,
  };
};

export const grantOf = (partnerId: string, orgId: string, over: Partial<ConsentGrant> = {}): ConsentGrant => ({
  id: uid(),
  orgId,
  partnerId,
  grantedBy: uid(),
  grantedByEmail: 'admin@example.com',
  grantedAt: new Date().toISOString(),
  expiresAt: new Date(Date.now() + 7 * 24 * HOUR).toISOString(),
  revokedAt: null,
  revokedBy: null,
  requestId: null,
  lang: 'en',
  ...over,
});

export const requestOf = (partnerId: string, orgId: string, over: Partial<AccessRequest> = {}): AccessRequest => ({
  id: uid(),
  orgId,
  partnerId,
  requestedBy: uid(),
  requestedByName: 'An Agent',
  reason: 'Ticket 4711',
  createdAt: '2024-05-01T10:00:00.000Z',
  status: 'pending',
  decidedAt: null,
  decidedBy: null,
  grantId: null,
  ...over,
});

export const magicLinkOf = (over: Partial<MagicLink> = {}): MagicLink => ({
  tokenHash: crypto.createHash('sha256').update(uid()).digest('hex'),
  email: 'admin@example.com',
  partnerId: `p-${uid()}`,
  orgId: uid(),
  userId: uid(),
  createdAt: new Date().toISOString(),
  expiresAt: new Date(Date.now() + 15 * MINUTE).toISOString(),
  consumedAt: null,
  ...over,
});

/** The AppError a promise rejects with (fails the test when it resolves or rejects with anything else). */
export async function appErrorOf(promise: Promise<unknown>): Promise<AppError> {
  const err = await promise.then(() => null, (e: unknown) => e);
  expect(err).toBeInstanceOf(AppError);
  return err as AppError;
}

export const fieldsOf = (err: AppError) => (err.details.fields ?? []).map((x) => x.field);

export async function batchesOf<T>(iterable: AsyncIterable<T[]>): Promise<T[][]> {
  const batches: T[][] = [];
  for await (const batch of iterable) batches.push(batch);
  return batches;
}
