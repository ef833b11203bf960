// Validation at the edge: a zod schema per input; a failure names each field and why.
import type { z } from 'zod';
import { invalid } from '../errors';

export function parseInput<S extends z.ZodType>(schema: S, input: unknown): z.infer<S> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const fields = result.error.issues.map((i) => ({ field: i.path.join('.') || 'input', message: i.message }));
  throw invalid(fields.map((f) => `${f.field}: ${f.message}`).join('; '), fields);
}
