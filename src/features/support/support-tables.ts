// The support plans as the support documents define them, as plain data: nothing here computes.
// support-plans.ts turns these tables into answers (is the clock running now, what does this plan
// include); test/features/support-plans.test.ts reads each table as the documents print it.
import type { SupportRegion, SupportTier } from '../../store/records';

export const PRIORITIES = ['P1', 'P2', 'P3', 'P4'] as const;
export type Priority = (typeof PRIORITIES)[number];

export type Coverage = '24x7' | '24x5' | 'business_hours';
/** Initial response within so many minutes of coverage, or so many business days. */
export type ResponseTime = { minutes: number } | { businessDays: number };
export interface ResponseTarget { coverage: Coverage; within: ResponseTime }

const h = (hours: number): ResponseTime => ({ minutes: hours * 60 });
const min = (minutes: number): ResponseTime => ({ minutes });
const days = (businessDays: number): ResponseTime => ({ businessDays });

/** Initial response targets by tier and priority. */
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

/**
 * Regions whose cases are limited to the region's business hours at some priorities, whatever the
 * tier: in Japan only P1 is covered around the clock.
 */
export const REGION_COVERAGE_LIMITS: Readonly<Partial<Record<SupportRegion, Readonly<Partial<Record<Priority, Coverage>>>>>> = {
  japan: { P2: 'business_hours', P3: 'business_hours', P4: 'business_hours' },
};

/** Named support contacts allowed per product. */
export const CONTACT_QUOTA: Readonly<Record<SupportTier, number>> = { online: 4, business: 6, enterprise: 10, elite: 15 };

export interface RegionHours {
  /** The region's reference zone (IANA), used unless the org's plan names its own. */
  zone: string;
  /** Local wall-clock times, 'HH:mm', Monday to Friday. */
  open: string;
  close: string;
}

/**
 * Each region's hours are kept in one reference zone, because a support plan names a region, not a
 * city, and "local time" must mean one clock for the whole desk:
 * - americas, America/Chicago: the middle of the continent's working day. 06:00–17:30 Central opens
 *   at 07:00 on the East coast and still answers until 15:30 on the West coast.
 * - emea, Europe/Paris: Central European Time covers most of the region's customers.
 * - apac, Asia/Singapore: UTC+8 is also the clock of China, Hong Kong, Manila and Perth; no DST.
 * - japan, Asia/Tokyo: no DST.
 * An org's plan may carry its own zone (`supportPlan.timeZone`) for a customer billed in a region
 * but working on another clock.
 */
export const BUSINESS_HOURS: Readonly<Record<SupportRegion, RegionHours>> = {
  americas: { zone: 'America/Chicago', open: '06:00', close: '17:30' },
  emea: { zone: 'Europe/Paris', open: '09:00', close: '17:00' },
  apac: { zone: 'Asia/Singapore', open: '09:00', close: '17:00' },
  japan: { zone: 'Asia/Tokyo', open: '09:00', close: '17:30' },
};

/** Languages support is given in (BCP 47 codes), by region. */
export const SUPPORT_LANGUAGES: Readonly<Record<SupportRegion, readonly string[]>> = {
  americas: ['en'],
  emea: ['en'],
  apac: ['en'],
  japan: ['en', 'ja'],
};

/**
 * What a plan includes, as the tier comparison lists it, in its order. A value is `true` (included),
 * `false`, `'p1_only'` (live phone support for P1 cases only), `{ perYear: n }`, or
 * `'first_year'` (in the first year of a new solution).
 */
export type Inclusion = boolean | 'p1_only' | 'first_year' | { perYear: number };
export const PLAN_FEATURES = [
  'livePhoneSupport', 'escalationManagement', 'accountLead', 'namedSupportEngineer', 'technicalAccountManager',
  'serviceReviews', 'expertSessions', 'caseReviews', 'eventManagement', 'environmentReview', 'roadmapReview',
  'fieldActivities', 'launchAdvisory',
] as const;
export type PlanFeature = (typeof PLAN_FEATURES)[number];

const perYear = (n: number) => ({ perYear: n });

export const PLAN_INCLUDES: Readonly<Record<SupportTier, Readonly<Record<PlanFeature, Inclusion>>>> = {
  online: {
    livePhoneSupport: 'p1_only', escalationManagement: false, accountLead: false, namedSupportEngineer: false,
    technicalAccountManager: false, serviceReviews: false, expertSessions: false, caseReviews: false,
    eventManagement: false, environmentReview: false, roadmapReview: false, fieldActivities: false, launchAdvisory: false,
  },
  business: {
    livePhoneSupport: true, escalationManagement: false, accountLead: false, namedSupportEngineer: false,
    technicalAccountManager: false, serviceReviews: false, expertSessions: false, caseReviews: false,
    eventManagement: false, environmentReview: false, roadmapReview: false, fieldActivities: false, launchAdvisory: false,
  },
  enterprise: {
    livePhoneSupport: true, escalationManagement: true, accountLead: true, namedSupportEngineer: true,
    technicalAccountManager: false, serviceReviews: perYear(2), expertSessions: perYear(2), caseReviews: false,
    eventManagement: false, environmentReview: false, roadmapReview: false, fieldActivities: perYear(2), launchAdvisory: 'first_year',
  },
  elite: {
    livePhoneSupport: true, escalationManagement: true, accountLead: true, namedSupportEngineer: true,
    technicalAccountManager: true, serviceReviews: perYear(4), expertSessions: perYear(4), caseReviews: true,
    eventManagement: true, environmentReview: true, roadmapReview: true, fieldActivities: perYear(4), launchAdvisory: 'first_year',
  },
};
