/**
 * How much a zip file (an XLSX workbook is one) unpacks to, counted before a reader unpacks it
 * into memory: a 10 MB upload can hold gigabytes of zeros (a "zip bomb"). Each entry is inflated
 * with Node's zlib under the remaining budget, so a size the directory declares falsely does not
 * get past it, and no more than the budget is ever held. The directory is read as JSZip (exceljs's
 * reader) reads it, entry after entry while the headers follow, and a file whose entry count or
 * directory position disagrees with its end record is refused: such a file could show this check
 * other entries than the reader unpacks.
 */
import zlib from 'zlib';

/** Most bytes a register workbook may unpack to (10,000 rows of 200 columns is far less). */
export const MAX_UNPACKED_BYTES = 64 * 1024 * 1024;
/** Most files in one workbook (a one-sheet workbook has about a dozen). */
export const MAX_ZIP_ENTRIES = 1000;

const EOCD = 0x06054b50;
const CENTRAL = 0x02014b50;
const LOCAL = 0x04034b50;

/** Why the zip is refused before it is unpacked, or null when it is within the limits. */
export function zipProblem(buf: Buffer, limit = MAX_UNPACKED_BYTES): string | null {
  let end = -1;
  for (let i = buf.length - 22; i >= Math.max(0, buf.length - 22 - 0xffff); i--) {
    if (buf.readUInt32LE(i) === EOCD) {
      end = i;
      break;
    }
  }
  if (end < 0) return 'no zip directory found (the file is cut short or not a workbook)';
  const entries = buf.readUInt16LE(end + 10);
  const dirSize = buf.readUInt32LE(end + 12);
  let p = buf.readUInt32LE(end + 16);
  if (entries === 0xffff || p === 0xffffffff) return 'a ZIP64 archive: far larger than a register workbook';
  if (entries > MAX_ZIP_ENTRIES) return `${entries} files in the archive, at most ${MAX_ZIP_ENTRIES}`;
  // the directory ends where the end record starts (no bytes before the archive or between)
  if (p + dirSize !== end) return 'a zip directory that does not end at its end record';
  let total = 0;
  let n = 0;
  for (; p + 4 <= end && buf.readUInt32LE(p) === CENTRAL; n++) {
    if (n >= entries) return `more files in the zip directory than its end record counts (${entries})`;
    if (p + 46 > end) return 'a damaged zip directory';
    const method = buf.readUInt16LE(p + 10);
    const packed = buf.readUInt32LE(p + 20);
    const local = buf.readUInt32LE(p + 42);
    p += 46 + buf.readUInt16LE(p + 28) + buf.readUInt16LE(p + 30) + buf.readUInt16LE(p + 32);
    if (local + 30 > buf.length || buf.readUInt32LE(local) !== LOCAL) return 'a damaged zip entry';
    const start = local + 30 + buf.readUInt16LE(local + 26) + buf.readUInt16LE(local + 28);
    if (start + packed > buf.length) return 'a damaged zip entry';
    const room = limit - total;
    let size: number;
    if (method === 0) size = packed;
    else if (method === 8) {
      try {
        size = zlib.inflateRawSync(buf.subarray(start, start + packed), { maxOutputLength: room + 1 }).length;
      } catch (e) {
        if ((e as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE') return `it unpacks to more than ${limit / 1048576} MB`;
        return 'a damaged zip entry';
      }
    } else return `zip compression method ${method} (only stored and deflated entries are read)`;
    total += size;
    if (total > limit) return `it unpacks to more than ${limit / 1048576} MB`;
  }
  if (n !== entries || p !== end) return `the zip directory holds ${n} files where its end record counts ${entries}`;
  return null;
}
