#!/usr/bin/env node
// The production image's files, listed once. The Dockerfile's build stage runs
// `node scripts/runtime-files.js /runtime` and copies that folder into the final image;
// test/features/runtime-image.test.ts runs the same command into a temporary folder and starts the
// app from it. A file the app needs at run time and this list lacks fails that test, not a deploy.
// Plain JavaScript with no dependencies: it runs before anything is installed or compiled.
'use strict';
const fs = require('node:fs');
const path = require('node:path');

/**
 * Paths relative to the project root. `node_modules` is copied as installed: the caller prunes the
 * copy to production dependencies (`npm prune --omit=dev`, which reads package-lock.json).
 * Mail templates are not listed: the build copies them next to their compiled module (dist/src).
 */
const RUNTIME_FILES = ['package.json', 'package-lock.json', 'node_modules', 'bin', 'dist/src', 'views', 'public'];

const ROOT = path.resolve(__dirname, '..');

/** Copies every runtime path from `root` into `dest` (created if missing); symlinks are kept as they are. */
function assembleRuntime(dest, root = ROOT) {
  for (const rel of RUNTIME_FILES) {
    const from = path.join(root, rel);
    if (!fs.existsSync(from)) throw new Error(`runtime file missing: ${rel} (build first: npm run build)`);
    fs.cpSync(from, path.join(dest, rel), { recursive: true, verbatimSymlinks: true });
  }
}

module.exports = { RUNTIME_FILES, assembleRuntime };

if (require.main === module) {
  const dest = process.argv[2];
  if (!dest) {
    process.stderr.write('usage: node scripts/runtime-files.js <destination folder>\n');
    process.exit(2);
  }
  assembleRuntime(path.resolve(dest));
}
