// Runs after every test of every file (jest.config.js, setupFilesAfterEnv): an API answer that the
// OpenAPI document does not allow (test/helpers/api-contract.ts) fails the test that got it.
interface Violation { request: string; status: number; problems: string[] }

afterEach(() => {
  const list = (globalThis as Record<symbol, unknown>)[Symbol.for('helpdesk.apiContractViolations')] as Violation[] | undefined;
  const found = list?.splice(0) ?? [];
  if (found.length === 0) return;
  const lines = found.map((v) => `  ${v.request} → ${v.status}: ${v.problems.join('; ')}`);
  throw new Error(`${found.length} API answer(s) do not match the OpenAPI document (src/openapi/operations.ts):\n${lines.join('\n')}`);
});
