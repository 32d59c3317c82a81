/**
 * Runs every benchmark in bench/ (files named *.bench.ts exporting `run()`), one after the other,
 * in this process. `npm run bench` (all but the soak) or `npm run bench -- vibration` (names containing
 * it): cmms, plant (N registered machines through ingest, vibration, health and work orders in real
 * time), rul, simulator, store (the CMMS hot paths on SQLite and PostgreSQL vs raw SQL),
 * vibration; `npm run bench -- soak --hours 48` runs the soak with its options (bench/soak.bench.ts).
 */
import fs from 'fs';
import path from 'path';

async function main(): Promise<void> {
  const filter = process.argv[2];
  const files = fs
    .readdirSync(__dirname)
    // the soak runs for minutes: only when named (npm run bench -- soak [--hours N])
    .filter((f) => f.endsWith('.bench.js') && (filter ? f.includes(filter) : !f.startsWith('soak.')))
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
