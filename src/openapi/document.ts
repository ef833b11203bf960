// The OpenAPI 3.1 document of /api/v1, generated from the operations list (operations.ts) and the
// zod schemas the routes validate with, through zod's own JSON Schema output (draft 2020-12, the
// dialect of OpenAPI 3.1). Built once per process; served at GET /api/v1/openapi.json.
import { z } from 'zod';
import { apiOperations, type ApiOperation, type ErrorStatus } from './operations';

export const API_BASE = '/api/v1';
/** Error statuses every authenticated API route can answer. */
const COMMON_ERRORS: ErrorStatus[] = [400, 401, 403, 404, 429, 500, 503];

type JsonSchema = Record<string, unknown>;

/** The JSON Schema of a zod schema, as a request (`input`: defaults optional) or an answer (`output`: no unknown key). */
export function jsonSchema(schema: z.ZodType, io: 'input' | 'output'): JsonSchema {
  const { $schema: _dialect, ...rest } = z.toJSONSchema(schema, { target: 'draft-2020-12', io, unrepresentable: 'any' }) as JsonSchema;
  return rest;
}

export const errorAnswer = z.object({
  error: z.object({
    code: z.enum(['invalid', 'unauthorized', 'forbidden', 'not_found', 'conflict', 'too_many_requests', 'unavailable', 'internal', 'too_large']),
    message: z.string().describe('for programs and logs, in English'),
    fields: z.array(z.object({ field: z.string(), message: z.string() })).optional().describe('with `invalid`, or `not_found` for a path parameter that is no id: each field and why'),
  }),
});

const ERROR_TEXT: Record<ErrorStatus, string> = {
  400: 'The request is not valid (`invalid`, with `fields`).',
  401: 'No valid token (`unauthorized`).',
  403: 'Not allowed (`forbidden`): the role, or no active grant for the read-only view.',
  404: 'No such record for this partner (`not_found`): another partner\'s record answers the same.',
  409: 'The record is not in a state that allows this (`conflict`).',
  413: 'The body is too large.',
  429: 'Too many requests (`too_many_requests`): wait Retry-After seconds.',
  500: 'An internal error (`internal`); the details are in the server log.',
  503: 'A backend is down (`unavailable`): try again, after Retry-After seconds when given.',
};

/** `/orgs/:id` → `/api/v1/orgs/{id}`. */
export function documentPath(op: Pick<ApiOperation, 'path' | 'absolute'>): string {
  return (op.absolute ? '' : API_BASE) + op.path.replace(/:([A-Za-z0-9_]+)/g, '{$1}');
}

function parameters(op: ApiOperation): JsonSchema[] {
  const out: JsonSchema[] = [];
  const add = (where: 'path' | 'query' | 'header', schema: z.ZodObject | undefined) => {
    if (!schema) return;
    const js = jsonSchema(schema, 'input') as { properties?: Record<string, JsonSchema>; required?: string[] };
    for (const [name, prop] of Object.entries(js.properties ?? {})) {
      const { description, ...rest } = prop;
      out.push({
        name, in: where, required: where === 'path' || (js.required ?? []).includes(name), schema: rest,
        ...(description ? { description } : {}),
      });
    }
  };
  add('path', op.params);
  add('query', op.query);
  add('header', op.headers);
  return out;
}

function operation(op: ApiOperation): JsonSchema {
  const responses: Record<string, JsonSchema> = {
    [op.status]: { description: op.description, content: { 'application/json': { schema: jsonSchema(op.answer, 'output'), example: op.example } } },
  };
  for (const [status, also] of Object.entries(op.alsoAnswers ?? {})) {
    responses[status] = { description: also.description, content: { 'application/json': { schema: jsonSchema(also.answer, 'output') } } };
  }
  const errors = op.errors && op.public ? op.errors : [...new Set([...COMMON_ERRORS, ...(op.errors ?? [])])].sort();
  for (const status of errors) responses[status] = { $ref: `#/components/responses/Error${status}` };
  return {
    operationId: op.operationId,
    summary: op.summary,
    tags: [op.tag],
    ...(op.public ? { security: [] } : {}),
    parameters: parameters(op),
    ...(op.body ? {
      requestBody: { required: true, content: { [op.bodyType ?? 'application/json']: { schema: jsonSchema(op.body, 'input') } } },
    } : {}),
    responses,
  };
}

export function buildOpenApiDocument(operations: ApiOperation[] = apiOperations, version = '1'): JsonSchema {
  const paths: Record<string, Record<string, JsonSchema>> = {};
  for (const op of operations) (paths[documentPath(op)] ??= {})[op.method] = operation(op);
  const retryAfter = { description: 'Seconds to wait before trying again.', schema: { type: 'integer', minimum: 1 } };
  const errorResponses = Object.fromEntries((Object.keys(ERROR_TEXT) as unknown as ErrorStatus[]).map((status) => [`Error${status}`, {
    description: ERROR_TEXT[status],
    ...(Number(status) === 429 || Number(status) === 503 ? { headers: { 'Retry-After': Number(status) === 429 ? { ...retryAfter, required: true } : retryAfter } } : {}),
    content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } },
  }]));
  return {
    openapi: '3.1.1',
    info: {
      title: 'Partner Help Desk API',
      version,
      description: 'Look up the partner\'s customer orgs, users and devices; verify callers; manage their email state. '
        + 'Every call needs `Authorization: Bearer <token>` (an API token a partner admin creates), except the health checks and this document.',
    },
    servers: [{ url: '/' }],
    security: [{ bearer: [] }],
    tags: [...new Set(operations.map((o) => o.tag))].map((name) => ({ name })),
    paths,
    components: {
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer', description: 'An API token of the partner.' } },
      schemas: { Error: jsonSchema(errorAnswer, 'output') },
      responses: errorResponses,
    },
  };
}

let built: JsonSchema | undefined;
/** The document of this build, made once. */
export const openApiDocument = (): JsonSchema => (built ??= buildOpenApiDocument());
