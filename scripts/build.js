#!/usr/bin/env node
// Build: compile TypeScript with tsc, then copy each node's editor HTML, locales and the icons
// beside the compiled JavaScript, and check that package.json registers every node folder.
'use strict';
const { execFileSync } = require('child_process');
const fs = require('fs');
const path = require('path');

const root = path.resolve(__dirname, '..');
const dist = path.join(root, 'dist');
fs.rmSync(dist, { recursive: true, force: true });
try {
  execFileSync(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', root], { stdio: 'inherit', cwd: root });
} catch {
  console.error('build: tsc reported errors (above)');
  process.exit(1);
}

function copyDir(from, to, filter) {
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
copyDir(nodesDir, path.join(dist, 'nodes'), (f) => f.endsWith('.html') || f.includes(`${path.sep}locales${path.sep}`));

const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));
const registered = pkg['node-red'].nodes;
const folders = fs.readdirSync(nodesDir).filter((d) => d.startsWith('rel-') && fs.existsSync(path.join(nodesDir, d, `${d}.ts`)));
const problems = [];
for (const d of folders) {
  // Node-RED looks for icons in an icons/ folder beside each registered node file.
  copyDir(path.join(root, 'icons'), path.join(dist, 'nodes', d, 'icons'), () => true);
  if (registered[d] !== `dist/nodes/${d}/${d}.js`) problems.push(`package.json node-red.nodes["${d}"] should be "dist/nodes/${d}/${d}.js"`);
  if (!fs.existsSync(path.join(nodesDir, d, `${d}.html`))) problems.push(`nodes/${d}/${d}.html is missing`);
}
for (const [name, file] of Object.entries(registered)) {
  if (!fs.existsSync(path.join(root, file))) problems.push(`package.json registers ${name} -> ${file}, which the build did not produce`);
}
if (problems.length) {
  console.error('build: ' + problems.join('\n       '));
  process.exit(1);
}
console.log(`build: ${folders.length} nodes compiled to dist/nodes`);
