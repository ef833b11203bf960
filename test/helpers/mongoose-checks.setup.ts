// Runs after every test of every file (jest.config.js, setupFilesAfterEnv): a record written
// through a store checked by test/helpers/mongoose-checked-store.ts that the mongoose schemas refuse
// fails the test that wrote it, even when the refusal itself was caught on the way.
interface Violation { write: string; model: string; errors: Record<string, string> }

afterEach(() => {
  const list = (globalThis as Record<symbol, unknown>)[Symbol.for('helpdesk.schemaViolations')] as Violation[] | undefined;
  const found = list?.splice(0) ?? [];
  if (found.length === 0) return;
  const lines = found.map((v) => `  ${v.write} → ${v.model}: ${Object.entries(v.errors).map(([p, m]) => `${p}: ${m}`).join('; ')}`);
  throw new Error(`MongoDB would refuse ${found.length} record(s) this test wrote (mongoose schema validation):\n${lines.join('\n')}`);
});
