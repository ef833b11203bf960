// The built `helpdesk` command against a Meilisearch that fails (a loopback stand-in answering as
// test/helpers/meili-stand-in.ts does, with a proxy's HTML page where a task is polled): it reports
// the failure and exits at once, instead of holding the terminal until a client timer runs out.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { Readable, Writable } from 'node:stream';
import { runCli } from '../../src/cli/cli';
import { PROXY_502, startMeiliStandIn, type MeiliStandIn } from '../helpers/meili-stand-in';
import { requireBuilt, tempDir } from '../helpers/test-app';

const CLI = path.resolve(__dirname, '../../dist/src/cli/main.js');

function runBuiltCli(args: string[], env: Record<string, string>, killAfterMs: number) {
  return new Promise<{ code: number | null; stdout: string; stderr: string; ms: number }>((resolve) => {
    const started = Date.now();
    const child = spawn(process.execPath, [CLI, ...args], { env: { PATH: process.env.PATH ?? '', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => { stdout += c.toString(); });
    child.stderr.on('data', (c: Buffer) => { stderr += c.toString(); });
    const killer = setTimeout(() => child.kill('SIGKILL'), killAfterMs);
    child.on('close', (code) => {
      clearTimeout(killer);
      resolve({ code, stdout, stderr, ms: Date.now() - started });
    });
  });
}

describe('helpdesk CLI when Meilisearch fails', () => {
  let meili: MeiliStandIn;
  let dataDir: string;
  beforeAll(() => requireBuilt('src/cli/main.js'));
  beforeEach(async () => {
    meili = await startMeiliStandIn();
    dataDir = tempDir('helpdesk-cli-meili-');
  });
  afterEach(async () => {
    await meili.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  test('when a task cannot be polled during reindex, then the command reports it and exits within seconds with code 1', async () => {
    meili.intercept = (r) => (r.path.startsWith('/tasks/') ? PROXY_502 : undefined);
    const key = 'scoped-app-key-0123456789abcdef';

    const result = await runBuiltCli(['reindex'], { DATA_DIR: dataDir, MEILI_HOST: meili.host, MEILI_API_KEY: key }, 30_000);

    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^error: Meilisearch answered with something other than JSON during setting up the index/m);
    expect(result.stderr + result.stdout).not.toContain(key);
    // The client's own wait would have held the process for 15 minutes; the bound is generous for a shared machine.
    expect(result.ms).toBeLessThan(15_000);
  }, 40_000);

  test('when nothing listens at MEILI_HOST, then reindex says Meilisearch is unreachable and exits with code 1', async () => {
    const host = meili.host;
    await meili.close();
    meili = await startMeiliStandIn();

    const result = await runBuiltCli(['reindex'], { DATA_DIR: dataDir, MEILI_HOST: host }, 30_000);

    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^error: Meilisearch is unreachable during setting up the index\.$/m);
    expect(result.ms).toBeLessThan(15_000);
  }, 40_000);

  test('when the old index cannot be deleted after the swap, then reindex succeeds, says so on standard error and exits 0', async () => {
    let stdout = '';
    let stderr = '';
    const io = {
      stdout: new Writable({ write(c: Buffer, _e, done) { stdout += c.toString(); done(); } }),
      stderr: new Writable({ write(c: Buffer, _e, done) { stderr += c.toString(); done(); } }),
      stdin: Readable.from([]),
      env: { DATA_DIR: dataDir, MEILI_HOST: meili.host },
    };
    expect(await runCli(['seed', '--orgs', '2', '--users', '4'], io, { passwordLogN: 10 })).toBe(0);
    meili.taskOutcome = (type, uid) => (type === 'indexDeletion' && uid !== 'helpdesk'
      ? { status: 'failed', code: 'internal', message: 'disk full' }
      : { status: 'succeeded' });
    stdout = '';

    const code = await runCli(['reindex'], io);

    expect(code).toBe(0);
    expect(stdout).toMatch(/^Reindexed \d+ records into meilisearch in [\d.]+ s \(index swapped in\)\.$/m);
    expect(stderr).toMatch(/^warning: Meilisearch: deleting index helpdesk_next_\d+_\d+ failed .*disk full.*delete the old index helpdesk_next_\d+_\d+/m);
    expect(meili.indexes.get('helpdesk')!.docs.size).toBeGreaterThan(0);
  });
});
