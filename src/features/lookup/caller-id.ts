// A caller id as phone systems send it, read into what the store keeps: phone digits and SIP
// addresses. Phone systems write the same number many ways: E.164 (+33612345678), national
// (06 12 34 56 78), international with 00, as a tel: or sip: URI with parameters
// (sip:+33612345678@pbx.example;user=phone), with an extension (;ext=12, x12, ,12) and with
// spaces, dashes, dots or parentheses.
import { parsePhoneNumberFromString } from 'libphonenumber-js';
import { normalizePhoneQuery, normalizeSip, phoneVariants } from '../../search-index/query';

export interface CallerId {
  /** Digit strings the number is stored under (see phoneVariants), empty when it is no number. */
  phoneKeys: string[];
  /** The number as the agent would type it in search: E.164 when known, else the digits. */
  number: string | null;
  /** user@host of a sip: URI, lower case, without parameters. */
  sip: string | null;
}

// Everything from the first parameter (;ext=, ;user=, ;phone-context=) or post-dial pause (,) on.
const PARAMS = /[;,].*$/s;
// A trailing written extension: "x12", "ext 12", "ext. 12", "extension 12", "#12".
const WRITTEN_EXTENSION = /\s*(?:extension|ext\.?|x|#)\s*\d+\s*$/i;

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

function numberPart(s: string): string {
  return s.replace(PARAMS, '').replace(WRITTEN_EXTENSION, '').trim();
}

/** Reads a caller id; null when it holds neither a phone number nor a SIP address. */
export function parseCallerId(raw: string): CallerId | null {
  let t = safeDecode(raw.trim());
  // A display name in front of an address: "Hélène" <sip:...>.
  const bracketed = /<([^>]*)>/.exec(t);
  if (bracketed) t = bracketed[1]!.trim();
  t = t.replace(/^tel:/i, '');
  let sip: string | null = null;
  let phoneText = t;
  const at = t.indexOf('@');
  if (/^sips?:/i.test(t) || at > 0) {
    const address = normalizeSip(t);
    const [user = '', hostAndParams = ''] = address.split('@');
    const host = hostAndParams.replace(/[;?].*$/s, '');
    const userPart = user.replace(PARAMS, '');
    if (userPart && host) sip = `${userPart}@${host}`;
    phoneText = user;
  }
  const main = numberPart(phoneText);
  const keys = normalizePhoneQuery(main) ?? [];
  let number: string | null = null;
  if (keys.length > 0) {
    const international = main.startsWith('+') || /^\D*00/.test(main);
    const parsed = international ? parsePhoneNumberFromString(`+${keys[0]}`) : undefined;
    number = parsed?.isPossible() ? parsed.number : keys[0]!;
  }
  if (keys.length === 0 && !sip) return null;
  return { phoneKeys: keys, number, sip };
}

/** True when a stored phone number is the caller's number. */
export function phoneMatches(caller: CallerId, storedPhone: string | null | undefined): boolean {
  if (!storedPhone || caller.phoneKeys.length === 0) return false;
  const variants = new Set(phoneVariants(storedPhone));
  return caller.phoneKeys.some((k) => variants.has(k));
}

/**
 * True when a stored SIP address is the caller's: the same address, or an address whose user part
 * is the caller's number (+33612345678@pbx.example rings as tel:+33612345678).
 */
export function sipMatches(caller: CallerId, storedSip: string | null | undefined): boolean {
  if (!storedSip) return false;
  const stored = normalizeSip(storedSip).replace(/;.*$/s, '');
  if (caller.sip && stored === caller.sip) return true;
  const user = stored.split('@')[0] ?? '';
  return phoneMatches(caller, numberPart(user));
}
