// The support plans' arithmetic over the tables of support-tables.ts: which response target applies
// in a region, whether its clock runs now, and what a plan includes, in the page's language.
// Every computation goes through luxon (backed by Intl's time-zone data), so weekends, day
// boundaries and daylight-saving changes follow the zone's own rules.
import { DateTime } from 'luxon';
import { isTimeZone } from '../../http/time-zone';
import type { MessageKey, Translate } from '../../i18n/i18n';
import type { SupportPlan, SupportRegion, SupportTier } from '../../store/records';
import {
  BUSINESS_HOURS, PLAN_FEATURES, PLAN_INCLUDES, REGION_COVERAGE_LIMITS, RESPONSE_TARGETS, SUPPORT_LANGUAGES,
  type Coverage, type Inclusion, type PlanFeature, type Priority, type ResponseTarget, type ResponseTime,
} from './support-tables';

export {
  BUSINESS_HOURS, CONTACT_QUOTA, PLAN_FEATURES, PLAN_INCLUDES, PRIORITIES, REGION_COVERAGE_LIMITS,
  RESPONSE_TARGETS, SUPPORT_LANGUAGES,
} from './support-tables';
export type { Coverage, Inclusion, PlanFeature, Priority, RegionHours, ResponseTarget, ResponseTime } from './support-tables';


/** The zone a plan's hours run in: its own, else its region's reference zone. */
export function planZone(plan: Pick<SupportPlan, 'region' | 'timeZone'>): string {
  return plan.timeZone && isTimeZone(plan.timeZone) ? plan.timeZone : BUSINESS_HOURS[plan.region].zone;
}

/** The target that applies: the tier's, limited to business hours where the region says so. */
export function targetFor(tier: SupportTier, priority: Priority, region: SupportRegion): ResponseTarget {
  const target = RESPONSE_TARGETS[tier][priority];
  const limit = REGION_COVERAGE_LIMITS[region]?.[priority];
  return limit ? { ...target, coverage: limit } : target;
}

/** Languages the plan's support is given in. */
export const supportLanguages = (region: SupportRegion): string[] => [...SUPPORT_LANGUAGES[region]];

/** What the tier includes, in the tier comparison's order. */
export function planIncludes(tier: SupportTier): Array<{ feature: PlanFeature; value: Inclusion }> {
  return PLAN_FEATURES.map((feature) => ({ feature, value: PLAN_INCLUDES[tier][feature] }));
}

/** "Included", "P1 cases only", "2 a year", "in the first year of a new solution", "Not included". */
export function describeInclusion(value: Inclusion, t: Translate): string {
  if (value === true) return t('support.includes.yes');
  if (value === false) return t('support.includes.no');
  if (value === 'p1_only') return t('support.includes.p1Only');
  if (value === 'first_year') return t('support.includes.firstYear');
  return t('support.includes.perYear', { count: value.perYear });
}

const MINUTES_PER_DAY = 24 * 60;
const WEEKDAYS = [1, 2, 3, 4, 5];
const EVERY_DAY = [1, 2, 3, 4, 5, 6, 7];

/** A weekly schedule in one zone: on these ISO weekdays (1 = Monday), from..to minutes after local midnight. */
interface Schedule { zone: string; weekdays: number[]; from: number; to: number }

const minutesOf = (hhmm: string) => {
  const [hours, minutes] = hhmm.split(':').map(Number);
  return hours * 60 + minutes;
};

function scheduleFor(coverage: Coverage, region: SupportRegion, zone: string): Schedule {
  const { open, close } = BUSINESS_HOURS[region];
  switch (coverage) {
    case '24x7': return { zone, weekdays: EVERY_DAY, from: 0, to: MINUTES_PER_DAY };
    // Monday 00:00 to Friday 24:00 in the region's zone.
    case '24x5': return { zone, weekdays: WEEKDAYS, from: 0, to: MINUTES_PER_DAY };
    case 'business_hours': return { zone, weekdays: WEEKDAYS, from: minutesOf(open), to: minutesOf(close) };
  }
}

export interface WindowStatus {
  open: boolean;
  /** Whole minutes until the window opens (when closed); a part minute counts, so never 0 while closed. */
  opensIn?: number;
  /** Whole minutes until it closes (when open); absent when it never closes (24x7). */
  closesIn?: number;
  zone: string;
  /** Local time in the zone, ISO 8601 with offset. */
  localTime: string;
}

/** The instant a window opens or closes on a local day; luxon resolves DST shifts of the wall clock. */
function edge(day: DateTime, minute: number): DateTime {
  if (minute >= MINUTES_PER_DAY) return day.startOf('day').plus({ days: 1 });
  // Built from wall-clock fields (not by adding minutes to midnight), so 09:00 stays 09:00 on a DST day.
  return minute === 0 ? day.startOf('day') : day.set({ hour: Math.floor(minute / 60), minute: minute % 60, second: 0, millisecond: 0 });
}

function windowStatus(schedule: Schedule, now: Date): WindowStatus {
  const here = DateTime.fromJSDate(now, { zone: schedule.zone });
  const base = { zone: schedule.zone, localTime: here.toISO({ suppressMilliseconds: true }) ?? '' };
  const untilMinutes = (at: DateTime) => Math.ceil(at.diff(here, 'minutes').minutes);
  const covers = (day: DateTime) => schedule.weekdays.includes(day.weekday);
  const today = here.startOf('day');

  if (covers(today) && here >= edge(today, schedule.from) && here < edge(today, schedule.to)) {
    // A window that runs to midnight carries on into the next covered day (24x5: Monday to Friday night).
    let day = today;
    for (let carried = 0; schedule.to === MINUTES_PER_DAY && schedule.from === 0 && covers(day.plus({ days: 1 })); carried++) {
      if (carried === 7) return { ...base, open: true };
      day = day.plus({ days: 1 });
    }
    return { ...base, open: true, closesIn: untilMinutes(edge(day, schedule.to)) };
  }
  for (let d = 0; d <= 7; d++) {
    const day = today.plus({ days: d });
    const opens = edge(day, schedule.from);
    if (covers(day) && opens > here) return { ...base, open: false, opensIn: untilMinutes(opens) };
  }
  // Unreachable with a schedule of at least one weekday: the next one is within a week.
  return { ...base, open: false };
}

/** Whether the region's business hours are on at `now` (in `zone`, default the region's), and for how long. */
export function businessHoursStatus(region: SupportRegion, now: Date, zone = BUSINESS_HOURS[region].zone): WindowStatus {
  return windowStatus(scheduleFor('business_hours', region, zone), now);
}

export interface CoverageNow extends WindowStatus {
  coverage: Coverage;
  within: ResponseTime;
}

/** Whether the partner owes a response now for this tier and priority, and within what. */
export function coverageNow(
  tier: SupportTier, priority: Priority, region: SupportRegion, now: Date, zone = BUSINESS_HOURS[region].zone,
): CoverageNow {
  const target = targetFor(tier, priority, region);
  return { coverage: target.coverage, within: target.within, ...windowStatus(scheduleFor(target.coverage, region, zone), now) };
}

/** "2 h 10 min", "45 min", "2 d 15 h" in the page's language. */
export function formatDuration(minutes: number, t: Translate): string {
  const d = Math.floor(minutes / MINUTES_PER_DAY);
  const hours = Math.floor((minutes % MINUTES_PER_DAY) / 60);
  const m = minutes % 60;
  if (d > 0) return t(hours ? 'duration.daysHours' : 'duration.days', { d, h: hours });
  if (hours > 0) return t(m ? 'duration.hoursMinutes' : 'duration.hours', { h: hours, m });
  return t('duration.minutes', { m });
}

/** "Inside business hours now · closes in 2 h 10 min" or "Outside business hours · opens in 3 h 10 min". */
export function describeBusinessHours(status: WindowStatus, t: Translate): string {
  return status.open
    ? t('support.hours.open', { duration: formatDuration(status.closesIn ?? 0, t) })
    : t('support.hours.closed', { duration: formatDuration(status.opensIn ?? 0, t) });
}

const COVERAGE_KEYS: Record<Coverage, MessageKey> = {
  '24x7': 'support.coverage.24x7',
  '24x5': 'support.coverage.24x5',
  business_hours: 'support.coverage.business_hours',
};

/** "24x7, 30 min", "business hours, 4 h", "3 business days". */
export function describeTarget(target: ResponseTarget, t: Translate): string {
  if ('businessDays' in target.within) {
    const n = target.within.businessDays;
    return t(n === 1 ? 'support.target.businessDay' : 'support.target.businessDays', { count: n });
  }
  return t('support.target.within', { coverage: t(COVERAGE_KEYS[target.coverage]), duration: formatDuration(target.within.minutes, t) });
}
