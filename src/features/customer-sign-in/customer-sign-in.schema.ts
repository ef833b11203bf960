// Customer sign-in's inputs: the address asking for a link, and the link's token.
import { z } from 'zod';

export const magicLinkRequestForm = z.object({
  email: z.string().trim().toLowerCase().min(3, 'enter your email').max(254).email('not an email address'),
});

/** 32 random bytes in base64url: anything else is not a link we sent. */
export const magicToken = z.string().regex(/^[A-Za-z0-9_-]{43}$/);

/**
 * `/customer/login/:token`: any text. A token that is not one of ours answers like a used one
 * (410, the link no longer works): the service checks it against magicToken.
 */
export const linkParams = z.object({ token: z.string() });
