import { z } from 'zod';

const role = z.enum(['helpdesk', 'partner_admin'], { message: 'choose a role' });

/** Fields the forms send; the partner always comes from the signed-in admin, never from here. */
export const inviteForm = z.object({
  email: z.string().trim().toLowerCase().min(3, 'enter an email').max(254).email('not an email address'),
  name: z.string().trim().min(1, 'enter a name').max(120),
  role,
});

export const roleForm = z.object({ role });

export const tokenForm = z.object({
  name: z.string().trim().min(1, 'enter a name').max(80),
  /** Accepted only when it names the admin who asks: a token is issued to its owner, never on their behalf. */
  ownerId: z.string().trim().max(100).optional(),
});

export const MIN_PASSWORD_LENGTH = 12;

export const setPasswordForm = z.object({
  password: z.string().min(MIN_PASSWORD_LENGTH, `at least ${MIN_PASSWORD_LENGTH} characters`).max(1024),
  confirm: z.string().max(1024),
}).refine((f) => f.password === f.confirm, { path: ['confirm'], message: 'the two passwords differ' });

export const outboxQuery = z.object({ page: z.coerce.number().int().min(1).max(10_000).default(1) });

/**
 * `/set-password/:token`: any text. A token that is not one of ours answers like an unknown one
 * (404, the link no longer works).
 */
export const setPasswordParams = z.object({ token: z.string() });
