// A browser suite on a machine without Chromium (CHROMIUM_PATH at a missing file): it fails at
// once, in one line that says how to fix it, stops whatever it started and lets Jest exit, so
// `npm test` ends instead of hanging. Jest runs the suite as a child process here, as `npm test` would.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

const ROOT = path.resolve(__dirname, '..', '..');
/** Jest's start and a TypeScript compile on a busy machine; the suite itself should fail in a second. */
const EXIT_BOUND_MS = 60_000;

/** Inodes of the listening TCP sockets on this machine, with their ports. */
function listening(): Map<string, number> {
  const found = new Map<string, number>();
  for (const file of ['/proc/net/tcp', '/proc/net/tcp6']) {
    if (!fs.existsSync(file)) continue;
    for (const line of fs.readFileSync(file, 'utf8').split('\n').slice(1)) {
      const cols = line.trim().split(/\s+/);
      // Column 4 is the state (0A: LISTEN), 2 the local address:port in hex, 10 the socket inode.
      if (cols[3] === '0A') found.set(cols[9]!, parseInt(cols[1]!.split(':')[1]!, 16));
    }
  }
  return found;
}

/** Ports the process `pid` listens on now (its sockets among the listening ones). */
function portsOf(pid: number): number[] {
  const open = listening();
  const ports: number[] = [];
  try {
    for (const fd of fs.readdirSync(`/proc/${pid}/fd`)) {
      const inode = /^socket:\[(\d+)\]$/.exec(fs.readlinkSync(`/proc/${pid}/fd/${fd}`))?.[1];
      const port = inode && open.get(inode);
      if (port) ports.push(port);
    }
  } catch {
    // Gone meanwhile.
  }
  return ports;
}

const describeOnLinux = fs.existsSync('/proc/net/tcp') ? describe : describe.skip;

describeOnLinux('when Chromium is missing', () => {
  test('when a browser suite runs, then Jest exits non-zero within the bound, with the one-line reason, and no port it opened still listens', async () => {
    const jest = spawn(process.execPath, [require.resolve('jest/bin/jest'), '--runInBand', 'test/e2e/customer-consent.e2e.test.ts'], {
      cwd: ROOT,
      env: { ...process.env, CHROMIUM_PATH: '/nonexistent/chromium' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    jest.stdout!.on('data', (chunk: Buffer) => { output += chunk.toString(); });
    jest.stderr!.on('data', (chunk: Buffer) => { output += chunk.toString(); });
    const seen = new Set<number>();
    const watch = setInterval(() => portsOf(jest.pid!).forEach((p) => seen.add(p)), 100);
    const started = Date.now();
    const exit = await new Promise<{ code: number | null } | 'still running'>((resolve) => {
      const timer = setTimeout(() => resolve('still running'), EXIT_BOUND_MS);
      jest.on('exit', (code) => {
        clearTimeout(timer);
        resolve({ code });
      });
    });
    clearInterval(watch);
    if (exit === 'still running') jest.kill('SIGKILL');

    expect(exit).not.toBe('still running');
    expect((exit as { code: number | null }).code).not.toBe(0);
    expect(Date.now() - started).toBeLessThan(EXIT_BOUND_MS);
    expect(output).toContain('Chromium is not installed at /nonexistent/chromium: the browser tests need it. '
      + 'Install Debian\'s package (`apt-get install -y chromium`, as .ci/run does) or set CHROMIUM_PATH');
    expect(output).not.toContain('did not exit');
    const stillListening = new Set(listening().values());
    expect([...seen].filter((p) => stillListening.has(p))).toEqual([]);
  }, EXIT_BOUND_MS + 10_000);
});
