import { z } from 'zod';

const optional = (max: number) => z.string().trim().max(max).optional().transform((v) => v || undefined);
/** "2026-01-31" or "2026-01-31T10:00" as a UTC moment JavaScript parses. */
export const utc = (v: string) => (/Z$/.test(v) ? v : `${v}${v.includes('T') ? '' : 'T00:00'}Z`);

/** A day (YYYY-MM-DD) or a moment (YYYY-MM-DDTHH:MM, as a datetime-local field sends it), in UTC. */
const when = z.string().trim().max(40).optional()
  .transform((v) => v || undefined)
  .pipe(z.string().regex(/^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?Z?)?$/, 'a date such as 2026-01-31')
    // Date.parse rolls 2026-02-31 over to March: the day must come back as typed.
    .refine((v) => {
      const t = Date.parse(utc(v));
      return !Number.isNaN(t) && new Date(t).toISOString().slice(0, 10) === v.slice(0, 10);
    }, 'not a date').optional());

/**
 * The action families the filter offers, each matching itself and what follows a dot
 * (`verification` is verification.send, .check, .lock). Labels: `audit.family.<family>` in the locale files.
 */
export const AUDIT_ACTION_FAMILIES = [
  'auth', 'org.view', 'user.view', 'device.view', 'portal.view', 'verification', 'suppression', 'email',
  'consent', 'customer', 'support_contact', 'agent', 'token', 'audit',
] as const;

export const auditFilters = z.object({
  /** An org's id or name. */
  org: optional(200),
  /** A user's id, email or name, or any subject as recorded ("agent:…", "token:…"). */
  user: optional(200),
  /** An agent's id, email or name. */
  agent: optional(200),
  action: optional(60).pipe(z.string().regex(/^[a-z_.]+$/, 'letters, dots and underscores').optional()),
  from: when,
  to: when,
  page: z.coerce.number().int().min(1).max(100_000).default(1),
});

export type AuditFilters = z.infer<typeof auditFilters>;
