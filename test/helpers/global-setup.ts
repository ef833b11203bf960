// Runs once before the suite: says plainly which backend suites cannot run on this machine.
export default function globalSetup(): void {
  const skipped: string[] = [];
  if (!process.env.MONGODB_URI) skipped.push('MongooseStore (MONGODB_URI not set)');
  if (!process.env.MEILI_HOST) skipped.push('MeilisearchSearchIndex (MEILI_HOST not set)');
  if (skipped.length) {
    process.stdout.write(`\nContract suites skipped, no server to run them against: ${skipped.join('; ')}.\n`);
  }
}
