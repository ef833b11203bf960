// The `helpdesk` command (README, Command line): seed, import, reindex, agent add, token create, meili-key.
// Everything goes through the io it is given and the exit code is returned, so tests run it in
// process. Exit codes: 0 done, 1 done in part or failed, 2 bad usage or configuration.
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import cliProgress from 'cli-progress';
import fs from 'node:fs';
import readline from 'node:readline';
import { Writable } from 'node:stream';
import { systemClock } from '../clock';
import { ConfigError, loadConfig } from '../config';
import { DEMO_DEFAULTS } from '../demo/demo-data';
import { seedDemo } from '../demo/seed-demo';
import { isAppError } from '../errors';
import { createAuthService } from '../features/auth/auth.service';
import { IMPORT_KINDS, type ImportKind } from '../import/import.schema';
import { ImportStoppedError, importNdjson, type ImportSummary } from '../import/importer';
import { fullSync, MASS_DELETE_SHARE, type FullSyncSummary } from '../import/full-sync';
import { erasePerson, transferOrg } from '../features/lifecycle/lifecycle.service';
import { createLogger } from '../logger';
import { createSearchIndex } from '../search-index';
import { Indexer } from '../search-index/indexer';
import { createAppKey } from '../search-index/meilisearch/meilisearch-search-index';
import { createStore } from '../store';
import type { AgentRole, Store } from '../store/store';

export interface CliIo {
  stdout: NodeJS.WritableStream & { isTTY?: boolean };
  stderr: NodeJS.WritableStream & { isTTY?: boolean };
  stdin: NodeJS.ReadableStream & { isTTY?: boolean };
  env: Record<string, string | undefined>;
}

export interface CliOptions {
  /** scrypt cost of new agents' passwords; tests lower it. */
  passwordLogN?: number;
  /** Opens the store (by default createStore); tests wrap it to make the store fail. */
  openStore?: typeof createStore;
}

/** A mistake in how the command was called: exit code 2, like commander's own usage errors. */
class UsageError extends Error {}

const EXIT_OK = 0;
const EXIT_FAILED = 1;
const EXIT_USAGE = 2;

export async function runCli(argv: string[], io: CliIo, opts: CliOptions = {}): Promise<number> {
  const say = (line: string) => { io.stdout.write(`${line}\n`); };
  let exitCode = EXIT_OK;

  // The store opens only once the command line parsed, so `--help` needs no configuration.
  const withStore = async (fn: (store: Store) => Promise<number>) => {
    const store = await (opts.openStore ?? createStore)(loadConfig(io.env));
    try {
      exitCode = await fn(store);
    } finally {
      await store.close();
    }
  };
  const auth = (store: Store) => createAuthService(store, systemClock, opts.passwordLogN);

  const program = new Command('helpdesk')
    .description('Partner Help Desk administration: demo data, imports, search index, agents and API tokens')
    .exitOverride()
    .configureOutput({ writeOut: (s) => io.stdout.write(s), writeErr: (s) => io.stderr.write(s) });

  program.command('seed')
    .description('import the deterministic demo data set and create the demo agents when missing')
    .option('--orgs <n>', 'number of orgs', positiveInt, DEMO_DEFAULTS.orgs)
    .option('--users <n>', 'number of users', positiveInt, DEMO_DEFAULTS.users)
    .option('--seed <s>', 'seed of the generator: the same seed gives the same data', seedNumber, DEMO_DEFAULTS.seed)
    .action((o: { orgs: number; users: number; seed: number }) => withStore(async (store) => {
      const result = await seedDemo({ store, auth: auth(store), ...o });
      say(`Seeded demo data (seed ${o.seed}): ${formatCounts(result.counts)}`);
      if (hasAny(result.deferred)) say(`Deferred (valid, not applied yet): ${formatCounts(result.deferred)}`);
      say('Demo accounts:');
      for (const a of result.accounts) {
        say(`  ${a.email}  ${a.role}  ${a.partnerId}  ${a.password ?? '(existed already; password unchanged)'}`);
      }
      return EXIT_OK;
    }));

  program.command('import')
    .description('import NDJSON records (one JSON object a line); orgs must come before their users and devices')
    .argument('<file>', 'NDJSON file, or - for standard input')
    .option('--full', "full sync: the file is the partner's whole state; what it does not hold is deleted afterwards (needs --partner)")
    .option('--partner <id>', 'the partner the file is for: lines of other partners are refused')
    .option('--dry-run', 'print what would be added, changed and deleted, and change nothing')
    .option('--allow-mass-delete', `let a full sync delete more than ${MASS_DELETE_SHARE * 100} % of the partner's records`)
    .action((file: string, o: ImportFlags) => {
      if (o.full && !o.partner) throw new UsageError('--full needs --partner <id>: a full sync replaces one partner\'s records');
      if (o.allowMassDelete && !o.full) throw new UsageError('--allow-mass-delete goes with --full');
      return withStore((store) => importFile(store, file, io, o));
    });

  program.command('org')
    .description('manage customer orgs')
    .command('transfer')
    .description('move an org with its users and devices to another partner; the old partner loses every access to it')
    .requiredOption('--org <id>', 'org id (UUID)')
    .requiredOption('--to <partner>', 'id of the partner it moves to')
    .action((o: { org: string; to: string }) => withStore(async (store) => {
      const moved = await transferOrg(store, o.org, o.to);
      say(`Org ${moved.org.name} (${moved.org.id}) moved from ${moved.fromPartnerId} to ${o.to} with ${moved.users} users and ${moved.devices} devices; `
        + `${moved.grantsRevoked} access grants revoked, ${moved.requestsClosed} pending requests closed, ${moved.sessionsEnded} customer sessions ended.`);
      return EXIT_OK;
    }));

  program.command('erase')
    .description("erase a person: every user with this address, their codes, suppression entry and mail events; the audit log keeps a pseudonym")
    .requiredOption('--email <email>', 'the address to erase')
    .action((o: { email: string }) => withStore(async (store) => {
      const report = await erasePerson(store, o.email, loadConfig(io.env).codeSecret);
      const users = report.users.map((u) => `${u.partnerId}/${u.id} ${u.displayName}`).join(', ') || 'none';
      say(`Erased ${o.email.trim().toLowerCase()} (now ${report.pseudonym} in the audit log): ${report.users.length} users (${users}), `
        + `${report.verifications} verifications, ${report.suppression ? 'its suppression entry' : 'no suppression entry'}, `
        + `${report.emailEvents} email events, ${report.magicLinks} sign-in links; ${report.auditRewritten} audit entries rewritten.`);
      return EXIT_OK;
    }));

  program.command('reindex')
    .description('rebuild the search index from the store')
    .action(() => withStore(async (store) => {
      const config = loadConfig(io.env);
      if (!config.meili) {
        await store.changes.requestRebuild();
        // The embedded search engine lives inside the app's process: the CLI can only ask it.
        say('Reindex requested: the running app rebuilds its search index from the store as soon as it sees the request.');
        return EXIT_OK;
      }
      // A shared engine is rebuilt once, here, into a fresh index swapped in when complete: every
      // app process keeps searching the old one meanwhile, then follows changes from the new cursor.
      const index = await createSearchIndex(config, { warn: (message) => { io.stderr.write(`warning: ${message}\n`); } });
      try {
        const started = Date.now();
        // Its warnings come back in the result and are printed below, in words.
        const { count, warnings = [] } = await new Indexer(store, index, createLogger('error')).rebuild();
        say(`Reindexed ${count} records into ${index.name} in ${((Date.now() - started) / 1000).toFixed(1)} s (index swapped in).`);
        for (const warning of warnings) io.stderr.write(`warning: ${warning}\n`);
      } finally {
        await index.close();
      }
      return EXIT_OK;
    }));

  program.command('meili-key')
    .description('create the Meilisearch API key the app needs (its own indexes only) with MEILI_MASTER_KEY, and print it')
    .action(async () => {
      const host = io.env.MEILI_HOST;
      const masterKey = io.env.MEILI_MASTER_KEY;
      if (!host) throw new UsageError('MEILI_HOST: not set (the Meilisearch server to create the key on)');
      // From the environment, not a flag: a master key in a command line ends up in shell history.
      if (!masterKey) throw new UsageError('MEILI_MASTER_KEY: not set (the key is created with the master key; the app itself never needs it)');
      say(await createAppKey({ host, masterKey }));
      io.stderr.write('Give the app this key as MEILI_API_KEY (it can search, write, set up and reindex the helpdesk indexes, nothing else).\n');
    });

  program.command('agent')
    .description('manage agents')
    .command('add')
    .description('add an agent to a partner; the password comes from --password or the first line of standard input')
    .requiredOption('--partner <id>', 'partner id, e.g. p-north')
    .requiredOption('--email <email>', 'sign-in email')
    .requiredOption('--name <name>', 'display name')
    .addOption(new Option('--role <role>', 'role').choices(['helpdesk', 'partner_admin']).makeOptionMandatory())
    .option('--password <password>', 'password (12 characters or more); prefer standard input, which stays out of shell history')
    .action((o: { partner: string; email: string; name: string; role: AgentRole; password?: string }) => withStore(async (store) => {
      const password = o.password ?? await readPassword(io);
      if (!password) throw new UsageError('password: none given (use --password or write it on standard input)');
      const agent = await auth(store).createAgent({ partnerId: o.partner, email: o.email, name: o.name, role: o.role, password });
      say(`Agent ${agent.email} added to ${agent.partnerId} as ${agent.role} (id ${agent.id}).`);
      return EXIT_OK;
    }));

  program.command('token')
    .description('manage API tokens')
    .command('create')
    .description('create an API token for an agent, or with --integration for a sync job, and print it (it is shown only this once)')
    .option('--email <email>', "the agent's email")
    .option('--integration', 'a token for a sync job of --partner: it may only post imports (POST /api/v1/import)')
    .option('--partner <id>', 'partner of an --integration token, e.g. p-north')
    .option('--name <name>', 'label shown on the admin page and in the audit log')
    .action((o: { email?: string; integration?: boolean; partner?: string; name?: string }) => withStore(async (store) => {
      if (o.integration ? !o.partner || o.email : !o.email || o.partner) {
        throw new UsageError('token create: give --email E (an agent\'s token) or --integration --partner ID (a sync job\'s token)');
      }
      const { token } = o.integration
        ? await auth(store).createIntegrationToken(o.partner!, o.name ?? 'integration')
        : await auth(store).createToken(o.email!, o.name ?? 'helpdesk cli');
      say(token);
      return EXIT_OK;
    }));

  try {
    await program.parseAsync(argv, { from: 'user' });
    return exitCode;
  } catch (err) {
    return reportError(err, io);
  }
}

interface ImportFlags { full?: boolean; partner?: string; dryRun?: boolean; allowMassDelete?: boolean }

async function importFile(store: Store, file: string, io: CliIo, flags: ImportFlags = {}): Promise<number> {
  const say = (line: string) => { io.stdout.write(`${line}\n`); };
  let input: NodeJS.ReadableStream;
  let totalBytes: number | undefined;
  if (file === '-') {
    input = io.stdin;
  } else {
    const stat = await fs.promises.stat(file).catch((err: Error) => {
      throw new UsageError(`cannot read ${file}: ${err.message}`);
    });
    if (!stat.isFile()) throw new UsageError(`${file} is not a file`);
    totalBytes = stat.size;
    input = fs.createReadStream(file);
  }

  const bar = io.stderr.isTTY && totalBytes
    ? new cliProgress.SingleBar({
      stream: io.stderr,
      format: 'Importing [{bar}] {percentage}% | {lines} lines | {eta_formatted} left',
      hideCursor: true,
    }, cliProgress.Presets.shades_classic)
    : null;
  bar?.start(totalBytes!, 0, { lines: 0 });
  // The sweep of a full sync gets a bar of its own once the file is read.
  let sweepBar: cliProgress.SingleBar | null = null;
  const onSweepProgress = io.stderr.isTTY ? (done: number, total: number) => {
    if (!sweepBar) {
      bar?.stop();
      sweepBar = new cliProgress.SingleBar({ stream: io.stderr, format: 'Deleting [{bar}] {value}/{total} records not in the file', hideCursor: true },
        cliProgress.Presets.shades_classic);
      sweepBar.start(total, 0);
    }
    sweepBar.update(done);
  } : undefined;
  let summary: ImportSummary | FullSyncSummary;
  const common = {
    totalBytes,
    onProgress: bar ? (p: { bytes: number; lines: number }) => bar.update(p.bytes, { lines: p.lines }) : undefined,
    dryRun: flags.dryRun,
    actor: { id: null, role: 'operator' },
  };
  try {
    summary = flags.full
      ? await fullSync(store, input, { ...common, partnerId: flags.partner!, allowMassDelete: flags.allowMassDelete, onSweepProgress })
      : await importNdjson(store, input, { ...common, partnerId: flags.partner });
  } catch (err) {
    if (err instanceof ImportStoppedError) return reportStopped(err, io);
    throw err;
  } finally {
    bar?.stop();
    (sweepBar as cliProgress.SingleBar | null)?.stop();
  }

  const imported = IMPORT_KINDS.reduce((n, k) => n + summary.imported[k], 0);
  say(`Read ${summary.lines} lines: ${imported} records imported (${formatCounts(summary.imported)}), ${summary.failed.length} failed.`);
  if (hasAny(summary.deferred)) {
    say(`Deferred (valid, not applied yet): ${formatCounts(summary.deferred)}`);
  }
  for (const f of summary.failed) say(`line ${f.line}: ${f.reason}`);
  const o = summary.outcomes;
  if (flags.dryRun) say('Dry run: nothing was changed.');
  say(`${flags.dryRun ? 'Would add' : 'Added'} ${o.added}, ${flags.dryRun ? 'change' : 'changed'} ${o.updated}, `
    + `${flags.dryRun ? 'delete' : 'deleted'} ${o.deleted}; ${o.unchanged} unchanged.`);
  if (flags.full) return reportFullSync(summary as FullSyncSummary, flags, io);
  return summary.failed.length > 0 ? EXIT_FAILED : EXIT_OK;
}

function reportFullSync(summary: FullSyncSummary, flags: ImportFlags, io: CliIo): number {
  const say = (line: string) => { io.stdout.write(`${line}\n`); };
  const u = summary.unlisted;
  const total = u.org + u.user + u.device;
  const which = `${u.org} orgs, ${u.user} users, ${u.device} devices`;
  if (summary.refused === 'failed_lines') {
    say(`Full sync of ${flags.partner}: nothing deleted, because ${summary.failed.length} lines failed; fix them and run it again.`);
    return EXIT_FAILED;
  }
  if (summary.refused === 'mass_delete') {
    const share = summary.before ? Math.round((total / summary.before) * 1000) / 10 : 100;
    io.stderr.write(`error: full sync of ${flags.partner}: the file leaves out ${total} of the partner's ${summary.before} records `
      + `(${share} %: ${which}), more than ${MASS_DELETE_SHARE * 100} %. Nothing was deleted${flags.dryRun ? '' : ' (the lines of the file were applied)'}. `
      + 'Check the file, or run it again with --allow-mass-delete.\n');
    return EXIT_FAILED;
  }
  say(`Full sync of ${flags.partner}: ${flags.dryRun ? 'would delete' : 'deleted'} ${total} records the file does not hold (${which}).`);
  return EXIT_OK;
}

/** The store failed mid-import: what was saved, which line to resume from, and that rerunning is safe. */
function reportStopped(err: ImportStoppedError, io: CliIo): number {
  const { summary, resumeLine } = err;
  const saved = IMPORT_KINDS.reduce((n, k) => n + summary.imported[k], 0);
  const lines = [
    `error: ${err.message}`,
    `Before it stopped: ${saved} records saved (${formatCounts(summary.imported)}), ${summary.failed.length} failed${summary.failed.length ? ' (listed below)' : ''}.`,
    `Every line before line ${resumeLine} is done; from line ${resumeLine} on, nothing is guaranteed saved.`,
    err.diskFull
      ? 'The disk is full: free some space, then run the same import again with the same file.'
      : 'Once the store is back, run the same import again with the same file.',
    'That is safe: every record is saved by its id, so records already saved are updated in place, never duplicated.',
  ];
  for (const f of summary.failed) lines.push(`line ${f.line}: ${f.reason}`);
  io.stderr.write(`${lines.join('\n')}\n`);
  return EXIT_FAILED;
}

/** The first line of standard input; on a terminal, asked for without echoing it. */
async function readPassword(io: CliIo): Promise<string | null> {
  const terminal = Boolean(io.stdin.isTTY);
  if (terminal) io.stderr.write('Password: ');
  // On a terminal readline echoes through `output` (raw mode): a muted one keeps the password off screen.
  const muted = new Writable({ write: (_chunk, _encoding, done) => done() });
  const rl = readline.createInterface({ input: io.stdin, output: muted, terminal, crlfDelay: Infinity });
  rl.on('SIGINT', () => rl.close());
  try {
    for await (const line of rl) return line;
    return null;
  } finally {
    rl.close();
    if (terminal) io.stderr.write('\n');
  }
}

function reportError(err: unknown, io: CliIo): number {
  const fail = (message: string, code: number) => { io.stderr.write(`error: ${message}\n`); return code; };
  // Commander has printed its own message (or the help) already.
  if (err instanceof CommanderError) return err.exitCode === 0 ? EXIT_OK : EXIT_USAGE;
  if (err instanceof ConfigError) {
    io.stderr.write(`${err.message}\n`);
    return EXIT_USAGE;
  }
  if (err instanceof UsageError) return fail(err.message, EXIT_USAGE);
  if (isAppError(err)) return fail(err.message, err.code === 'invalid' ? EXIT_USAGE : EXIT_FAILED);
  return fail((err as Error).message ?? String(err), EXIT_FAILED);
}

function positiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n < 1) throw new InvalidArgumentError('must be a whole number of 1 or more.');
  return n;
}

function seedNumber(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 0xffffffff) throw new InvalidArgumentError('must be a whole number from 0 to 4294967295.');
  return n;
}

const hasAny = (counts: Record<ImportKind, number>) => IMPORT_KINDS.some((k) => counts[k] > 0);

const formatCounts = (counts: Record<ImportKind, number>) =>
  IMPORT_KINDS.filter((k) => counts[k] > 0).map((k) => `${k} ${counts[k]}`).join(', ') || 'none';
