/**
 * One process opening a SQLite store for sqlite-open.spec: waits for the start file (busy-waits,
 * so the processes of a pair open within a millisecond of each other), opens the file, applies the
 * core schema and prints `ok`, or the error's code and message (after `waiting`, once it waits).
 * Usage: node open-child.js <db file> <start file>
 */
import fs from 'fs';
import { migrateCoreAsync, openStore } from '../../nodes/core/store';

const [file, start] = process.argv.slice(2);
process.stdout.write('waiting\n');
const until = Date.now() + 10_000;
while (!fs.existsSync(start!) && Date.now() < until) {
  /* wait for the start file */
}
const fail = (e: unknown) => {
  const x = e as { code?: unknown; message?: unknown };
  process.stdout.write(`${String(x.code)} ${String(x.message)}\n`);
};
try {
  const h = openStore(file!);
  migrateCoreAsync(h.db).then(() => {
    h.release();
    process.stdout.write('ok\n');
  }, fail);
} catch (e) {
  fail(e);
}
