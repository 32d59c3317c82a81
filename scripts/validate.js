#!/usr/bin/env node
// `npm run validate`: pack the package as npm would publish it, unpack it in a temporary folder
// and run the Node-RED package validator (node-red-dev validate) on exactly what ships.
// Offline, the validator's catalogue download is answered locally with an empty catalogue (see
// offline-catalogue.js): checks P08 (similar package names) and N01 (duplicate node names in the
// flow library) cannot really run here and are reported as such.
'use strict';
const { execFileSync } = require('child_process');
const fs = require('fs');
const os = require('os');
const path = require('path');

const root = path.resolve(__dirname, '..');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'rel-validate-'));
const packed = JSON.parse(execFileSync('npm', ['pack', '--json', '--pack-destination', tmp], { cwd: root, encoding: 'utf8' }))[0];
execFileSync('tar', ['-xzf', path.join(tmp, packed.filename), '-C', tmp]);
const pkgDir = path.join(tmp, 'package');
console.log(`validate: ${packed.entryCount} files, ${(packed.size / 1024).toFixed(0)} KiB packed, checking ${pkgDir}`);
const env = { ...process.env, NODE_OPTIONS: `${process.env.NODE_OPTIONS || ''} --require ${path.join(__dirname, 'offline-catalogue.js')}`.trim() };
let out = '';
try {
  out = execFileSync('npx', ['--yes', 'node-red-dev@0.1.6', 'validate', '-p', pkgDir], { cwd: tmp, env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
} catch (e) {
  out = `${e.stdout || ''}${e.stderr || ''}`;
  process.exitCode = 1;
}
console.log(out);
console.log('validate: P08 (similar names) and N01 (duplicate node names) were checked against an empty catalogue: the flow library cannot be reached offline.');
fs.rmSync(tmp, { recursive: true, force: true });
