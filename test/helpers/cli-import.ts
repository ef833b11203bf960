// Runs `helpdesk import … -` as its own process, fed through stdin by the test. The test decides how
// much of the file the import has seen: a process killed "in the middle of a file" is then killed
// there for sure, however fast the machine (a file on disk could be read to its end before the
// test's first look at the store).
import { spawn } from 'node:child_process';
import path from 'node:path';

const CLI = path.resolve(__dirname, '../../bin/helpdesk.js');

export interface ImportRun {
  child: ReturnType<typeof spawn>;
  /** Writes these lines to the import's stdin (it keeps reading until end() or a kill). */
  feed(lines: string[]): void;
  /** Closes stdin: the import reads to the end of what it was given and finishes. */
  end(): void;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; output: string }>;
}

export function runImport(dataDir: string, args: string[] = []): ImportRun {
  const child = spawn(process.execPath, [CLI, 'import', ...args, '-'], {
    env: { ...process.env, DATA_DIR: dataDir, NODE_ENV: 'test', LOG_LEVEL: 'silent' },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (c: Buffer) => { output += c.toString(); });
  child.stderr!.on('data', (c: Buffer) => { output += c.toString(); });
  // A killed import closes its stdin under a write still in flight: that EPIPE is expected.
  child.stdin!.on('error', () => {});
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; output: string }>((resolve) => {
    child.on('exit', (code, signal) => resolve({ code, signal, output }));
  });
  return {
    child,
    feed: (lines) => { child.stdin!.write(`${lines.join('\n')}\n`); },
    end: () => { child.stdin!.end(); },
    exited,
  };
}

/** Runs the import on these lines to its end. */
export async function importAll(dataDir: string, lines: string[], args: string[] = []) {
  const run = runImport(dataDir, args);
  run.feed(lines);
  run.end();
  return run.exited;
}

/** Waits until check() holds, the process ended, or the bound passed; says which. */
export async function waitFor(check: () => boolean | Promise<boolean>, run: ImportRun, boundMs = 60_000): Promise<'held' | 'exited' | 'timeout'> {
  const until = Date.now() + boundMs;
  for (;;) {
    if (await check()) return 'held';
    if (run.child.exitCode !== null || run.child.signalCode !== null) return 'exited';
    if (Date.now() > until) return 'timeout';
    await new Promise((r) => setTimeout(r, 20));
  }
}
