#!/usr/bin/env node
// Sizes of the built web client (dist/): every file, raw and gzip -9, and the
// totals that a first visit downloads (index.html plus the JS and CSS it loads).
// Usage: node scripts/bundle-size.mjs [--json] [--dist DIR]   (after `npm run build`; DIR defaults to dist/)
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

const distFlag = process.argv.indexOf('--dist');
const dist = distFlag > 0 ? process.argv[distFlag + 1] : fileURLToPath(new URL('../dist', import.meta.url));

function walk(dir) {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? walk(path) : [path];
  });
}

let files;
try {
  files = walk(dist);
} catch {
  console.error(`no ${dist}: run npm run build first`);
  process.exit(1);
}
const rows = files.map((path) => {
  const bytes = readFileSync(path);
  return { file: relative(dist, path), bytes: bytes.length, gzipBytes: gzipSync(bytes, { level: 9 }).length };
});
const html = readFileSync(join(dist, 'index.html'), 'utf8');
const loaded = rows.filter((r) => r.file === 'index.html' || html.includes(`/${r.file}`));
const total = (list, key) => list.reduce((n, r) => n + r[key], 0);
const summary = {
  files: rows,
  firstLoad: { bytes: total(loaded, 'bytes'), gzipBytes: total(loaded, 'gzipBytes') },
  js: { bytes: total(rows.filter((r) => r.file.endsWith('.js')), 'bytes'), gzipBytes: total(rows.filter((r) => r.file.endsWith('.js')), 'gzipBytes') },
};
if (process.argv.includes('--json')) {
  console.log(JSON.stringify(summary));
} else {
  const kb = (n) => `${(n / 1024).toFixed(1)} KiB`;
  for (const r of rows) console.log(`${r.file.padEnd(40)} ${kb(r.bytes).padStart(10)} ${kb(r.gzipBytes).padStart(10)} gzip`);
  console.log(`${'first load (html + js + css)'.padEnd(40)} ${kb(summary.firstLoad.bytes).padStart(10)} ${kb(summary.firstLoad.gzipBytes).padStart(10)} gzip`);
}
