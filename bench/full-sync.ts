// Full sync against a plain import of the same file (docs/data-lifecycle.md): a store holding the
// demo data set, then a file of the same partner's whole state with 1 % of its users changed and
// 1 % left out. Each round imports the base into two fresh stores and times, on one, a plain
// import of the file and, on the other, a full sync of it; rounds alternate which goes first, and
// the median ratio is printed (an absolute figure drifts on a shared machine).
//
//   npm run build && node dist/bench/full-sync.js --users 100000 --orgs 10000 --rounds 3
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { generateDemoData } from '../src/demo/demo-data';
import { fullSync } from '../src/import/full-sync';
import { importNdjson } from '../src/import/importer';
import { EmbeddedStore } from '../src/store/embedded/embedded-store';

const { values } = parseArgs({
  options: { users: { type: 'string', default: '10000' }, orgs: { type: 'string', default: '1000' }, rounds: { type: 'string', default: '3' } },
});
const users = Number(values.users);
const orgs = Number(values.orgs);
const rounds = Number(values.rounds);
const PARTNER = 'p-north';

async function main(): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'helpdesk-bench-sync-'));
  try {
    const records = [...generateDemoData({ orgs, users, seed: 1 })];
    const orgPartner = new Map(records.flatMap((r) => (r.kind === 'org' ? [[r.id, r.partnerId] as const] : [])));
    const base = path.join(dir, 'base.ndjson');
    fs.writeFileSync(base, `${records.map((r) => JSON.stringify(r)).join('\n')}\n`);
    // The partner's whole state, one user in a hundred renamed and one in a hundred gone.
    const lines: string[] = [];
    let n = 0;
    const gone = new Set<string>();
    for (const r of records) {
      const partner = r.kind === 'partner' ? r.id : r.kind === 'org' ? r.partnerId
        : r.kind === 'user' || r.kind === 'device' ? orgPartner.get(r.orgId) : null;
      if (partner !== PARTNER) continue;
      if (r.kind === 'user') {
        const i = n++;
        if (i % 100 === 0) { gone.add(r.id); continue; }
        lines.push(JSON.stringify(i % 100 === 1 ? { ...r, lastName: `${r.lastName} Changed` } : r));
      } else if (r.kind === 'device' && r.ownerUserId && gone.has(r.ownerUserId)) {
        lines.push(JSON.stringify({ ...r, ownerUserId: null }));
      } else {
        lines.push(JSON.stringify(r));
      }
    }
    const file = path.join(dir, 'sync.ndjson');
    fs.writeFileSync(file, `${lines.join('\n')}\n`);
    console.log(`demo data: ${records.length} records; ${PARTNER}'s sync file: ${lines.length} lines, ${gone.size} users left out`);

    const fresh = async (name: string) => {
      const store = new EmbeddedStore(path.join(dir, `${name}.sqlite`));
      const started = performance.now();
      await importNdjson(store, fs.createReadStream(base));
      return { store, importS: (performance.now() - started) / 1000 };
    };
    const timed = async (fn: () => Promise<unknown>) => {
      const started = performance.now();
      await fn();
      return (performance.now() - started) / 1000;
    };

    const ratios: number[] = [];
    for (let round = 0; round < rounds; round++) {
      const plain = await fresh(`plain-${round}`);
      const full = await fresh(`full-${round}`);
      const runPlain = () => timed(() => importNdjson(plain.store, fs.createReadStream(file)));
      const runFull = () => timed(async () => {
        const s = await fullSync(full.store, fs.createReadStream(file), { partnerId: PARTNER });
        if (s.refused) throw new Error(`full sync refused: ${s.refused}`);
      });
      const [plainS, fullS] = round % 2 === 0 ? [await runPlain(), await runFull()] : [...[await runFull(), await runPlain()]].reverse();
      ratios.push(fullS / plainS);
      console.log(`round ${round + 1}: first import ${plain.importS.toFixed(1)} s; plain import of the sync file ${plainS.toFixed(2)} s; `
        + `full sync ${fullS.toFixed(2)} s (ratio ${(fullS / plainS).toFixed(2)})`);
      await plain.store.close();
      await full.store.close();
      for (const name of [`plain-${round}`, `full-${round}`]) {
        for (const suffix of ['', '-wal', '-shm']) fs.rmSync(path.join(dir, `${name}.sqlite${suffix}`), { force: true });
      }
    }
    ratios.sort((a, b) => a - b);
    console.log(`median full sync / plain import: ${ratios[Math.floor(ratios.length / 2)].toFixed(2)}`);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err) => { console.error(err); process.exitCode = 1; });
