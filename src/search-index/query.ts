// Query understanding shared by both search adapters, so that the in-process engine and
// Meilisearch agree on what a word is, what an identifier is and what a hit matched.
import { parsePhoneNumberFromString } from 'libphonenumber-js';
import {
  SEARCH_FIELDS, TYPO_FIELDS, type MatchedField, type SearchDoc, type SearchField,
} from './search-index';

export type QueryType = 'uuid' | 'uuid_prefix' | 'email' | 'phone' | 'mac' | 'order' | 'domain' | 'text';

export interface Token {
  /** The folded word: accents stripped, lower case. */
  text: string;
  /** [start, end) in the original string, for highlighting. */
  start: number;
  end: number;
}

/** Meilisearch reads only the first ten words of a query; so do we, on both adapters. */
export const MAX_QUERY_WORDS = 10;

const MARKS = /\p{M}/gu;
const WORD_CHAR = /[\p{L}\p{N}]/u;
const ASCII = /^[\x00-\x7f]*$/;
const ASCII_WORDS = /[a-z0-9]+/g;

export function foldText(s: string): string {
  // ASCII has nothing to decompose and no marks: lower-casing is the whole fold.
  if (ASCII.test(s)) return s.toLowerCase();
  return s.normalize('NFKD').replace(MARKS, '').toLowerCase();
}

/**
 * Folded forms of the non-ASCII characters met so far: highlighting splits every non-ASCII value of
 * every hit shown, and the same few accented letters come back all the time. Bounded, in case a
 * stream of rare characters arrives.
 */
const foldedChars = new Map<string, string>();
function foldChar(ch: string): string {
  let folded = foldedChars.get(ch);
  if (folded === undefined) {
    folded = foldText(ch);
    if (foldedChars.size < 10_000) foldedChars.set(ch, folded);
  }
  return folded;
}

/** A lower-case ASCII letter or a digit: what words of a lower-cased ASCII value are made of. */
const isAsciiWordCode = (c: number) => (c >= 0x61 && c <= 0x7a) || (c >= 0x30 && c <= 0x39);

function isWordChar(ch: string): boolean {
  const c = ch.charCodeAt(0);
  if (c < 0x80) return isAsciiWordCode(c) || (c >= 0x41 && c <= 0x5a);
  return WORD_CHAR.test(ch);
}

export function tokenize(s: string): Token[] {
  const tokens: Token[] = [];
  // Most identifiers and many names are ASCII: folding is then just lower-casing, offsets are kept.
  if (ASCII.test(s)) {
    // Runs of [a-z0-9] by character codes: highlighting splits every value of every hit shown.
    const lower = s.toLowerCase();
    let start = -1;
    for (let i = 0; i <= lower.length; i++) {
      const c = i < lower.length ? lower.charCodeAt(i) : 0;
      const word = isAsciiWordCode(c);
      if (word && start < 0) start = i;
      else if (!word && start >= 0) {
        tokens.push({ text: lower.slice(start, i), start, end: i });
        start = -1;
      }
    }
    return tokens;
  }
  // Fold code point by code point so every folded character knows where it came from;
  // NFKD can change lengths ('ﬁ' → 'fi', 'é' → 'e' + mark), so offsets of the folded string are useless.
  let text = '';
  let start = -1;
  let end = -1;
  let i = 0;
  for (const ch of s) {
    const next = i + ch.length;
    const c = ch.charCodeAt(0);
    // An ASCII character folds to itself in lower case; only the others need Unicode normalization.
    const folded = c < 0x80 ? (c >= 0x41 && c <= 0x5a ? String.fromCharCode(c + 0x20) : ch) : foldChar(ch);
    if (folded === '') {
      // A bare combining mark belongs to the word it follows.
      if (start >= 0) end = next;
    } else {
      for (const f of folded) {
        if (isWordChar(f)) {
          if (start < 0) start = i;
          text += f;
          end = next;
        } else if (start >= 0) {
          tokens.push({ text, start, end });
          text = '';
          start = -1;
        }
      }
    }
    i = next;
  }
  if (start >= 0) tokens.push({ text, start, end });
  return tokens;
}

const WORDS = /[\p{L}\p{N}]+/gu;
const CAPITAL_SIGMA = /\u03a3/;

/**
 * The words tokenize() finds, without offsets, for indexing: folding the whole value at once is
 * several times faster than code point by code point. Lower-casing a whole string differs only
 * for a capital sigma (final form at the end of a word), so such values take the slow path.
 */
export function tokenWords(s: string): string[] {
  if (ASCII.test(s)) return s.toLowerCase().match(ASCII_WORDS) ?? [];
  if (CAPITAL_SIGMA.test(s)) return tokenize(s).map((t) => t.text);
  return foldText(s).match(WORDS) ?? [];
}

/** The words of a query as both adapters read them: at most MAX_QUERY_WORDS, the last one a prefix. */
export function queryWords(q: string): string[] {
  return tokenize(q).slice(0, MAX_QUERY_WORDS).map((t) => t.text);
}

/** Typos tolerated in a word of this many letters (Meilisearch's minWordSizeForTypos defaults). */
export function typoBudget(wordLength: number): number {
  if (wordLength >= 9) return 2;
  if (wordLength >= 5) return 1;
  return 0;
}

/**
 * The typos left for the rest of a word when its first letter differs: Meilisearch counts a typo on
 * the first letter as two (milli's zero/one/two-typo derivations only look past the first letter
 * with the two-typo budget, and then allow one edit in all), so `kelene` does not find `helene`
 * while `khristopher` finds `christopher` with two typos. Compare distances against this budget,
 * and count a match as its distance plus one.
 */
export function firstLetterBudget(budget: number): number {
  return budget > 0 ? budget - 1 : 0;
}

/**
 * Three rows of an alignment table, reused by every call (highlighting calls these for words of
 * every hit shown, so they allocate nothing); grown when a longer word comes.
 */
let rows = [new Int32Array(64), new Int32Array(64), new Int32Array(64)];
function alignmentRows(width: number): Int32Array[] {
  if (rows[0]!.length < width) rows = [0, 1, 2].map(() => new Int32Array(width * 2));
  return rows;
}

/**
 * One alignment table of `a` against `b` up to column `last`: insertions, deletions,
 * substitutions and swaps of two neighbouring letters each cost one (optimal string alignment).
 * Returns its last row, or null as soon as every cell of a row exceeds max (later rows cannot
 * come back below it). Works on UTF-16 units, like the engine's trie, so both count a typo alike.
 */
function alignment(a: string, b: string, last: number, max: number): Int32Array | null {
  let [prev2, prev, row] = alignmentRows(last + 1) as [Int32Array, Int32Array, Int32Array];
  for (let j = 0; j <= last; j++) prev[j] = j;
  for (let i = 1; i <= a.length; i++) {
    row[0] = i;
    let rowMin = i;
    const ai = a.charCodeAt(i - 1);
    for (let j = 1; j <= last; j++) {
      const bj = b.charCodeAt(j - 1);
      let d = Math.min(prev[j]! + 1, row[j - 1]! + 1, prev[j - 1]! + (ai === bj ? 0 : 1));
      if (i > 1 && j > 1 && ai === b.charCodeAt(j - 2) && a.charCodeAt(i - 2) === bj) d = Math.min(d, prev2[j - 2]! + 1);
      row[j] = d;
      if (d < rowMin) rowMin = d;
    }
    if (rowMin > max) return null;
    const spare = prev2;
    prev2 = prev;
    prev = row;
    row = spare;
  }
  return prev;
}

/** Optimal string alignment distance between a and b, capped at max + 1. */
export function damerauDistance(a: string, b: string, max: number): number {
  if (Math.abs(a.length - b.length) > max) return max + 1;
  const last = alignment(a, b, b.length, max);
  return last ? Math.min(last[b.length]!, max + 1) : max + 1;
}

/** Fewest typos between `word` and any prefix of `token` (search-as-you-type with typos), capped at max + 1. */
export function prefixDistance(word: string, token: string, max: number): number {
  // The last row of one table of the word against the token holds the distance to every prefix at once.
  const m = word.length;
  const lastCol = Math.min(token.length, m + max);
  const last = alignment(word, token, lastCol, max);
  if (!last) return max + 1;
  let best = max + 1;
  for (let j = Math.max(0, m - max); j <= lastCol; j++) best = Math.min(best, last[j]!);
  return best;
}

export function normalizeEmail(s: string): string {
  return s.trim().toLowerCase();
}

/** SIP URIs are compared without their scheme: 'sip:a@b' and 'a@b' are one address. */
export function normalizeSip(s: string): string {
  return s.trim().toLowerCase().replace(/^sips?:/, '');
}

const MAC_FORMS = [
  /^[0-9a-f]{2}([:-])[0-9a-f]{2}(?:\1[0-9a-f]{2}){4}$/i,
  /^[0-9a-f]{4}\.[0-9a-f]{4}\.[0-9a-f]{4}$/i,
  /^[0-9a-f]{12}$/i,
];

export function normalizeMac(s: string): string | null {
  const t = s.trim();
  if (!MAC_FORMS.some((re) => re.test(t))) return null;
  return t.replace(/[:.-]/g, '').toLowerCase();
}

/** Octets a MAC is also found by from its start: 3 (the maker's OUI), 4 or 5. */
export const MAC_PREFIX_OCTETS = [3, 4, 5] as const;

const MAC_PREFIX_FORMS = [
  // 00:1A:2B, 00-1a-2b-3c (one separator throughout), a trailing separator as it is being typed.
  /^[0-9a-f]{2}([:-])[0-9a-f]{2}(?:\1[0-9a-f]{2}){1,3}\1?$/i,
  // Cisco's dotted groups: 001a.2b, 001a.2b3c, 001a.2b3c.4d.
  /^[0-9a-f]{4}\.[0-9a-f]{2}(?:[0-9a-f]{2}(?:\.[0-9a-f]{2})?)?\.?$/i,
];

/**
 * The hex digits of a MAC prefix as MACs are written (3 to 5 whole octets with their separators),
 * or null. A MAC is found by its whole address or by such a prefix, never by octets from its middle
 * or end: '56 78' is no one's MAC. Bare hex digits short of a whole address are not read as a MAC
 * (they are order numbers, serials or UUID prefixes far more often).
 */
export function normalizeMacPrefix(s: string): string | null {
  const t = s.trim();
  if (!MAC_PREFIX_FORMS.some((re) => re.test(t))) return null;
  const hex = t.replace(/[:.-]/g, '').toLowerCase();
  return (MAC_PREFIX_OCTETS as readonly number[]).includes(hex.length / 2) ? hex : null;
}

function digitsOf(s: string): string {
  return s.replace(/\D/g, '');
}

/** Digit strings a stored number is: international without '+', and national with its trunk prefix. */
export function phoneVariants(phone: string): string[] {
  return digitForms(phone, false);
}

/**
 * Digit strings search finds a stored number by: its phoneVariants, and the national number
 * without its trunk prefix ('612345678' for +33 6 12 34 56 78: the 0 is often left out when a
 * number is read aloud or copied from an international form).
 */
export function phoneSearchVariants(phone: string): string[] {
  return digitForms(phone, true);
}

function digitForms(phone: string, withoutTrunk: boolean): string[] {
  const trimmed = phone.trim();
  const digits = digitsOf(trimmed);
  const variants = new Set<string>();
  const international = parsedVariants(trimmed, digits);
  if (international) {
    variants.add(international.international);
    variants.add(international.national);
    if (withoutTrunk) variants.add(international.nationalNumber);
  }
  if (digits) variants.add(digits);
  return [...variants].filter((v) => v.length >= 4);
}

interface PhoneShape { callingCodeLength: number; trunk: string }

/**
 * Parsing and formatting with libphonenumber costs tens of microseconds a number, most of an
 * index build. Numbers that start with the same digits and have the same length belong to the same
 * country and numbering range, so they share a shape: calling code length, and the trunk prefix
 * the national form puts before the national number. The shape is learnt from the first such
 * number and applied to the next ones; numbers whose national form is not trunk + national number
 * (null shape), or written with anything but digits, always go through libphonenumber.
 */
const phoneShapes = new Map<string, PhoneShape | null>();
const PHONE_SHAPE_DIGITS = 6;
const MAX_PHONE_SHAPES = 100_000;
const E164_LIKE = /^\+?\d+$/;

interface ParsedVariants { international: string; national: string; nationalNumber: string }

function parsedVariants(trimmed: string, digits: string): ParsedVariants | null {
  const shapeKey = E164_LIKE.test(trimmed) ? `${digits.slice(0, PHONE_SHAPE_DIGITS)}:${digits.length}` : null;
  const shape = shapeKey === null ? undefined : phoneShapes.get(shapeKey);
  if (shape) {
    const nationalNumber = digits.slice(shape.callingCodeLength);
    return { international: digits, national: shape.trunk + nationalNumber, nationalNumber };
  }

  const parsed = parsePhoneNumberFromString(trimmed.startsWith('+') ? trimmed : `+${digits}`);
  if (!parsed) return null;
  const international = `${parsed.countryCallingCode}${parsed.nationalNumber}`;
  const national = digitsOf(parsed.formatNational());
  if (shapeKey !== null && shape === undefined && phoneShapes.size < MAX_PHONE_SHAPES) {
    const derivable = international === digits && national.endsWith(parsed.nationalNumber);
    phoneShapes.set(shapeKey, derivable
      ? { callingCodeLength: parsed.countryCallingCode.length, trunk: national.slice(0, national.length - parsed.nationalNumber.length) }
      : null);
  }
  return { international, national, nationalNumber: parsed.nationalNumber };
}

const PHONE_CHARS = /^[+\d\s().\-/]+$/;

/**
 * Digit strings to look up for what an agent typed as a phone number, or null when it does
 * not look like one. Without a country we cannot tell '0612345678' from an international number,
 * so we look up the digits as typed (they match a stored national or international variant)
 * plus the national form when the number is international.
 */
export function normalizePhoneQuery(q: string): string[] | null {
  const t = q.trim();
  if (!PHONE_CHARS.test(t)) return null;
  let digits = digitsOf(t);
  if (digits.length < 7) return null;
  let international = t.startsWith('+');
  if (!international && digits.startsWith('00')) {
    digits = digits.slice(2);
    international = true;
  }
  if (digits.length < 7 || digits.length > 15) return null;
  const candidates = new Set<string>([digits]);
  if (international) {
    const parsed = parsePhoneNumberFromString(`+${digits}`);
    if (parsed?.isPossible()) candidates.add(digitsOf(parsed.formatNational()));
  }
  return [...candidates];
}

export function normalizeDomain(s: string): string {
  return s.trim().toLowerCase()
    .replace(/^[a-z][a-z0-9+.-]*:\/\//, '')
    .replace(/[/?#].*$/, '')
    .replace(/:\d+$/, '')
    .replace(/\.+$/, '');
}

export const normalizeSite = normalizeDomain;

/** Both forms of an order number: 'WO-48213379' is found as 'wo48213379' and as '48213379'. */
export function normalizeOrder(s: string): { alnum: string; digits: string } {
  const alnum = s.toLowerCase().replace(/[^a-z0-9]/g, '');
  return { alnum, digits: digitsOf(alnum) };
}

export function normalizeSerial(s: string): string {
  return s.toLowerCase().replace(/[^a-z0-9]/g, '');
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const HEX8 = /^[0-9a-f]{8}$/i;
const EMAIL = /^(?:sips?:)?[^\s@]+@[^\s@]+\.[^\s@]+$/i;
const DOMAIN = /^(?:[a-z][a-z0-9+.-]*:\/\/)?(?:[\p{L}\p{N}](?:[\p{L}\p{N}-]*[\p{L}\p{N}])?\.)+\p{L}[\p{L}\p{N}-]*\.?(?::\d+)?(?:[/?#]\S*)?$/iu;
const ORDER = /^[a-z]{1,4}[-\s]?\d{4,}$/i;

export const isUuid = (s: string): boolean => UUID.test(s.trim());
export const isUuidPrefix = (s: string): boolean => HEX8.test(s.trim());

const UUID_DASHES = [8, 13, 18, 23];

/**
 * The start of a UUID as typed, dashes included ('5F0C2D1E-8B7A'), lower-cased: at least its first
 * 8 characters, short of the whole UUID; null for anything else. It is looked up by its first 8
 * characters (the 'uuid8' key); search.service.ts keeps the records whose id starts with all of it.
 */
export function uuidPrefixOf(s: string): string | null {
  const t = s.trim().toLowerCase();
  if (t.length < 8 || t.length >= 36) return null;
  for (let i = 0; i < t.length; i++) {
    const c = t[i]!;
    if (UUID_DASHES.includes(i) ? c !== '-' : !/[0-9a-f]/.test(c)) return null;
  }
  return t;
}

/** What the agent most likely typed; identifierKeys() looks up every plausible reading anyway. */
export function classifyQuery(q: string): QueryType {
  const t = q.trim();
  if (t === '') return 'text';
  if (isUuid(t)) return 'uuid';
  if (EMAIL.test(t)) return 'email';
  if (normalizeMac(t) !== null && (/[:.-]/.test(t) || /[a-f]/i.test(t))) return 'mac';
  if (isUuidPrefix(t) && /[a-f]/i.test(t) && /\d/.test(t)) return 'uuid_prefix';
  if (uuidPrefixOf(t) !== null && t.includes('-')) return 'uuid_prefix';
  if (normalizeMacPrefix(t) !== null) return 'mac';
  if (ORDER.test(t)) return 'order';
  if (normalizePhoneQuery(t) !== null) {
    // Bare digits too short for a full number with area code read better as an order number.
    const bare = /^\d+$/.test(t);
    return bare && t.length < 9 ? 'order' : 'phone';
  }
  if (/^\d{4,}$/.test(t)) return 'order';
  if (DOMAIN.test(t)) return 'domain';
  return 'text';
}

/**
 * Kind of identifier key, as written before the ':' of a key. 'uuid8' is the 8-character UUID
 * prefix, 'macprefix' the first 3, 4 or 5 octets of a MAC.
 */
export type KeyKind = Exclude<SearchField, 'name'> | 'uuid8' | 'macprefix';

export interface IdentifierEntry {
  key: string;
  field: SearchField;
  /** The original value, as shown in `matched`. */
  value: string;
}

const key = (kind: KeyKind, v: string) => `${kind}:${v}`;

/** Every exact-lookup key of a document, with the field value each comes from. */
export function identifierEntriesOf(doc: SearchDoc): IdentifierEntry[] {
  const out: IdentifierEntry[] = [];
  const f = doc.fields;
  const add = (kind: KeyKind, field: SearchField, value: string, normalized: string) => {
    if (normalized) out.push({ key: key(kind, normalized), field, value });
  };
  for (const v of f.uuid) {
    add('uuid', 'uuid', v, v.trim().toLowerCase());
    if (/^[0-9a-f]{8}/i.test(v)) add('uuid8', 'uuid', v, v.slice(0, 8).toLowerCase());
  }
  for (const v of f.email) add('email', 'email', v, normalizeEmail(v));
  for (const v of f.sip) add('sip', 'sip', v, normalizeSip(v));
  for (const v of f.phone) for (const p of phoneSearchVariants(v)) add('phone', 'phone', v, p);
  for (const v of f.site) add('site', 'site', v, normalizeSite(v));
  for (const v of f.domain) add('domain', 'domain', v, normalizeDomain(v));
  for (const v of f.order) {
    const o = normalizeOrder(v);
    add('order', 'order', v, o.alnum);
    if (o.digits.length >= 4 && o.digits !== o.alnum) add('order', 'order', v, o.digits);
  }
  for (const v of f.serial) add('serial', 'serial', v, normalizeSerial(v));
  for (const v of f.mac) {
    const m = normalizeMac(v);
    if (m) {
      add('mac', 'mac', v, m);
      for (const octets of MAC_PREFIX_OCTETS) add('macprefix', 'mac', v, m.slice(0, octets * 2));
    }
  }
  return out;
}

/** Keys a document is found by exactly; Meilisearch stores them in a filterable array attribute. */
export function identifierKeysOf(doc: SearchDoc): string[] {
  return [...new Set(identifierEntriesOf(doc).map((e) => e.key))];
}

/** Keys to look up for a query: every identifier reading it plausibly has. */
export function identifierKeys(q: string): string[] {
  const t = q.trim();
  if (t === '' || t.length > 256) return [];
  const keys = new Set<string>();
  if (isUuid(t)) keys.add(key('uuid', t.toLowerCase()));
  const uuidPrefix = uuidPrefixOf(t);
  if (uuidPrefix !== null) keys.add(key('uuid8', uuidPrefix.slice(0, 8)));
  if (t.includes('@') && !/\s/.test(t)) {
    keys.add(key('email', normalizeEmail(t)));
    keys.add(key('sip', normalizeSip(t)));
  }
  const mac = normalizeMac(t);
  if (mac) keys.add(key('mac', mac));
  const macPrefix = normalizeMacPrefix(t);
  if (macPrefix) keys.add(key('macprefix', macPrefix));
  for (const p of normalizePhoneQuery(t) ?? []) keys.add(key('phone', p));
  if (DOMAIN.test(t)) {
    const d = normalizeDomain(t);
    keys.add(key('site', d));
    keys.add(key('domain', d));
  }
  if (!/\s/.test(t) && !t.includes('@')) {
    const o = normalizeOrder(t);
    if (o.alnum.length >= 4 && o.digits.length > 0) keys.add(key('order', o.alnum));
    if (o.alnum.length >= 4) keys.add(key('serial', normalizeSerial(t)));
  }
  return [...keys];
}

/**
 * Which query words the word text[start, end) matches, as a bit set: exactly, as the last query
 * word's prefix, or (on typo fields) within the query word's typo budget.
 */
function matchToken(
  text: string, start: number, end: number, words: readonly string[], budgets: readonly number[], typos: boolean,
): number {
  const length = end - start;
  let matched = 0;
  let token: string | null = null;
  for (let i = 0; i < words.length; i++) {
    const word = words[i]!;
    const isLast = i === words.length - 1;
    if ((length === word.length || (isLast && length > word.length)) && text.startsWith(word, start)) {
      matched |= 1 << i;
      continue;
    }
    // A typo on the first letter counts as two, as on Meilisearch (see firstLetterBudget).
    const budget = text.charCodeAt(start) === word.charCodeAt(0) ? budgets[i]! : firstLetterBudget(budgets[i]!);
    if (!typos || budget === 0) continue;
    // Lengths alone rule most words out: a whole word within the budget, or a prefix that long.
    const whole = Math.abs(length - word.length) <= budget;
    const prefix = isLast && length >= word.length - budget;
    if (!whole && !prefix) continue;
    token ??= text.slice(start, end);
    if ((whole && damerauDistance(word, token, budget) <= budget) || (prefix && prefixDistance(word, token, budget) <= budget)) {
      matched |= 1 << i;
    }
  }
  return matched;
}

/**
 * The query words the words of `value` match, as a bit set; the matched words' [start, end) in
 * `value` are pushed to `ranges`. An ASCII value is read in place, without word objects:
 * highlighting reads every value of every hit shown.
 */
function matchValue(
  value: string, words: readonly string[], budgets: readonly number[], typos: boolean, ranges: Array<[number, number]>,
): number {
  let matched = 0;
  if (!ASCII.test(value)) {
    for (const token of tokenize(value)) {
      const m = matchToken(token.text, 0, token.text.length, words, budgets, typos);
      if (m !== 0) {
        matched |= m;
        ranges.push([token.start, token.end]);
      }
    }
    return matched;
  }
  const lower = value.toLowerCase();
  // Without typos a value matches only if a query word is inside it: most values of a hit are ruled out here.
  if (!typos && !words.some((w) => lower.includes(w))) return 0;
  let start = -1;
  for (let i = 0; i <= lower.length; i++) {
    const c = i < lower.length ? lower.charCodeAt(i) : 0;
    if (isAsciiWordCode(c)) {
      if (start < 0) start = i;
    } else if (start >= 0) {
      const m = matchToken(lower, start, i, words, budgets, typos);
      if (m !== 0) {
        matched |= m;
        ranges.push([start, i]);
      }
      start = -1;
    }
  }
  return matched;
}

const TYPO_FIELD = SEARCH_FIELDS.map((f) => TYPO_FIELDS.includes(f));

export type MatchFinder = (doc: SearchDoc) => MatchedField | null;

/**
 * Why a document was found, for highlighting: the identifier value the query equals, or the
 * field value that matched the most query words (earlier fields win ties), with the matched words.
 * The query is read once, and the returned function explains each hit of a page.
 */
export function matchFinder(q: string, keys: readonly string[] = identifierKeys(q)): MatchFinder {
  const words = queryWords(q);
  const budgets = words.map((w) => typoBudget(w.length));
  const keySet = new Set(keys);
  const uuidPrefixLength = uuidPrefixOf(q)?.length ?? 8;
  return (doc) => {
    if (keySet.size > 0) {
      const entry = identifierEntriesOf(doc).find((e) => keySet.has(e.key));
      if (entry) {
        // A prefix (of a UUID, of a MAC) highlights only the part the agent typed.
        const end = entry.key.startsWith('uuid8:') ? Math.min(uuidPrefixLength, entry.value.length)
          : entry.key.startsWith('macprefix:') ? hexDigitsEnd(entry.value, entry.key.length - 'macprefix:'.length)
            : entry.value.length;
        return { field: entry.field, value: entry.value, ranges: [[0, end]] };
      }
    }
    if (words.length === 0) return null;
    let best: { field: SearchField; value: string; ranges: Array<[number, number]>; words: number } | null = null;
    for (let f = 0; f < SEARCH_FIELDS.length; f++) {
      const field = SEARCH_FIELDS[f]!;
      for (const value of doc.fields[field]) {
        const ranges: Array<[number, number]> = [];
        const count = bitCount(matchValue(value, words, budgets, TYPO_FIELD[f]!, ranges));
        if (ranges.length > 0 && (!best || count > best.words)) best = { field, value, ranges, words: count };
      }
    }
    return best && { field: best.field, value: best.value, ranges: best.ranges };
  };
}

/** Where the first `count` hex digits of `value` end (a MAC in any notation). */
function hexDigitsEnd(value: string, count: number): number {
  let seen = 0;
  for (let i = 0; i < value.length; i++) {
    if (/[0-9a-f]/i.test(value[i]!) && ++seen === count) return i + 1;
  }
  return value.length;
}

function bitCount(n: number): number {
  let c = 0;
  for (let v = n; v !== 0; v &= v - 1) c++;
  return c;
}

/** matchFinder for one document. */
export function findMatch(doc: SearchDoc, q: string, keys: readonly string[] = identifierKeys(q)): MatchedField | null {
  return matchFinder(q, keys)(doc);
}
