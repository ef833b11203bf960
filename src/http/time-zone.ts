// Times on pages, in the viewer's time zone: the browser tells it once (public/js/app.js posts it to
// /prefs/time-zone, kept in the session); until then, and for a zone no longer known, times show in
// UTC, labelled so. Every view renders a time through res.locals.when, never by slicing the ISO string.
// The JSON API is untouched: it keeps ISO 8601 in UTC.
import { DateTime, IANAZone } from 'luxon';

export type WhenStyle = 'datetime' | 'seconds' | 'date' | 'time';

const PATTERN: Record<WhenStyle, string> = {
  datetime: 'yyyy-MM-dd HH:mm',
  seconds: 'yyyy-MM-dd HH:mm:ss',
  date: 'yyyy-MM-dd',
  time: 'HH:mm',
};

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

export const isTimeZone = (zone: string): boolean => IANAZone.isValidZone(zone);

export interface LocalTime {
  /** As shown: in the viewer's zone, with the zone's short name on times ("GMT+9", "UTC"). */
  local: string;
  /** For the hover title: the same instant in UTC. */
  utc: string;
  iso: string;
}

/** The instant in `zone` (UTC when unknown or not a zone); null for a value that is no instant. */
export function localTime(iso: unknown, zone: string | undefined, lang: string, style: WhenStyle = 'datetime'): LocalTime | null {
  if (iso === null || iso === undefined || iso === '') return null;
  const text = iso instanceof Date ? iso.toISOString() : String(iso);
  const instant = DateTime.fromISO(text, { zone: 'utc' });
  if (!instant.isValid) return null;
  const inZone = instant.setZone(zone && isTimeZone(zone) ? zone : 'utc').setLocale(lang);
  const label = inZone.zoneName === 'UTC' ? 'UTC' : inZone.offsetNameShort ?? inZone.toFormat('ZZ');
  const local = inZone.toFormat(PATTERN[style]) + (style === 'date' ? '' : ` ${label}`);
  return { local, utc: `${instant.toFormat(PATTERN[style === 'seconds' ? 'seconds' : 'datetime'])} UTC`, iso: text };
}

/** Markup that is already escaped: printed as it is by `<%- %>` and by tHtml (http/locals.ts). */
export class SafeHtml {
  constructor(readonly html: string) {}
  toString(): string { return this.html; }
}

/**
 * A message whose parameters may be times: every plain parameter and the message's own text are
 * escaped, a SafeHtml parameter (a `<time>` from whenHtml) goes in as markup. For `<%- tHtml(…) %>`.
 */
export function messageHtml(
  t: (key: never, params?: Record<string, string | number>) => string,
  key: string, params: Record<string, string | number | SafeHtml>,
): string {
  const marks: string[] = [];
  const plain: Record<string, string | number> = {};
  for (const [k, v] of Object.entries(params)) {
    if (v instanceof SafeHtml) { plain[k] = `\u0000${marks.length}\u0000`; marks.push(v.html); } else plain[k] = v;
  }
  return escapeHtml((t as (k: string, p: Record<string, string | number>) => string)(key, plain))
    .replace(/\u0000(\d+)\u0000/g, (_m, i: string) => marks[Number(i)]);
}

/**
 * `<time datetime=… title="… UTC">local</time>`, escaped, for `<%- when(iso) %>`. A calendar date
 * with no time of day ("2024-03-01": an order date) is a date everywhere: shown as it is.
 */
export function whenHtml(iso: unknown, zone: string | undefined, lang: string, style: WhenStyle = 'datetime'): SafeHtml {
  if (typeof iso === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(iso)) return new SafeHtml(`<time datetime="${iso}">${iso}</time>`);
  const t = localTime(iso, zone, lang, style);
  if (!t) return new SafeHtml(iso === null || iso === undefined ? '' : escapeHtml(String(iso)));
  return new SafeHtml(`<time datetime="${escapeHtml(t.iso)}" title="${escapeHtml(t.utc)}">${escapeHtml(t.local)}</time>`);
}
