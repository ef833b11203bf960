// The API's contract as an integrator uses it: fetched without a token, valid OpenAPI 3.1, covering
// every route the app mounts under /api/v1, with examples that match their own schemas; and the
// check every API test runs (test/helpers/api-contract.ts) refuses what the document does not allow.
import request from 'supertest';
import Ajv2020 from 'ajv/dist/2020';
import { execFileSync } from 'node:child_process';
import { buildTestApp, type TestApp } from '../helpers/test-app';
import express from 'express';
import { checkAnswersAgainstDocument, contractProblems, takeContractViolations } from '../helpers/api-contract';
import { mountedRoutes } from '../security/routes';
import { apiOperations } from '../../src/openapi/operations';
import { documentPath } from '../../src/openapi/document';

describe('GET /api/v1/openapi.json', () => {
  let t: TestApp;
  let doc: { openapi: string; paths: Record<string, Record<string, { responses: Record<string, { content?: Record<string, { schema: object; example?: unknown }> }> }>> };

  beforeAll(async () => {
    t = await buildTestApp();
    const res = await request(t.app).get('/api/v1/openapi.json').expect(200).expect('Content-Type', /application\/json/);
    doc = res.body;
  });
  afterAll(() => t.close());

  test('when an integrator fetches the document without a token, then it is OpenAPI 3.1 that a standard validator accepts', async () => {
    expect(doc.openapi).toMatch(/^3\.1\./);
    // The validator ships ES modules only (import.meta), which Jest cannot load: it runs in Node itself.
    const script = `import { Validator } from '@seriousme/openapi-schema-validator';
      let text = ''; for await (const chunk of process.stdin) text += chunk;
      const result = await new Validator().validate(JSON.parse(text));
      process.stdout.write(JSON.stringify({ valid: result.valid, errors: result.errors ?? [] }));`;
    const out = execFileSync(process.execPath, ['--input-type=module', '-e', script], { input: JSON.stringify(doc), cwd: `${__dirname}/../..` });
    const result = JSON.parse(out.toString()) as { valid: boolean; errors: unknown[] };
    expect(result.errors).toEqual([]);
    expect(result.valid).toBe(true);
  });

  test('when the app mounts a route under /api/v1, then the document describes it, and describes nothing the app does not mount', () => {
    const mounted = mountedRoutes(t.app)
      .filter((r) => r.path.startsWith('/api/v1/') || r.path === '/healthz' || r.path === '/readyz')
      .map((r) => `${r.method} ${r.path.replace(/:([A-Za-z0-9_]+)/g, '{$1}')}`);
    const documented = Object.entries(doc.paths).flatMap(([path, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${path}`));
    expect(documented.sort()).toEqual([...new Set(mounted)].sort());
  });

  test('when a client reads an operation\'s example, then it matches the operation\'s own answer schema', () => {
    const ajv = new Ajv2020({ strict: false });
    for (const op of apiOperations) {
      const media = doc.paths[documentPath(op)][op.method].responses[op.status].content!['application/json'];
      const validate = ajv.compile(media.schema);
      expect({ op: op.operationId, valid: validate(media.example), errors: validate.errors ?? null })
        .toEqual({ op: op.operationId, valid: true, errors: null });
    }
  });

  test('when the document declares a status with the error shape, then each error answer carries {error:{code,message}} and a 429 Retry-After', async () => {
    const res = await request(t.app).get('/api/v1/search?q=x').expect(401);
    expect(res.body).toEqual({ error: { code: 'unauthorized', message: expect.any(String) } });
    expect(doc.paths['/api/v1/search'].get.responses).toHaveProperty('429');
    const raw = JSON.stringify(doc);
    expect(raw).toContain('"Retry-After"');
  });

  test('when an answer has a field, a status or a type the document does not allow, then the contract check names it', () => {
    const answer = { hits: [], processingTimeMs: 1, degraded: false };
    expect(contractProblems('GET', '/api/v1/search', 200, answer)).toEqual([]);
    expect(contractProblems('GET', '/api/v1/search', 200, { ...answer, partnerId: 'p-1' }).join()).toMatch(/partnerId/);
    expect(contractProblems('GET', '/api/v1/search', 200, { ...answer, degraded: 'no' }).join()).toMatch(/degraded must be boolean/);
    expect(contractProblems('GET', '/api/v1/search', 418, { error: { code: 'internal', message: 'x' } }).join()).toMatch(/status 418 is not in the document/);
    expect(contractProblems('GET', '/api/v1/search', 429, { error: { code: 'too_many_requests', message: 'x' } })).toEqual(['a 429 without Retry-After']);
    expect(contractProblems('GET', '/api/v1/orgs/o-1', 404, { error: { code: 'not_found' } }).join()).toMatch(/message/);
  });

  test('when a route answers what the document does not allow, then the check every test app runs records it for the test to fail', async () => {
    const drifted = express();
    drifted.use(checkAnswersAgainstDocument);
    drifted.get('/api/v1/search', (_req, res) => { res.json({ hits: [], processingTimeMs: 1, degraded: false, partnerId: 'p-1' }); });
    await request(drifted).get('/api/v1/search?q=x').expect(200);
    // Taken here, so that this test does not fail on purpose (api-contract.setup.ts fails on what is left).
    const found = takeContractViolations();
    expect(found).toEqual([{ request: 'GET /api/v1/search', status: 200, problems: [expect.stringContaining('partnerId')] }]);
  });
});
