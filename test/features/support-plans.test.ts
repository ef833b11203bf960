// Support plans (src/features/support/support-tables.ts): the response-target table, named-contact quotas, regional business hours and 24x5 coverage,
// computed from explicit instants so time zones, day boundaries, weekends and DST changes are pinned.
import { translator } from '../../src/i18n/i18n';
import {
  CONTACT_QUOTA, PLAN_FEATURES, PLAN_INCLUDES, RESPONSE_TARGETS, businessHoursStatus, coverageNow, describeBusinessHours,
  describeInclusion, describeTarget, formatDuration, planZone, supportLanguages, targetFor,
  type Priority,
} from '../../src/features/support/support-plans';
import { parseImportRecord } from '../../src/import/import.schema';
import type { SupportTier } from '../../src/store/store';

const en = translator('en');
const fr = translator('fr');

describe('response targets', () => {
  // The product's table, verbatim: [tier, priority, what the table says].
  const table: Array<[SupportTier, Priority, string]> = [
    ['online', 'P1', '24x7, 1 h'], ['online', 'P2', 'business hours, 4 h'], ['online', 'P3', 'business hours, 6 h'], ['online', 'P4', '3 business days'],
    ['business', 'P1', '24x7, 1 h'], ['business', 'P2', 'business hours, 2 h'], ['business', 'P3', 'business hours, 4 h'], ['business', 'P4', '1 business day'],
    ['enterprise', 'P1', '24x7, 30 min'], ['enterprise', 'P2', '24x5, 1 h'], ['enterprise', 'P3', 'business hours, 2 h'], ['enterprise', 'P4', '1 business day'],
    ['elite', 'P1', '24x7, 15 min'], ['elite', 'P2', '24x5, 30 min'], ['elite', 'P3', '24x5, 1 h'], ['elite', 'P4', '1 business day'],
  ];

  test.each(table)('when the tier is %s and the priority %s, then the initial response target is "%s"', (tier, priority, expected) => {
    expect(describeTarget(RESPONSE_TARGETS[tier][priority], en)).toBe(expected);
  });

  test('when the table is read as data, then it holds exactly the 16 cells of the product table in minutes and business days', () => {
    expect(RESPONSE_TARGETS).toEqual({
      online: {
        P1: { coverage: '24x7', within: { minutes: 60 } }, P2: { coverage: 'business_hours', within: { minutes: 240 } },
        P3: { coverage: 'business_hours', within: { minutes: 360 } }, P4: { coverage: 'business_hours', within: { businessDays: 3 } },
      },
      business: {
        P1: { coverage: '24x7', within: { minutes: 60 } }, P2: { coverage: 'business_hours', within: { minutes: 120 } },
        P3: { coverage: 'business_hours', within: { minutes: 240 } }, P4: { coverage: 'business_hours', within: { businessDays: 1 } },
      },
      enterprise: {
        P1: { coverage: '24x7', within: { minutes: 30 } }, P2: { coverage: '24x5', within: { minutes: 60 } },
        P3: { coverage: 'business_hours', within: { minutes: 120 } }, P4: { coverage: 'business_hours', within: { businessDays: 1 } },
      },
      elite: {
        P1: { coverage: '24x7', within: { minutes: 15 } }, P2: { coverage: '24x5', within: { minutes: 30 } },
        P3: { coverage: '24x5', within: { minutes: 60 } }, P4: { coverage: 'business_hours', within: { businessDays: 1 } },
      },
    });
  });

  test('when the named-contact quotas are read, then they are online 4, business 6, enterprise 10, elite 15', () => {
    expect(CONTACT_QUOTA).toEqual({ online: 4, business: 6, enterprise: 10, elite: 15 });
  });

  test('when a target is shown in French, then coverage and duration are French', () => {
    expect(describeTarget(RESPONSE_TARGETS.business.P2, fr)).toBe('heures ouvrées, 2 h');
    expect(describeTarget(RESPONSE_TARGETS.online.P4, fr)).toBe('3 jours ouvrés');
    expect(describeTarget(RESPONSE_TARGETS.elite.P3, fr)).toBe('24 h/24, 5 j/7, 1 h');
  });
});

describe('business hours', () => {
  test('when it is Wednesday 08:30 UTC, then each region answers by its own clock', () => {
    const now = new Date('2026-01-14T08:30:00Z');
    // Chicago 02:30 CST, Paris 09:30 CET, Singapore 16:30, Tokyo 17:30 (closing time is not open).
    expect(businessHoursStatus('americas', now)).toMatchObject({ open: false, opensIn: 210, zone: 'America/Chicago' });
    expect(businessHoursStatus('emea', now)).toMatchObject({ open: true, closesIn: 450, zone: 'Europe/Paris' });
    expect(businessHoursStatus('apac', now)).toMatchObject({ open: true, closesIn: 30, zone: 'Asia/Singapore' });
    expect(businessHoursStatus('japan', now)).toMatchObject({ open: false, opensIn: 930, zone: 'Asia/Tokyo' });
    expect(businessHoursStatus('japan', now).localTime).toBe('2026-01-14T17:30:00+09:00');
  });

  test('when the local date differs from the UTC date, then the local day decides', () => {
    // Wednesday 23:30 UTC is Thursday 08:30 in Tokyo: opens in 30 min, the same morning.
    expect(businessHoursStatus('japan', new Date('2026-01-14T23:30:00Z'))).toMatchObject({ open: false, opensIn: 30 });
    // Thursday 03:00 UTC is still Wednesday 21:00 in Chicago: opens Thursday 06:00.
    expect(businessHoursStatus('americas', new Date('2026-01-15T03:00:00Z'))).toMatchObject({ open: false, opensIn: 540 });
  });

  test('when the opening minute arrives, then it is open, and one minute earlier it opens in 1 min', () => {
    expect(businessHoursStatus('americas', new Date('2026-01-14T12:00:00Z'))).toMatchObject({ open: true, closesIn: 690 });
    expect(businessHoursStatus('americas', new Date('2026-01-14T11:59:00Z'))).toMatchObject({ open: false, opensIn: 1 });
    // A part minute counts as a whole one, so a closed desk never says "opens in 0 min".
    expect(businessHoursStatus('americas', new Date('2026-01-14T11:59:59Z'))).toMatchObject({ open: false, opensIn: 1 });
  });

  test('when Friday closes, then the weekend is skipped and it opens on Monday morning', () => {
    // Friday 17:00 Paris: Monday 09:00 is 64 h away.
    const friday = businessHoursStatus('emea', new Date('2026-01-16T16:00:00Z'));
    expect(friday).toMatchObject({ open: false, opensIn: 64 * 60 });
    expect(describeBusinessHours(friday, en)).toBe('Outside business hours · opens in 2 d 16 h');
    // Saturday noon in Singapore, Sunday 23:59 in Tokyo.
    expect(businessHoursStatus('apac', new Date('2026-01-17T04:00:00Z'))).toMatchObject({ open: false, opensIn: 45 * 60 });
    expect(businessHoursStatus('japan', new Date('2026-01-18T14:59:00Z'))).toMatchObject({ open: false, opensIn: 9 * 60 + 1 });
  });

  test('when the US clocks go forward over the weekend, then Monday opens at 06:00 CDT, an hour earlier in UTC', () => {
    // Daylight saving starts Sunday 8 March 2026 in Chicago.
    const friday = businessHoursStatus('americas', new Date('2026-03-06T23:30:00Z')); // Friday 17:30 CST
    expect(friday).toMatchObject({ open: false, opensIn: 59 * 60 + 30 });
    expect(businessHoursStatus('americas', new Date('2026-03-09T11:00:00Z'))).toMatchObject({ open: true, closesIn: 690 });
    expect(businessHoursStatus('americas', new Date('2026-03-09T11:00:00Z')).localTime).toBe('2026-03-09T06:00:00-05:00');
  });

  test('when the clocks go back, then the weekend is an hour longer, and the EU changes on its own date', () => {
    // Chicago falls back Sunday 1 November 2026: Friday 17:30 CDT to Monday 06:00 CST is 61 h 30.
    expect(businessHoursStatus('americas', new Date('2026-10-30T22:30:00Z'))).toMatchObject({ open: false, opensIn: 61 * 60 + 30 });
    // Paris springs forward Sunday 29 March 2026, three weeks after Chicago: Friday 17:00 CET to Monday 09:00 CEST is 63 h.
    expect(businessHoursStatus('emea', new Date('2026-03-27T16:00:00Z'))).toMatchObject({ open: false, opensIn: 63 * 60 });
    // In the weeks between, Paris 09:00 is 07:00 UTC after its change and 08:00 UTC before it.
    expect(businessHoursStatus('emea', new Date('2026-03-30T07:00:00Z'))).toMatchObject({ open: true, closesIn: 480 });
    expect(businessHoursStatus('emea', new Date('2026-03-23T07:00:00Z'))).toMatchObject({ open: false, opensIn: 60 });
  });

  test('when the status is described, then it reads "closes in" or "opens in" in English and French', () => {
    const open = businessHoursStatus('emea', new Date('2026-01-14T13:50:00Z')); // 14:50 Paris
    const closed = businessHoursStatus('emea', new Date('2026-01-14T04:50:00Z')); // 05:50 Paris
    expect(describeBusinessHours(open, en)).toBe('Inside business hours now · closes in 2 h 10 min');
    expect(describeBusinessHours(closed, en)).toBe('Outside business hours · opens in 3 h 10 min');
    expect(describeBusinessHours(open, fr)).toBe('Dans les heures ouvrées · ferme dans 2 h 10 min');
    expect(describeBusinessHours(closed, fr)).toBe('Hors des heures ouvrées · ouvre dans 3 h 10 min');
  });

  test('when durations are formatted, then whole hours, minutes and days read naturally', () => {
    expect([45, 60, 130, 24 * 60, 26 * 60 + 5].map((m) => formatDuration(m, en))).toEqual(['45 min', '1 h', '2 h 10 min', '1 d', '1 d 2 h']);
    expect(formatDuration(26 * 60, fr)).toBe('1 j 2 h');
  });
});

describe('coverage now', () => {
  // Monday 00:00 in Paris is Sunday 23:00 UTC in winter.
  const mondayStart = new Date('2026-01-11T23:00:00Z');
  const saturdayStart = new Date('2026-01-16T23:00:00Z');
  const minute = 60_000;

  test('when 24x5 starts on Monday 00:00 local, then it runs without a break until Friday 24:00', () => {
    expect(coverageNow('elite', 'P2', 'emea', mondayStart)).toMatchObject({ coverage: '24x5', open: true, closesIn: 5 * 24 * 60 });
    expect(coverageNow('elite', 'P2', 'emea', new Date(mondayStart.getTime() - minute))).toMatchObject({ open: false, opensIn: 1 });
  });

  test('when Friday 23:59 local turns to Saturday 00:00, then 24x5 stops until Monday', () => {
    expect(coverageNow('enterprise', 'P2', 'emea', new Date(saturdayStart.getTime() - minute))).toMatchObject({ open: true, closesIn: 1 });
    expect(coverageNow('enterprise', 'P2', 'emea', saturdayStart)).toMatchObject({ open: false, opensIn: 48 * 60 });
  });

  test('when 24x5 is judged, then the region\'s own midnight counts, not UTC\'s', () => {
    // Friday 23:30 UTC is already Saturday 08:30 in Tokyo, but still Friday 17:30 in Chicago.
    const at = new Date('2026-01-16T23:30:00Z');
    expect(coverageNow('elite', 'P3', 'japan', at)).toMatchObject({ open: false });
    expect(coverageNow('elite', 'P3', 'americas', at)).toMatchObject({ open: true, closesIn: 6 * 60 + 30 });
  });

  test('when it is Sunday night, then P1 is covered 24x7 and never closes, while P2 business hours are not', () => {
    const sunday = new Date('2026-01-18T13:00:00Z'); // 21:00 in Singapore
    const p1 = coverageNow('online', 'P1', 'apac', sunday);
    expect(p1).toMatchObject({ coverage: '24x7', open: true, within: { minutes: 60 } });
    expect(p1.closesIn).toBeUndefined();
    expect(coverageNow('online', 'P2', 'apac', sunday)).toMatchObject({ coverage: 'business_hours', open: false, opensIn: 12 * 60 });
  });
});

describe('Japan: only P1 around the clock', () => {
  // The documents: in Japan, P2, P3 and P4 cases are limited to Japan's business hours, whatever the tier.
  const japan: Array<[SupportTier, string, string, string, string]> = [
    ['online', '24x7, 1 h', 'business hours, 4 h', 'business hours, 6 h', '3 business days'],
    ['business', '24x7, 1 h', 'business hours, 2 h', 'business hours, 4 h', '1 business day'],
    ['enterprise', '24x7, 30 min', 'business hours, 1 h', 'business hours, 2 h', '1 business day'],
    ['elite', '24x7, 15 min', 'business hours, 30 min', 'business hours, 1 h', '1 business day'],
  ];

  test.each(japan)('when a %s customer is in the japan region, then P1 to P4 read "%s", "%s", "%s", "%s"', (tier, ...expected) => {
    expect((['P1', 'P2', 'P3', 'P4'] as Priority[]).map((p) => describeTarget(targetFor(tier, p, 'japan'), en))).toEqual(expected);
  });

  test('when the same enterprise tier is in EMEA, then P2 keeps its 24x5 coverage', () => {
    expect(describeTarget(targetFor('enterprise', 'P2', 'emea'), en)).toBe('24x5, 1 h');
  });

  test('when a Japan enterprise customer calls with a P2 on Wednesday evening in Tokyo, then the clock does not run until 09:00', () => {
    const evening = new Date('2026-01-14T11:00:00Z'); // 20:00 in Tokyo
    expect(coverageNow('enterprise', 'P2', 'japan', evening)).toMatchObject({ coverage: 'business_hours', open: false, opensIn: 13 * 60 });
    expect(coverageNow('enterprise', 'P1', 'japan', evening)).toMatchObject({ coverage: '24x7', open: true });
  });
});

describe('languages and what a plan includes', () => {
  test('when the region is read, then support is in English, and in Japan in English and Japanese', () => {
    expect(supportLanguages('americas')).toEqual(['en']);
    expect(supportLanguages('emea')).toEqual(['en']);
    expect(supportLanguages('apac')).toEqual(['en']);
    expect(supportLanguages('japan')).toEqual(['en', 'ja']);
  });

  // The tier comparison as the documents print it: feature, then online, business, enterprise, elite.
  const comparison: Array<[string, string, string, string, string]> = [
    ['livePhoneSupport', 'P1 cases only', 'Included', 'Included', 'Included'],
    ['escalationManagement', 'Not included', 'Not included', 'Included', 'Included'],
    ['accountLead', 'Not included', 'Not included', 'Included', 'Included'],
    ['namedSupportEngineer', 'Not included', 'Not included', 'Included', 'Included'],
    ['technicalAccountManager', 'Not included', 'Not included', 'Not included', 'Included'],
    ['serviceReviews', 'Not included', 'Not included', '2 per year', '4 per year'],
    ['expertSessions', 'Not included', 'Not included', '2 per year', '4 per year'],
    ['caseReviews', 'Not included', 'Not included', 'Not included', 'Included'],
    ['eventManagement', 'Not included', 'Not included', 'Not included', 'Included'],
    ['environmentReview', 'Not included', 'Not included', 'Not included', 'Included'],
    ['roadmapReview', 'Not included', 'Not included', 'Not included', 'Included'],
    ['fieldActivities', 'Not included', 'Not included', '2 per year', '4 per year'],
    ['launchAdvisory', 'Not included', 'Not included', 'In the first year of a new solution', 'In the first year of a new solution'],
  ];

  test('when the tier comparison is read, then every row holds what the documents list, in their order', () => {
    expect(comparison.map(([feature]) => feature)).toEqual([...PLAN_FEATURES]);
    const read = PLAN_FEATURES.map((feature) => [feature,
      ...(['online', 'business', 'enterprise', 'elite'] as SupportTier[]).map((tier) => describeInclusion(PLAN_INCLUDES[tier][feature], en))]);
    expect(read).toEqual(comparison);
  });

  test('when a measure is shown in French, then it reads in French', () => {
    expect(describeInclusion({ perYear: 4 }, fr)).toBe('4 par an');
    expect(describeInclusion('p1_only', fr)).toBe('Cas P1 uniquement');
  });
});

describe('whose clock', () => {
  test('when a plan names its own zone, then its business hours follow that clock, else the region\'s', () => {
    expect(planZone({ region: 'americas', timeZone: 'America/New_York' })).toBe('America/New_York');
    expect(planZone({ region: 'americas' })).toBe('America/Chicago');
    // Wednesday 11:30 UTC: 06:30 in New York (open since 06:00), 05:30 in Chicago (opens in 30 min).
    const at = new Date('2026-01-14T11:30:00Z');
    expect(businessHoursStatus('americas', at, 'America/New_York')).toMatchObject({ open: true, zone: 'America/New_York' });
    expect(businessHoursStatus('americas', at)).toMatchObject({ open: false, opensIn: 30, zone: 'America/Chicago' });
  });

  test('when an import names a time zone, then an IANA name is kept and anything else is refused naming the field', () => {
    const org = (timeZone: string) => ({
      kind: 'org', id: '0b7e6a4e-5a0c-4c57-9a51-3f1b2f0a9c11', partnerId: 'p-north', name: 'Acme', status: 'active',
      createdAt: '2023-04-01T10:00:00Z', supportPlan: { tier: 'business', region: 'americas', timeZone },
    });
    const ok = parseImportRecord(org('America/New_York'));
    expect(ok).toMatchObject({ ok: true, record: { supportPlan: { timeZone: 'America/New_York' } } });
    const bad = parseImportRecord(org('Eastern Time'));
    expect(bad).toEqual({ ok: false, reason: 'supportPlan.timeZone: not an IANA time zone, e.g. Europe/Paris or America/New_York' });
  });
});
