import { z } from 'zod';
import { LANGUAGES } from '../../i18n/i18n';
import { sameOriginPath } from '../../http/redirects';

/**
 * Only a path on this site: a value that would resolve to another origin (`//evil.example`,
 * `/.//evil.example`, `/\evil.example`, `https://…`) falls back to the home page rather than
 * failing the switch.
 */
export const sameSitePath = z.string().max(2000).catch('/').transform((value) => sameOriginPath(value));

export const languageForm = z.object({
  lang: z.enum(LANGUAGES),
  next: sameSitePath.default('/'),
});
