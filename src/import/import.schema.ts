// The import format (src/import/import.schema.ts): one schema per record kind. Strict about types and enums, lenient
// about absence (lists default to empty, optional text to ''), and unknown keys are dropped, so a
// source system may send more than we keep. `partnerId` of users and devices is not part of their
// schema: the store derives it from the org, so an import line can never move a user to a tenant.
// Every string and every list has a ceiling (IMPORT_LIMITS): a record past one is refused with
// the field named, since an unbounded field would be stored, indexed and sent back in every
// search answer that hits it.
import { z } from 'zod';
import { IANAZone } from 'luxon';
import type { DeviceInput, Org, Partner, UserInput } from '../store/store';

/** The longest value each kind of field may hold (characters), and the longest lists (items). */
export const IMPORT_LIMITS = {
  id: 100,
  name: 200,
  email: 254,
  // A host name (site, domain) is at most 253 characters (RFC 1035).
  host: 253,
  detail: 1000,
  phone: 50,
  // SIP addresses look like email addresses.
  sip: 254,
  hardware: 64,
  label: 50,
  date: 40,
  settingKey: 100,
  settingValue: 1000,
  longList: 1000,
  shortList: 200,
} as const;
const L = IMPORT_LIMITS;

const tooLong = (max: number) => ({ message: `must be at most ${max} characters` });
const tooMany = (max: number) => ({ message: `must have at most ${max} items` });

const isoDate = z.iso.date();
const isoDateTime = z.iso.datetime({ offset: true });

/** A calendar date (2023-03-28) or a date-time with a time zone (2023-04-01T10:00:00Z). */
const date = z.string().max(L.date, tooLong(L.date)).refine((v) => isoDate.safeParse(v).success || isoDateTime.safeParse(v).success, {
  message: 'must be an ISO 8601 date (2023-04-01) or date-time with a time zone (2023-04-01T10:00:00Z)',
});

/** A point in time: a date-time with its time zone, so it means the same instant everywhere. */
const instant = z.string().max(L.date, tooLong(L.date)).refine((v) => isoDateTime.safeParse(v).success, {
  message: 'must be an ISO 8601 date-time with a time zone, e.g. 2023-04-01T10:00:00Z',
});

const text = (max: number) => z.string().trim().max(max, tooLong(max));
const required = (max: number) => text(max).min(1, { message: 'must not be empty' });
const optionalText = (max: number) => text(max).default('');
const id = required(L.id);
// Any 8-4-4-4-12 hex form; stored lowercase so a lookup by UUID does not depend on the source's case.
const uuid = z.guid({ message: 'must be a UUID' }).toLowerCase();
// Measured before the format check, so an enormous value is refused for its length, cheaply.
const email = z.string().max(L.email, tooLong(L.email)).pipe(z.email({ message: 'must be an email address' }).toLowerCase());
const list = <T extends z.ZodType>(item: T, max: number) => z.array(item).max(max, tooMany(max)).default([]);
const count = z.number().int().min(0);

export const partnerRecordSchema = z.object({
  kind: z.literal('partner'),
  id,
  name: required(L.name),
}) satisfies z.ZodType<{ kind: 'partner' } & Partner>;

const license = z.object({ sku: required(L.id), name: optionalText(L.name), quantity: count, used: count });

const settingValue = z.union([z.string().max(L.settingValue, tooLong(L.settingValue)), z.number(), z.boolean()]);

export const orgRecordSchema = z.object({
  kind: z.literal('org'),
  id: uuid,
  partnerId: id,
  name: required(L.name),
  status: z.enum(['active', 'trial', 'suspended']),
  createdAt: instant,
  domains: list(z.object({
    name: required(L.host).toLowerCase(),
    claimed: z.boolean().default(false),
    verified: z.boolean().default(false),
  }), L.longList),
  sites: list(z.object({ url: required(L.host).toLowerCase(), type: optionalText(L.label), status: optionalText(L.label) }), L.longList),
  orders: list(z.object({ number: required(L.id), product: optionalText(L.name), status: optionalText(L.label), date }), L.longList),
  subscriptions: list(z.object({
    id: required(L.id),
    plan: optionalText(L.name),
    status: optionalText(L.label),
    start: date,
    end: date,
    licenses: list(license, L.shortList),
  }), L.longList),
  supportPlan: z.object({
    tier: z.enum(['online', 'business', 'enterprise', 'elite']),
    region: z.enum(['americas', 'emea', 'apac', 'japan']),
    // The customer's own clock for business hours; without it, the region's reference zone.
    timeZone: z.string().trim().max(64).refine((zone) => IANAZone.isValidZone(zone), 'not an IANA time zone, e.g. Europe/Paris or America/New_York')
      .nullable().optional(),
  }).nullable().default(null),
  settings: z.record(z.string().max(L.settingKey, tooLong(L.settingKey)), settingValue)
    .refine((v) => Object.keys(v).length <= L.shortList, tooMany(L.shortList))
    .default({}),
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
  firstName: optionalText(L.name),
  lastName: optionalText(L.name),
  displayName: optionalText(L.name),
  phone: optionalText(L.phone),
  sipAddress: optionalText(L.sip),
  status: z.enum(['active', 'pending', 'inactive']),
  createdAt: instant,
  roles: list(required(L.id), L.shortList),
  licenses: list(required(L.id), L.shortList),
  features: list(required(L.id), L.shortList),
  supportContactFor: list(required(L.name), L.shortList),
  lastEmail: z.object({
    kind: required(L.label),
    status: z.enum(['delivered', 'bounced', 'deferred', 'suppressed']),
    at: instant,
    detail: optionalText(L.detail),
  }).nullable().default(null),
}).transform(withDisplayName) satisfies z.ZodType<{ kind: 'user' } & UserInput>;

export const deviceRecordSchema = z.object({
  kind: z.literal('device'),
  id,
  orgId: uuid,
  ownerUserId: uuid.nullable().default(null),
  displayName: required(L.name),
  model: optionalText(L.name),
  serial: optionalText(L.hardware),
  mac: optionalText(L.hardware),
  sipAddress: optionalText(L.sip),
  status: optionalText(L.label),
}) satisfies z.ZodType<{ kind: 'device' } & DeviceInput>;

export const suppressionRecordSchema = z.object({
  kind: z.literal('suppression'),
  email,
  reason: z.enum(['hard_bounce', 'complaint', 'unsubscribe', 'manual']),
  since: instant,
  detail: optionalText(L.detail),
});

export const emailEventRecordSchema = z.object({
  kind: z.literal('email_event'),
  email,
  type: z.enum(['delivery', 'deferral', 'bounce', 'complaint']),
  messageKind: required(L.label),
  at: instant,
  detail: optionalText(L.detail),
  // The partner the mail was sent for, as the provider echoes it: the event is then that partner's alone.
  partnerId: id.nullish(),
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
