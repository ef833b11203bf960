import { z } from 'zod';

export const signInForm = z.object({
  email: z.string().trim().toLowerCase().min(3, 'enter your email').max(254).email('not an email address'),
  password: z.string().min(1, 'enter your password').max(1024),
  next: z.string().optional(),
});
