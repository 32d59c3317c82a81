#!/usr/bin/env node
// Build: compile TypeScript with tsc, copy each node's editor HTML, locales and icons beside the
// compiled JavaScript, and keep package.json's node-red.nodes in step with the nodes/rel-* folders.
//
//   node scripts/build.js                      -> dist/ (what npm pack ships and Node-RED loads)
//   node scripts/build.js --out .build-x       -> a private output folder (parallel work)
//   node scripts/build.js --allow-errors       -> keep going when tsc reports errors
'use strict';
const { execFileSync } = require('child_process');
const fs = require('fs');
const path = require('path');

const args = process.argv.slice(2);
const root = path.resolve(__dirname, '..');
const outArg = args.includes('--out') ? args[args.indexOf('--out') + 1] : 'dist';
const out = path.resolve(root, outArg);
const allowErrors = args.includes('--allow-errors');

// dist/ is what ships: start clean so no file of a removed node or test lingers in a package.
if (out === path.join(root, 'dist')) fs.rmSync(out, { recursive: true, force: true });

let tscFailed = false;
try {
  execFileSync(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', root, '--outDir', out], { stdio: 'inherit', cwd: root });
} catch {
  tscFailed = true;
  console.error('build: tsc reported errors (above)');
  if (!allowErrors) process.exit(1);
}

function copyDir(from, to, filter) {
  if (!fs.existsSync(from)) return;
  for (const entry of fs.readdirSync(from, { withFileTypes: true })) {
    const src = path.join(from, entry.name);
    const dst = path.join(to, entry.name);
    if (entry.isDirectory()) copyDir(src, dst, filter);
    else if (filter(src)) {
      fs.mkdirSync(path.dirname(dst), { recursive: true });
      fs.copyFileSync(src, dst);
    }
  }
}
const nodesDir = path.join(root, 'nodes');
copyDir(nodesDir, path.join(out, 'nodes'), (f) => f.endsWith('.html') || f.includes(`${path.sep}locales${path.sep}`));

const folders = fs
  .readdirSync(nodesDir)
  .filter((d) => d.startsWith('rel-') && fs.existsSync(path.join(nodesDir, d, `${d}.ts`)))
  .sort();
const problems = [];
for (const d of folders) {
  // Node-RED looks for icons in an icons/ folder beside each registered node file.
  copyDir(path.join(root, 'icons'), path.join(out, 'nodes', d, 'icons'), () => true);
  if (!fs.existsSync(path.join(nodesDir, d, `${d}.html`))) problems.push(`nodes/${d}/${d}.html is missing`);
}

// package.json registers exactly the node folders (in dist/, which is what ships).
const pkgFile = path.join(root, 'package.json');
const pkgText = fs.readFileSync(pkgFile, 'utf8');
const pkg = JSON.parse(pkgText);
const want = Object.fromEntries(folders.map((d) => [d, `dist/nodes/${d}/${d}.js`]));
if (JSON.stringify(pkg['node-red'].nodes) !== JSON.stringify(want)) {
  pkg['node-red'].nodes = want;
  fs.writeFileSync(pkgFile, JSON.stringify(pkg, null, 2) + '\n');
  console.log('build: updated node-red.nodes in package.json');
}
if (problems.length) {
  console.error('build: ' + problems.join('\n       '));
  if (!allowErrors) process.exit(1);
}
console.log(`build: ${folders.length} nodes compiled to ${path.relative(root, out) || '.'}${tscFailed ? ' (with type errors)' : ''}`);
