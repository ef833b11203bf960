// `npm run bench [-- --sizes 100k,1m] [-- --http-seconds 10]`: measures each data size in its own
// process (so one size's heap does not weigh on the next), prints the figures and writes
// docs/benchmarks.md.
import { execSync, fork } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { measure, type SizeResult, type SizeSpec } from './measure';
import { QUERY_CLASSES } from './queries';
import { ms } from './stats';
import { report, type Run } from './report';

const SIZES: Record<string, SizeSpec> = {
  '100k': { label: '100k', orgs: 5_000, users: 100_000 },
  '1m': { label: '1m', orgs: 50_000, users: 1_000_000 },
};

function option(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1]! : fallback;
}

function runChild(label: string, httpSeconds: number): Promise<SizeResult> {
  return new Promise((resolve, reject) => {
    const child = fork(__filename, ['--child', label, '--http-seconds', String(httpSeconds)], {
      // The heap limit is set well above the 3 GB goal so that a regression shows as a figure, not a crash.
      execArgv: ['--expose-gc', '--max-old-space-size=8192'],
    });
    let result: SizeResult | undefined;
    child.on('message', (m) => { result = m as SizeResult; });
    child.once('exit', (code) => (result ? resolve(result) : reject(new Error(`${label}: benchmark exited with ${code}`))));
  });
}

function summary(r: SizeResult): string {
  const rows = QUERY_CLASSES.map((c) => `  ${c.padEnd(16)} p50 ${ms(r.engine[c].p50).padStart(6)}  p95 ${ms(r.engine[c].p95).padStart(6)}  p99 ${ms(r.engine[c].p99).padStart(6)} ms`
    + `   naive p50 ${ms(r.baseline[c].p50).padStart(6)} ms  (×${(r.baseline[c].p50 / Math.max(r.engine[c].p50, 0.001)).toFixed(0)})`);
  return [
    `${r.size.label}: ${r.docs} docs; import ${Math.round(r.importRate)} lines/s; first start ${r.coldStartS.toFixed(1)} s (CPU ${r.coldStartCpuS.toFixed(1)} s) `
      + `(build ${Math.round(r.buildDocsPerS)} docs/s); restart ${r.restartS?.toFixed(1)} s; heap ${r.heapMb} MB + ${r.arrayBuffersMb} MB ArrayBuffers, RSS ${r.rssMb} MB`,
    ...rows,
    ...r.http.map((h) => `  HTTP ${String(h.connections).padStart(2)} conn: ${Math.round(h.rps)} req/s, p50 ${ms(h.p50)} p95 ${ms(h.p95)} p99 ${ms(h.p99)} ms, non-2xx ${h.non2xx}`),
    `  pages p95: user ${ms(r.pages.user.p95)} ms, org ${ms(r.pages.org.p95)} ms`,
    ...(r.groupHttp?.runs ?? []).map((h) => `  HTTP ${String(h.connections).padStart(2)} conn, the app as ${r.groupHttp!.processes} processes: ${Math.round(h.rps)} req/s, p50 ${ms(h.p50)} p95 ${ms(h.p95)} p99 ${ms(h.p99)} ms, non-2xx ${h.non2xx}`),
    ...(r.app ? [`  the app (node dist/src/main.js): first start ${r.app.firstStartS.toFixed(1)} s, restart ${r.app.restartS.toFixed(1)} s to listening`] : []),
  ].join('\n');
}

async function main(): Promise<void> {
  const httpSeconds = Number(option('http-seconds', '10'));
  const child = option('child', '');
  if (child) {
    const result = await measure(SIZES[child]!, { httpSeconds });
    process.send!(result);
    return;
  }
  const labels = option('sizes', '100k,1m').split(',').map((s) => s.trim().toLowerCase());
  for (const l of labels) if (!SIZES[l]) throw new Error(`unknown size ${l} (known: ${Object.keys(SIZES).join(', ')})`);
  const docs = path.join(__dirname, '..', '..', 'docs');
  const rawFile = path.join(docs, 'benchmarks.json');
  // A run of some sizes keeps the last figures of the others, so `--sizes 100k` does not erase the 1m section.
  const runs: Record<string, Run> = fs.existsSync(rawFile) ? JSON.parse(fs.readFileSync(rawFile, 'utf8')) as Record<string, Run> : {};
  for (const label of labels) {
    const started = Date.now();
    const loadBefore = os.loadavg()[0]!;
    const result = await runChild(label, httpSeconds);
    process.stdout.write(`${summary(result)}\n`);
    runs[label] = {
      result,
      machine: {
        // What this process may run on (a container's CPU limit included), as Node.js counts it.
        cpus: String(os.availableParallelism()),
        cpuModel: os.cpus()[0]?.model ?? 'unknown',
        memory: execSync('free -h').toString().trim(),
        node: process.version,
        date: new Date().toISOString().slice(0, 16).replace('T', ' '),
        command: `npm run bench${process.argv.length > 2 ? ` -- ${process.argv.slice(2).join(' ')}` : ''}`,
        totalMinutes: (Date.now() - started) / 60_000,
        load: `${loadBefore.toFixed(1)} at start, ${os.loadavg()[0]!.toFixed(1)} at end`,
      },
    };
  }
  fs.mkdirSync(docs, { recursive: true });
  fs.writeFileSync(rawFile, `${JSON.stringify(runs, null, 1)}\n`);
  const ordered = Object.keys(SIZES).filter((l) => runs[l]).map((l) => runs[l]!);
  const mdFile = path.join(docs, 'benchmarks.md');
  // `npm run load` owns the "Load" section: keep it when the rest of the report is rewritten.
  const previous = fs.existsSync(mdFile) ? fs.readFileSync(mdFile, 'utf8') : '';
  const load = /^## Load\b[\s\S]*?(?=^## |(?![\s\S]))/m.exec(previous)?.[0];
  fs.writeFileSync(mdFile, load ? `${report(ordered).trimEnd()}\n\n${load.trimEnd()}\n` : report(ordered));
  process.stdout.write(`written docs/benchmarks.md and docs/benchmarks.json\n`);
}

main().catch((err) => {
  process.stderr.write(`${(err as Error).stack}\n`);
  process.exit(1);
});
