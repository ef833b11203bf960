// The import format (spec 4.3): one schema per record kind. Strict about types and enums, lenient
// about absence (lists default to empty, optional text to ''), and unknown keys are dropped, so a
// source system may send more than we keep. `partnerId` of users and devices is not part of their
// schema: the store derives it from the org, so an import line can never move a user to a tenant.
import { z } from 'zod';
import type { DeviceInput, Org, Partner, UserInput } from '../store/store';

const isoDate = z.iso.date();
const isoDateTime = z.iso.datetime({ offset: true });

/** A calendar date (2023-03-28) or a date-time with a time zone (2023-04-01T10:00:00Z). */
const date = z.string().refine((v) => isoDate.safeParse(v).success || isoDateTime.safeParse(v).success, {
  message: 'must be an ISO 8601 date (2023-04-01) or date-time with a time zone (2023-04-01T10:00:00Z)',
});

/** A point in time: a date-time with its time zone, so it means the same instant everywhere. */
const instant = z.string().refine((v) => isoDateTime.safeParse(v).success, {
  message: 'must be an ISO 8601 date-time with a time zone, e.g. 2023-04-01T10:00:00Z',
});

const text = z.string().trim();
const required = text.min(1, { message: 'must not be empty' });
const optionalText = text.default('');
const id = required.max(200);
// Any 8-4-4-4-12 hex form; stored lowercase so a lookup by UUID does not depend on the source's case.
const uuid = z.guid({ message: 'must be a UUID' }).toLowerCase();
const email = z.email({ message: 'must be an email address' }).toLowerCase();
const list = <T extends z.ZodType>(item: T) => z.array(item).default([]);
const count = z.number().int().min(0);

export const partnerRecordSchema = z.object({
  kind: z.literal('partner'),
  id,
  name: required,
}) satisfies z.ZodType<{ kind: 'partner' } & Partner>;

const license = z.object({ sku: required, name: optionalText, quantity: count, used: count });

export const orgRecordSchema = z.object({
  kind: z.literal('org'),
  id: uuid,
  partnerId: id,
  name: required,
  status: z.enum(['active', 'trial', 'suspended']),
  createdAt: instant,
  domains: list(z.object({
    name: required.toLowerCase(),
    claimed: z.boolean().default(false),
    verified: z.boolean().default(false),
  })),
  sites: list(z.object({ url: required.toLowerCase(), type: optionalText, status: optionalText })),
  orders: list(z.object({ number: required, product: optionalText, status: optionalText, date })),
  subscriptions: list(z.object({
    id: required,
    plan: optionalText,
    status: optionalText,
    start: date,
    end: date,
    licenses: list(license),
  })),
  supportPlan: z.object({
    tier: z.enum(['online', 'business', 'enterprise', 'elite']),
    region: z.enum(['americas', 'emea', 'apac', 'japan']),
  }).nullable().default(null),
  settings: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])).default({}),
}) satisfies z.ZodType<{ kind: 'org' } & Org>;

/** A source without a display name still gets one people can recognise in a search hit. */
function withDisplayName<U extends { displayName: string; firstName: string; lastName: string; email: string }>(u: U): U {
  return u.displayName ? u : { ...u, displayName: `${u.firstName} ${u.lastName}`.trim() || u.email };
}

export const userRecordSchema = z.object({
  kind: z.literal('user'),
  id: uuid,
  orgId: uuid,
  email,
  firstName: optionalText,
  lastName: optionalText,
  displayName: optionalText,
  phone: optionalText,
  sipAddress: optionalText,
  status: z.enum(['active', 'pending', 'inactive']),
  createdAt: instant,
  roles: list(required),
  licenses: list(required),
  features: list(required),
  supportContactFor: list(required),
  lastEmail: z.object({
    kind: required,
    status: z.enum(['delivered', 'bounced', 'deferred', 'suppressed']),
    at: instant,
    detail: optionalText,
  }).nullable().default(null),
}).transform(withDisplayName) satisfies z.ZodType<{ kind: 'user' } & UserInput>;

export const deviceRecordSchema = z.object({
  kind: z.literal('device'),
  id,
  orgId: uuid,
  ownerUserId: uuid.nullable().default(null),
  displayName: required,
  model: optionalText,
  serial: optionalText,
  mac: optionalText,
  sipAddress: optionalText,
  status: optionalText,
}) satisfies z.ZodType<{ kind: 'device' } & DeviceInput>;

export const suppressionRecordSchema = z.object({
  kind: z.literal('suppression'),
  email,
  reason: z.enum(['hard_bounce', 'complaint', 'unsubscribe', 'manual']),
  since: instant,
  detail: optionalText,
});

export const emailEventRecordSchema = z.object({
  kind: z.literal('email_event'),
  email,
  type: z.enum(['delivery', 'deferral', 'bounce', 'complaint']),
  messageKind: required,
  at: instant,
  detail: optionalText,
});

/**
 * A deletion (docs/data-lifecycle.md): the record is gone at the source. Org and user ids are UUIDs
 * stored lowercase, so they are matched in any case; a device id is the source's own string.
 */
export const deleteRecordSchema = z.discriminatedUnion('of', [
  z.object({ kind: z.literal('delete'), of: z.literal('org'), id: uuid }),
  z.object({ kind: z.literal('delete'), of: z.literal('user'), id: uuid }),
  z.object({ kind: z.literal('delete'), of: z.literal('device'), id }),
], { error: (issue) => (issue.code === 'invalid_union' ? 'must be one of org, user, device' : undefined) });

export const recordSchemas = {
  partner: partnerRecordSchema,
  org: orgRecordSchema,
  user: userRecordSchema,
  device: deviceRecordSchema,
  suppression: suppressionRecordSchema,
  email_event: emailEventRecordSchema,
  delete: deleteRecordSchema,
};

export type ImportKind = keyof typeof recordSchemas;
export const IMPORT_KINDS = Object.keys(recordSchemas) as ImportKind[];

/** A record as the importer keeps it (defaults applied, unknown keys dropped). */
export type ImportRecord = { [K in ImportKind]: z.output<(typeof recordSchemas)[K]> }[ImportKind];

export type ParsedRecord = { ok: true; record: ImportRecord } | { ok: false; reason: string };

const isKind = (kind: unknown): kind is ImportKind => typeof kind === 'string' && Object.hasOwn(recordSchemas, kind);

/** Validates one decoded line; a failure reason names each offending field as `path: message`. */
export function parseImportRecord(value: unknown): ParsedRecord {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return { ok: false, reason: 'not a JSON object' };
  }
  const kind = (value as { kind?: unknown }).kind;
  if (!isKind(kind)) {
    const given = kind === undefined ? 'missing' : `unknown kind ${JSON.stringify(kind)}`;
    return { ok: false, reason: `kind: ${given} (expected one of ${IMPORT_KINDS.join(', ')})` };
  }
  const result = recordSchemas[kind].safeParse(value);
  if (result.success) return { ok: true, record: result.data };
  return {
    ok: false,
    reason: result.error.issues.map((i) => `${i.path.join('.') || kind}: ${i.message}`).join('; '),
  };
}
