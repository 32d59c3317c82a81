/**
 * The register file: CSV text (UTF-8, BOM and `;` or tab separators handled) or an XLSX
 * workbook, read into header and rows of cells; and written back with the same columns. Text
 * cells that a spreadsheet would run as a formula (a leading =, +, -, @, tab or CR) and text
 * starting with an apostrophe are written with a leading apostrophe; reading removes one leading
 * apostrophe, so export -> import changes nothing. Pure: no Node-RED.
 */
import ExcelJS from 'exceljs';
import Papa from 'papaparse';
import { InputError } from '../errors';
import type { Cell } from './check';
import { COLUMNS, MAX_FILE_BYTES, MAX_ROWS, REQUIRED_COLUMNS, type Column, type ImportError } from './types';
import { zipProblem } from './zip-limit';

export interface RegisterTable {
  /** Column of each cell index (undefined for an unknown column, reported in errors). */
  columns: (Column | undefined)[];
  rows: { row: number; cells: Cell[] }[];
  /** File-level and cell-level problems (formulas, merged cells, unknown columns). */
  errors: ImportError[];
  /** `;`-separated CSV: a decimal comma is read as a decimal point. */
  decimalComma: boolean;
  format: 'csv' | 'xlsx';
}

const ESCAPE = /^[=+\-@\t\r']/;

/** A text cell as written to a file: a leading apostrophe keeps spreadsheets from running it. */
export function escapeCell(v: string): string {
  return ESCAPE.test(v) ? `'${v}` : v;
}

/** The inverse of escapeCell on what a file holds: trimmed, one leading apostrophe removed. */
export function unescapeCell(v: string): string {
  const t = v.trim();
  return t.startsWith("'") ? t.slice(1) : t;
}

function isXlsx(b: Buffer): boolean {
  return b.length >= 4 && b[0] === 0x50 && b[1] === 0x4b && b[2] === 0x03 && b[3] === 0x04;
}

/** Size of the file before anything is parsed: refused over MAX_FILE_BYTES. */
export function checkFileSize(input: unknown, path: string): string | Buffer {
  if (typeof input === 'string') {
    // UTF-16 length is at most the byte count of UTF-8 text; count bytes only near the cap.
    if (input.length > MAX_FILE_BYTES || (input.length > MAX_FILE_BYTES / 3 && Buffer.byteLength(input, 'utf8') > MAX_FILE_BYTES))
      throw new InputError(path, `a register file of at most ${MAX_FILE_BYTES / 1024 / 1024} MB`, input);
    return input;
  }
  if (Buffer.isBuffer(input)) {
    if (input.length > MAX_FILE_BYTES) throw new InputError(path, `a register file of at most ${MAX_FILE_BYTES / 1024 / 1024} MB`, input);
    return input;
  }
  throw new InputError(path, 'register CSV text or an XLSX workbook (a Buffer)', input);
}

function mapHeader(names: string[], errors: ImportError[]): (Column | undefined)[] {
  const lower = new Map<string, Column>(COLUMNS.map((c) => [c.toLowerCase(), c]));
  lower.set('assetid', 'asset');
  const seen = new Set<Column>();
  const cols = names.map((raw) => {
    const name = raw.replace(/^\uFEFF/, '').trim();
    if (name === '') return undefined;
    const c = lower.get(name.toLowerCase());
    if (!c) {
      errors.push({ row: 1, field: name.slice(0, 60), error: `unknown column: expected one of ${COLUMNS.join(', ')}` });
      return undefined;
    }
    if (seen.has(c)) {
      errors.push({ row: 1, field: c, error: 'column appears twice' });
      return undefined;
    }
    seen.add(c);
    return c;
  });
  for (const r of REQUIRED_COLUMNS) if (!seen.has(r)) errors.push({ row: 1, field: r, error: 'required column missing' });
  return cols;
}

/** Read CSV text or an XLSX workbook; the size cap is checked first (checkFileSize). */
export async function readTable(input: string | Buffer, path = 'msg.payload'): Promise<RegisterTable> {
  const data = checkFileSize(input, path);
  if (Buffer.isBuffer(data) && isXlsx(data)) return readXlsx(data);
  return readCsv(Buffer.isBuffer(data) ? data.toString('utf8') : data);
}

function readCsv(textIn: string): RegisterTable {
  const errors: ImportError[] = [];
  const text = textIn.replace(/^\uFEFF/, '');
  const firstLine = text.slice(0, text.search(/\r?\n|$/));
  const delimiter = firstLine.includes('\t') ? '\t' : firstLine.split(';').length > firstLine.split(',').length ? ';' : ',';
  const parsed = Papa.parse<string[]>(text, { delimiter, skipEmptyLines: false, preview: MAX_ROWS + 2 });
  const lines = parsed.data;
  for (const e of parsed.errors.slice(0, 50)) errors.push({ row: (e.row ?? 0) + 1, field: '', error: `CSV: ${e.message}` });
  if (!lines.length || lines[0].every((c) => c.trim() === '')) return { columns: [], rows: [], errors: [{ row: 1, field: '', error: `no header row: expected the columns ${REQUIRED_COLUMNS.join(', ')}` }], decimalComma: false, format: 'csv' };
  const columns = mapHeader(lines[0], errors);
  if (lines.length > MAX_ROWS + 1) errors.push({ row: MAX_ROWS + 2, field: '', error: `at most ${MAX_ROWS} rows in one file: split the register` });
  const rows: RegisterTable['rows'] = [];
  for (let i = 1; i < Math.min(lines.length, MAX_ROWS + 1); i++) {
    const cells = lines[i].map((c) => unescapeCell(c));
    if (cells.every((c) => c === '')) continue;
    if (cells.length > columns.length && cells.slice(columns.length).some((c) => c !== '')) errors.push({ row: i + 1, field: '', error: `${cells.length} cells but ${columns.length} columns in the header` });
    rows.push({ row: i + 1, cells: cells.map((c) => (c === '' ? null : c)) });
  }
  return { columns, rows, errors, decimalComma: delimiter === ';', format: 'csv' };
}

function colLetters(n: number): string {
  let s = '';
  for (let x = n; x > 0; x = Math.floor((x - 1) / 26)) s = String.fromCharCode(65 + ((x - 1) % 26)) + s;
  return s;
}

function colNumber(letters: string): number {
  let n = 0;
  for (const ch of letters.toUpperCase()) n = n * 26 + ch.charCodeAt(0) - 64;
  return n;
}

async function readXlsx(buf: Buffer): Promise<RegisterTable> {
  const errors: ImportError[] = [];
  const unreadable = (why: string): RegisterTable => ({ columns: [], rows: [], errors: [{ row: 0, field: '', error: `not a readable XLSX workbook: ${why}` }], decimalComma: false, format: 'xlsx' });
  // the unpacked size is checked before the workbook is unpacked into memory
  const zip = zipProblem(buf);
  if (zip) return unreadable(zip);
  const wb = new ExcelJS.Workbook();
  try {
    await wb.xlsx.load(buf as unknown as ArrayBuffer);
  } catch (e) {
    return unreadable(e instanceof Error ? e.message : String(e));
  }
  const ws = wb.worksheets[0];
  const empty = (error: string): RegisterTable => ({ columns: [], rows: [], errors: [{ row: 1, field: '', error }], decimalComma: false, format: 'xlsx' });
  if (!ws) return empty('the workbook has no sheet');
  if (ws.rowCount > MAX_ROWS + 1) return { ...empty(`at most ${MAX_ROWS} rows in one file: split the register`), errors: [{ row: MAX_ROWS + 2, field: '', error: `at most ${MAX_ROWS} rows in one file (the sheet has ${ws.rowCount}): split the register` }] };
  if (ws.columnCount > 200) return empty(`at most 200 columns, the sheet has ${ws.columnCount}`);
  const header: string[] = [];
  ws.getRow(1).eachCell({ includeEmpty: true }, (cell, col) => {
    header[col - 1] = typeof cell.value === 'string' ? cell.value : cell.value === null || cell.value === undefined ? '' : String(cell.text ?? '');
  });
  if (!header.some((h) => h && h.trim())) return empty(`no header row: expected the columns ${REQUIRED_COLUMNS.join(', ')}`);
  const columns = mapHeader(header, errors);
  const fieldOf = (col: number) => columns[col - 1] ?? header[col - 1] ?? colLetters(col);
  for (const range of (ws.model as { merges?: string[] }).merges ?? []) {
    const m = /^([A-Z]+)(\d+)(?::([A-Z]+)(\d+))?$/i.exec(range);
    const row = m ? Number(m[2]) : 0;
    const col = m ? colNumber(m[1]) : 0;
    errors.push({ row, field: String(fieldOf(col)), error: `merged cells ${range}: unmerge them and write the value in every cell` });
  }
  const rows: RegisterTable['rows'] = [];
  ws.eachRow({ includeEmpty: false }, (r, rowNumber) => {
    if (rowNumber === 1) return;
    const cells: Cell[] = [];
    let any = false;
    r.eachCell({ includeEmpty: false }, (cell, col) => {
      const field = String(fieldOf(col));
      const v = cell.value as unknown;
      let out: Cell = null;
      if (v === null || v === undefined) out = null;
      else if (typeof v === 'number') out = v;
      else if (typeof v === 'string') out = unescapeCell(v);
      else if (typeof v === 'boolean') errors.push({ row: rowNumber, field, error: `a true/false cell (${v}): expected text or a number` });
      else if (v instanceof Date) errors.push({ row: rowNumber, field, error: 'a date cell: expected text or a number' });
      else if (typeof v === 'object' && ('formula' in v || 'sharedFormula' in v)) {
        const f = (v as { formula?: string; sharedFormula?: string }).formula ?? (v as { sharedFormula?: string }).sharedFormula ?? '';
        errors.push({ row: rowNumber, field, error: `a formula (=${String(f).slice(0, 40)}): the register takes values only; paste the values` });
      } else if (typeof v === 'object' && 'richText' in v) out = unescapeCell(((v as { richText: { text: string }[] }).richText ?? []).map((t) => t.text).join(''));
      else if (typeof v === 'object' && 'text' in v) out = unescapeCell(String((v as { text: unknown }).text));
      else if (typeof v === 'object' && 'error' in v) errors.push({ row: rowNumber, field, error: `an error cell (${String((v as { error: unknown }).error)})` });
      else errors.push({ row: rowNumber, field, error: 'a cell of an unknown kind: expected text or a number' });
      if (out === '') out = null;
      if (out !== null) any = true;
      cells[col - 1] = out;
    });
    for (let i = 0; i < cells.length; i++) if (cells[i] === undefined) cells[i] = null;
    if (any || errors.some((e) => e.row === rowNumber)) {
      if (cells.length > columns.length && cells.slice(columns.length).some((c) => c !== null)) errors.push({ row: rowNumber, field: '', error: `cells past the last column of the header` });
      rows.push({ row: rowNumber, cells });
    }
  });
  return { columns, rows, errors, decimalComma: false, format: 'xlsx' };
}

type Out = Record<Column, string | number>;

function escaped(r: Out): (string | number)[] {
  return COLUMNS.map((c) => (typeof r[c] === 'string' ? escapeCell(r[c] as string) : r[c]));
}

/** The register as CSV (UTF-8 with a BOM for spreadsheets, CRLF, `,` separators). */
export function writeCsv(rows: readonly Out[]): string {
  return `\uFEFF${Papa.unparse({ fields: [...COLUMNS], data: rows.map(escaped) }, { newline: '\r\n', quotes: false })}\r\n`;
}

/** The register as an XLSX workbook (one sheet, `register`). */
export async function writeXlsx(rows: readonly Out[]): Promise<Buffer> {
  const wb = new ExcelJS.Workbook();
  const ws = wb.addWorksheet('register');
  ws.addRow([...COLUMNS]);
  ws.getRow(1).font = { bold: true };
  for (const r of rows) ws.addRow(escaped(r));
  ws.views = [{ state: 'frozen', ySplit: 1 }];
  return Buffer.from(await wb.xlsx.writeBuffer());
}
