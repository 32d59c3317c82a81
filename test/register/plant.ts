/**
 * Test plant: a register of machines spread over PLCs, as rows a maintenance manager would type,
 * written as CSV (papaparse) or XLSX (exceljs) by the test itself.
 */
import ExcelJS from 'exceljs';
import Papa from 'papaparse';

export const PUMP_TYPE = {
  name: 'pump-skid',
  registers: [
    { channel: 'run', register: 0, type: 'uint16', quantity: 'state' },
    { channel: 'count', register: 1, type: 'uint32', quantity: 'count' },
    { channel: 'DE-vel', register: 3, type: 'uint16', scale: 0.01, quantity: 'velocity', unit: 'mm/s' },
    { channel: 'motor-temp', register: 4, type: 'int16', scale: 0.1, quantity: 'temperature', unit: 'degC' },
  ],
  channels: [
    { channel: 'run', role: 'running' },
    { channel: 'count', role: 'counter' },
    { channel: 'motor-temp', lo: -40, hi: 150 },
  ],
};
/** Registers one pump-skid spans from its base address. */
export const PUMP_SPAN = 5;

export const CLASSES = ['iso10816-3:group1:rigid', 'iso10816-3:group2:rigid', 'iso10816-3:group2:flexible', 'iso10816-1:class1', 'iso10816-1:class3'];

export interface PlantOpts {
  machines: number;
  plcs: number;
  /** PLC index -> [host, port]. */
  plc?: (i: number) => [string, number];
  /** Base address of the k-th machine on a PLC. */
  base?: (k: number, plc: number) => number;
}

export function plantRows(o: PlantOpts): Record<string, string | number>[] {
  const rows: Record<string, string | number>[] = [];
  for (let i = 0; i < o.machines; i++) {
    const p = i % o.plcs;
    const k = Math.floor(i / o.plcs);
    const [host, port] = o.plc ? o.plc(p) : [`10.0.${p}.10`, 502];
    const custom = i % 7 === 3;
    rows.push({
      asset: `M-${String(i + 1).padStart(3, '0')}`,
      name: i % 11 === 0 ? `=SUM(A1) pump ${i + 1}` : i % 11 === 1 ? `+ booster ${i + 1}` : i % 11 === 2 ? `-cooling fan ${i + 1}` : i % 11 === 3 ? `@conveyor ${i + 1}` : `Pump ${i + 1}, "bay" ${p}`,
      site: 'Plant A',
      area: `Area ${1 + (p % 3)}`,
      line: `line-${1 + (p % 5)}`,
      criticality: 1 + (i % 5),
      machineClass: CLASSES[i % CLASSES.length],
      rpm: i % 13 === 5 ? '' : 1450 + (i % 4) * 10.5,
      bearing: custom ? 'custom' : i % 3 === 0 ? '6205-2RS' : i % 3 === 1 ? '6203-2RS' : 'none',
      balls: custom ? 9 : '',
      ballDiameter: custom ? 0.3126 : '',
      pitchDiameter: custom ? 1.537 : '',
      contactAngle: custom ? 12.5 : '',
      machineType: 'pump-skid',
      plcHost: host,
      plcPort: port,
      unitId: 1,
      baseAddress: o.base ? o.base(k, p) : 100 * k,
      channels: i % 4 === 0 ? 'NDE-accel|acceleration|g||-50|50' : '',
      notes: i % 9 === 0 ? 'seal replaced 2024-03\nwatch the coupling' : '',
    });
  }
  return rows;
}

export const HEADER = ['asset', 'name', 'site', 'area', 'line', 'criticality', 'machineClass', 'rpm', 'bearing', 'balls', 'ballDiameter', 'pitchDiameter', 'contactAngle', 'machineType', 'plcHost', 'plcPort', 'unitId', 'baseAddress', 'channels', 'notes'];

/** CSV as a spreadsheet would save it (formula-looking names escaped with an apostrophe). */
export function toCsv(rows: Record<string, string | number>[], o: { delimiter?: string; bom?: boolean; header?: string[] } = {}): string {
  const header = o.header ?? HEADER;
  const esc = (v: string | number) => (typeof v === 'string' && /^[=+\-@']/.test(v) ? `'${v}` : v);
  const csv = Papa.unparse({ fields: header, data: rows.map((r) => header.map((h) => esc(r[h] ?? ''))) }, { delimiter: o.delimiter ?? ',', newline: '\r\n' });
  return (o.bom ? '\uFEFF' : '') + csv;
}

/** XLSX with numbers as number cells. */
export async function toXlsx(rows: Record<string, string | number>[], edit?: (ws: ExcelJS.Worksheet) => void): Promise<Buffer> {
  const wb = new ExcelJS.Workbook();
  const ws = wb.addWorksheet('machines');
  ws.addRow(HEADER);
  for (const r of rows) ws.addRow(HEADER.map((h) => (typeof r[h] === 'string' && /^[=+\-@']/.test(r[h] as string) ? `'${r[h]}` : r[h] === '' ? null : r[h])));
  edit?.(ws);
  return Buffer.from(await wb.xlsx.writeBuffer());
}
