// Spec 3.7 as data: response targets and named-contact quotas per tier, regional business hours,
// and the clock arithmetic that says whether the partner owes a response right now.
//
// Each region's hours are kept in one reference zone, because a support plan names a region, not a
// city, and "local time" must mean one clock for the whole desk:
// - americas, America/Chicago: the middle of the continent's working day. 06:00–17:30 Central opens
//   at 07:00 on the East coast and still answers until 15:30 on the West coast; New York would close
//   at 14:30 Pacific. Follows US daylight saving (second Sunday of March, first Sunday of November).
// - emea, Europe/Paris: Central European Time covers most of the region's customers (and one hour
//   ahead of London, which it shares the EU daylight-saving dates with).
// - apac, Asia/Singapore: UTC+8 is also the clock of China, Hong Kong, Manila and Perth; no DST.
// - japan, Asia/Tokyo: no DST.
// Every computation goes through luxon (backed by Intl's time-zone data), so weekends, day
// boundaries and daylight-saving changes follow the zone's own rules.
import { DateTime } from 'luxon';
import type { MessageKey, Translate } from '../../i18n/i18n';
import type { SupportRegion, SupportTier } from '../../store/records';

export const TIERS: readonly SupportTier[] = ['online', 'business', 'enterprise', 'elite'];
export const REGIONS: readonly SupportRegion[] = ['americas', 'emea', 'apac', 'japan'];
export const PRIORITIES = ['P1', 'P2', 'P3', 'P4'] as const;
export type Priority = (typeof PRIORITIES)[number];

export type Coverage = '24x7' | '24x5' | 'business_hours';
/** Initial response within so many minutes of coverage, or so many business days. */
export type ResponseTime = { minutes: number } | { businessDays: number };
export interface ResponseTarget { coverage: Coverage; within: ResponseTime }

const h = (hours: number): ResponseTime => ({ minutes: hours * 60 });
const min = (minutes: number): ResponseTime => ({ minutes });
const days = (businessDays: number): ResponseTime => ({ businessDays });

export const RESPONSE_TARGETS: Readonly<Record<SupportTier, Readonly<Record<Priority, ResponseTarget>>>> = {
  online: {
    P1: { coverage: '24x7', within: h(1) },
    P2: { coverage: 'business_hours', within: h(4) },
    P3: { coverage: 'business_hours', within: h(6) },
    P4: { coverage: 'business_hours', within: days(3) },
  },
  business: {
    P1: { coverage: '24x7', within: h(1) },
    P2: { coverage: 'business_hours', within: h(2) },
    P3: { coverage: 'business_hours', within: h(4) },
    P4: { coverage: 'business_hours', within: days(1) },
  },
  enterprise: {
    P1: { coverage: '24x7', within: min(30) },
    P2: { coverage: '24x5', within: h(1) },
    P3: { coverage: 'business_hours', within: h(2) },
    P4: { coverage: 'business_hours', within: days(1) },
  },
  elite: {
    P1: { coverage: '24x7', within: min(15) },
    P2: { coverage: '24x5', within: min(30) },
    P3: { coverage: '24x5', within: h(1) },
    P4: { coverage: 'business_hours', within: days(1) },
  },
};

/** Named support contacts allowed per product. */
export const CONTACT_QUOTA: Readonly<Record<SupportTier, number>> = { online: 4, business: 6, enterprise: 10, elite: 15 };

export interface RegionHours {
  zone: string;
  /** Local wall-clock times, 'HH:mm', Monday to Friday. */
  open: string;
  close: string;
}

export const BUSINESS_HOURS: Readonly<Record<SupportRegion, RegionHours>> = {
  americas: { zone: 'America/Chicago', open: '06:00', close: '17:30' },
  emea: { zone: 'Europe/Paris', open: '09:00', close: '17:00' },
  apac: { zone: 'Asia/Singapore', open: '09:00', close: '17:00' },
  japan: { zone: 'Asia/Tokyo', open: '09:00', close: '17:30' },
};

const MINUTES_PER_DAY = 24 * 60;
const WEEKDAYS = [1, 2, 3, 4, 5];
const EVERY_DAY = [1, 2, 3, 4, 5, 6, 7];

/** A weekly schedule in one zone: on these ISO weekdays (1 = Monday), from..to minutes after local midnight. */
interface Schedule { zone: string; weekdays: number[]; from: number; to: number }

const minutesOf = (hhmm: string) => {
  const [hours, minutes] = hhmm.split(':').map(Number);
  return hours * 60 + minutes;
};

function scheduleFor(coverage: Coverage, region: SupportRegion): Schedule {
  const { zone, open, close } = BUSINESS_HOURS[region];
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

/** Whether the region's business hours are on at `now`, and for how long. */
export function businessHoursStatus(region: SupportRegion, now: Date): WindowStatus {
  return windowStatus(scheduleFor('business_hours', region), now);
}

export interface CoverageNow extends WindowStatus {
  coverage: Coverage;
  within: ResponseTime;
}

/** Whether the partner owes a response now for this tier and priority, and within what. */
export function coverageNow(tier: SupportTier, priority: Priority, region: SupportRegion, now: Date): CoverageNow {
  const target = RESPONSE_TARGETS[tier][priority];
  return { coverage: target.coverage, within: target.within, ...windowStatus(scheduleFor(target.coverage, region), now) };
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
