// User-facing words live in locales/<lang>.json (English is the reference; French must have every key,
// which test/features/i18n.test.ts checks). `{name}` placeholders are filled from params.
import { IntlMessageFormat } from 'intl-messageformat';
import en from './locales/en.json';
import fr from './locales/fr.json';

export const LANGUAGES = ['en', 'fr'] as const;
export type Lang = (typeof LANGUAGES)[number];
export type MessageKey = keyof typeof en;
export type Translate = (key: MessageKey, params?: Record<string, string | number>) => string;

const catalogs: Record<Lang, Record<string, string>> = { en, fr };

/** Messages that choose words by number (`{count, plural, one {# try} other {# tries}}`), compiled once. */
const PLURAL = /\{\s*\w+\s*,\s*(plural|select|selectordinal)\s*,/;
const compiled = new Map<string, IntlMessageFormat>();
function formatPlural(text: string, lang: Lang, params: Record<string, string | number>): string {
  const cacheKey = `${lang}\u0000${text}`;
  let format = compiled.get(cacheKey);
  if (!format) {
    format = new IntlMessageFormat(text, lang);
    compiled.set(cacheKey, format);
  }
  return String(format.format(params));
}

export function translator(lang: Lang): Translate {
  const catalog = catalogs[lang];
  return (key, params) => {
    const text = catalog[key] ?? en[key] ?? key;
    if (!params) return text;
    // Plural rules are the language's own (Intl.PluralRules): French "1 essai", English "1 try", "0 tries".
    if (PLURAL.test(text)) return formatPlural(text, lang, params);
    return text.replace(/\{(\w+)\}/g, (m, k: string) => (k in params ? String(params[k]) : m));
  };
}

export const isLang = (v: unknown): v is Lang => typeof v === 'string' && (LANGUAGES as readonly string[]).includes(v);

/**
 * Words for a stored value (`userStatus` + `active` → "actif"). A value the locale files do not
 * know (a role added upstream, say) is shown as stored rather than as a missing key.
 */
export function valueLabel(t: Translate): (group: string, value: string) => string {
  return (group, value) => {
    const key = `${group}.${value}`;
    return key in en ? t(key as MessageKey) : value;
  };
}
