/**
 * Runs every benchmark in bench/ (files named *.bench.ts exporting `run()`), one after the other,
 * in this process. `npm run bench` (all) or `npm run bench -- vibration` (names containing it):
 * cmms, rul, simulator, store (the CMMS hot paths on SQLite and PostgreSQL vs raw SQL), vibration.
 */
import fs from 'fs';
import path from 'path';

async function main(): Promise<void> {
  const filter = process.argv[2];
  const files = fs
    .readdirSync(__dirname)
    .filter((f) => f.endsWith('.bench.js') && (!filter || f.includes(filter)))
    .sort();
  if (!files.length) throw new Error(`no benchmark matches ${filter ?? '*'}`);
  for (const f of files) {
    console.log(`\n=== ${f.replace(/\.js$/, '')}`);
    const mod = require(path.join(__dirname, f));
    await mod.run();
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
