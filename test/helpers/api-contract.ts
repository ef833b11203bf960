// Every JSON answer the test apps give under /api/v1 (and /healthz, /readyz) is held to the OpenAPI
// document (src/openapi/document.ts): the status must be one the operation declares, and the body
// must match that status's schema (ajv, JSON Schema 2020-12, the dialect of OpenAPI 3.1), with
// Retry-After on a 429. A violation is remembered and fails the test that caused it in afterEach
// (test/helpers/api-contract.setup.ts), even if the test never looked at that answer.
import type { RequestHandler } from 'express';
import Ajv2020, { type ValidateFunction } from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import { documentPath, errorAnswer, jsonSchema, openApiDocument } from '../../src/openapi/document';
import { apiOperations, type ApiOperation } from '../../src/openapi/operations';

export interface ContractViolation { request: string; status: number; problems: string[] }

const KEY = Symbol.for('helpdesk.apiContractViolations');
const violations: ContractViolation[] = ((globalThis as Record<symbol, unknown>)[KEY] ??= []) as ContractViolation[];

export function takeContractViolations(): ContractViolation[] {
  return violations.splice(0);
}

interface Route { op: ApiOperation; pattern: RegExp; byStatus: Map<number, ValidateFunction> }

let routes: Route[] | undefined;
function compiled(): Route[] {
  if (routes) return routes;
  const ajv = new Ajv2020({ allErrors: true, strict: false });
  addFormats(ajv);
  const doc = openApiDocument() as { paths: Record<string, Record<string, { responses: Record<string, { $ref?: string; content?: Record<string, { schema: object }> }> }>> };
  const error = ajv.compile(jsonSchema(errorAnswer, 'output'));
  routes = apiOperations.map((op) => {
    const path = documentPath(op);
    const pattern = new RegExp(`^${path.replace(/\{[^}]+\}/g, '[^/]+')}$`);
    const byStatus = new Map<number, ValidateFunction>();
    for (const [status, response] of Object.entries(doc.paths[path][op.method].responses)) {
      byStatus.set(Number(status), response.$ref ? error : ajv.compile(response.content!['application/json'].schema));
    }
    return { op, pattern, byStatus };
  });
  return routes;
}

/** The operation a request is for, if the document has one. */
export function operationFor(method: string, path: string): Route | undefined {
  return compiled().find((r) => r.op.method === method.toLowerCase() && r.pattern.test(path));
}

/** What the answer breaks in the document; empty when it conforms. */
export function contractProblems(method: string, path: string, status: number, body: unknown, headers: Record<string, unknown> = {}): string[] {
  const route = operationFor(method, path);
  if (!route) return [];
  const validate = route.byStatus.get(status);
  if (!validate) return [`status ${status} is not in the document (it declares ${[...route.byStatus.keys()].join(', ')})`];
  const problems: string[] = [];
  if (!validate(JSON.parse(JSON.stringify(body ?? null)))) {
    problems.push(...(validate.errors ?? []).map((e) => `${e.instancePath || '(body)'} ${e.message}${e.params && 'additionalProperty' in e.params ? `: ${String(e.params.additionalProperty)}` : ''}`));
  }
  if (status === 429 && headers['retry-after'] === undefined) problems.push('a 429 without Retry-After');
  return problems;
}

/** The middleware the test apps run first (createApp's `inspect`): checks each JSON answer as it is sent. */
export const checkAnswersAgainstDocument: RequestHandler = (req, res, next) => {
  const json = res.json;
  res.json = function checked(body: unknown) {
    const path = req.originalUrl.split('?')[0];
    const problems = contractProblems(req.method, path, res.statusCode, body, res.getHeaders());
    if (problems.length) violations.push({ request: `${req.method} ${path}`, status: res.statusCode, problems });
    return json.call(this, body);
  };
  next();
};
