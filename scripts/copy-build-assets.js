#!/usr/bin/env node
// Part of `npm run build`: copies the files the compiled code reads beside itself (the mail
// templates, *.ejs under src/) into dist/src, so dist/ runs without src/ (the production image has
// no src/; see scripts/runtime-files.js).
'use strict';
const fs = require('node:fs');
const path = require('node:path');

const ROOT = path.resolve(__dirname, '..');
const ASSET = /\.ejs$/;

function copyAssets(from, to) {
  for (const entry of fs.readdirSync(from, { withFileTypes: true })) {
    const source = path.join(from, entry.name);
    if (entry.isDirectory()) copyAssets(source, path.join(to, entry.name));
    else if (ASSET.test(entry.name)) {
      fs.mkdirSync(to, { recursive: true });
      fs.copyFileSync(source, path.join(to, entry.name));
    }
  }
}

copyAssets(path.join(ROOT, 'src'), path.join(ROOT, 'dist', 'src'));
