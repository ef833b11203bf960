import { z } from 'zod';

const HOUR = 60 * 60 * 1000;
const DAY = 24 * HOUR;

/** The periods a customer admin picks from; `custom` takes an end date. */
export const GRANT_PERIODS = { '1h': HOUR, '1d': DAY, '7d': 7 * DAY, '30d': 30 * DAY, '90d': 90 * DAY } as const;
export const MAX_GRANT_MS = 365 * DAY;

export const NOT_A_CALENDAR_DAY = 'not a day of the calendar';
export const UNTIL_MISSING = 'choose the last day of access';
/**
 * The period form's own refusals, carried as a code on the zod issue (`params.refusal`): a page
 * names the field at fault from the code (see periodRefusal()), never by comparing messages.
 */
export type PeriodRefusal = 'not_a_calendar_day' | 'until_missing';
const refusal = (code: PeriodRefusal) => ({ refusal: code });
/** Date.parse rolls 2026-02-31 over to 3 March: a day is real only if it reads back unchanged. */
const isCalendarDay = (day: string) => {
  const at = Date.parse(`${day}T00:00:00.000Z`);
  return !Number.isNaN(at) && new Date(at).toISOString().slice(0, 10) === day;
};

export const periodForm = z.object({
  period: z.enum(['1h', '1d', '7d', '30d', '90d', 'custom']),
  /** The last day of access (YYYY-MM-DD, UTC) when period is `custom`. */
  until: z.union([z.literal(''), z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'a date as YYYY-MM-DD')
    .refine(isCalendarDay, { message: NOT_A_CALENDAR_DAY, params: refusal('not_a_calendar_day') })]).optional(),
}).refine((f) => f.period !== 'custom' || !!f.until, { path: ['until'], message: UNTIL_MISSING, params: refusal('until_missing') });
export type PeriodInput = z.infer<typeof periodForm>;

/** The first refusal of the period form's own (a PeriodRefusal) in a failed parse, if any. */
export function periodRefusal(error: z.ZodError): PeriodRefusal | null {
  for (const issue of error.issues) {
    const code = issue.code === 'custom' ? (issue.params as { refusal?: PeriodRefusal } | undefined)?.refusal : undefined;
    if (code) return code;
  }
  return null;
}

/** A reason or ticket number: short, but enough for the customer to recognise in their access log. */
export const reason = z.string().trim().min(3, 'give a reason or a ticket number').max(200);
export const reasonForm = z.object({ reason });

/** The customer portal's access log page (`/customer?log=2`). */
export const customerPortalQuery = z.object({
  log: z.coerce.number().int().min(1).max(10_000).default(1),
});

// The answer of Request access (consent.routes.ts).
export const accessRequestAnswer = z.object({
  id: z.string(), orgId: z.string(), status: z.string(), reason: z.string(), createdAt: z.string(),
  adminsNotified: z.number().int().optional().describe('a new request: how many of the org\'s admins the email reached'),
  admins: z.number().int().optional(),
  alreadyPending: z.literal(true).optional().describe('the agent\'s request was already pending: this is that request'),
});
