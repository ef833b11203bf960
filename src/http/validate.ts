// Validation at the edge: a zod schema per input; a failure names each field and why.
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { z } from 'zod';
import { AppError, invalid, type FieldError } from '../errors';

const fieldsOf = (error: z.ZodError): FieldError[] =>
  error.issues.map((i) => ({ field: i.path.join('.') || 'input', message: i.message }));
const summary = (fields: FieldError[]) => fields.map((f) => `${f.field}: ${f.message}`).join('; ');

export function parseInput<S extends z.ZodType>(schema: S, input: unknown): z.infer<S> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const fields = fieldsOf(result.error);
  throw invalid(summary(fields), fields);
}

/**
 * The id of a record the app made or imported (org, user, agent, token, grant, access request,
 * verification): a UUID. A path naming anything else names no record.
 */
export const recordId = z.guid({ message: 'must be a UUID' });
/** `/things/:id` with a record id. */
export const idParams = z.object({ id: recordId.describe('the record\'s id') });

/** What validate() checks: a route's path parameters, query string and body, each optional. */
export interface InputSchemas {
  params?: z.ZodType;
  query?: z.ZodType;
  body?: z.ZodType;
}
type Parsed<S> = S extends z.ZodType ? z.output<S> : undefined;
/** The parsed inputs, typed from the schemas (a part without a schema is undefined). */
export interface Input<S extends InputSchemas> {
  params: Parsed<S['params']>;
  query: Parsed<S['query']>;
  body: Parsed<S['body']>;
}
export type RequestWithInput<S extends InputSchemas> = Request & { input: Input<S> };
export type InputHandler<S extends InputSchemas> = (req: RequestWithInput<S>, res: Response, next: NextFunction) => unknown;

declare module 'express-serve-static-core' {
  interface Request {
    /** Set by validate(): the request's params, query and body as its schemas parsed them. */
    input?: unknown;
  }
}

/**
 * Parses the request's inputs against their schemas and sets `req.input`, or answers through the
 * error handler: path parameters that do not parse name no record, so the answer is the one of an
 * unknown record (404 `not_found`); a query or body that does not parse is 400 `invalid`. Either
 * way `fields` says which field and why (query and body together).
 */
function readInput<S extends InputSchemas>(schemas: S, req: Request): Input<S> {
  const parse = (schema: z.ZodType | undefined, value: unknown) => (schema ? schema.safeParse(value) : undefined);
  const params = parse(schemas.params, req.params);
  if (params && !params.success) {
    const fields = fieldsOf(params.error);
    throw new AppError('not_found', 404, `Not found: ${summary(fields)}`, { fields });
  }
  const query = parse(schemas.query, req.query);
  const body = parse(schemas.body, req.body ?? {});
  const fields = [query, body].flatMap((r) => (r && !r.success ? fieldsOf(r.error) : []));
  if (fields.length) throw invalid(summary(fields), fields);
  return { params: params?.data, query: query?.data, body: body?.data } as Input<S>;
}

/**
 * validate({ params, query, body }): a middleware that sets `req.input`.
 * validate({ params, query, body }, handler): the route's handler, called with `req.input` typed from
 * the schemas once they parse (use this form to read the inputs).
 */
export function validate<S extends InputSchemas>(schemas: S): RequestHandler;
export function validate<S extends InputSchemas>(schemas: S, handler: InputHandler<S>): RequestHandler;
export function validate<S extends InputSchemas>(schemas: S, handler?: InputHandler<S>): RequestHandler {
  return (req, res, next) => {
    const input = readInput(schemas, req);
    req.input = input;
    if (!handler) return next();
    // Returned so that Express 5 hands a rejected promise to the error handler.
    return handler(req as RequestWithInput<S>, res, next) as void;
  };
}
