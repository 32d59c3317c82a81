/**
 * The register core on a real SQLite file: import (CSV and XLSX), dry run, partial, every kind
 * of bad row reported with row and field and nothing changed, the size cap before parsing,
 * export -> import is a no-op, machine types, removal guarded by open work orders, the index.
 */
import assert from 'assert';
import fs from 'fs';
import path from 'path';
import zlib from 'zlib';
import { openStore, migrateCoreAsync, type StoreHandle } from '../../nodes/core/store';
import { migrateCmms } from '../../nodes/core/cmms';
import { RegisterRepo, RegisterIndex, joinIndex, findRegistered, escapeCell, unescapeCell, parseChannels, formatChannels, MAX_FILE_BYTES, type ImportReport } from '../../nodes/core/register';
import { tmpDir } from '../helpers/red';
import { expandMachines, machineReadings, readOrigin } from '../../nodes/core/ingest';
import { plantRows, toCsv, toXlsx, PUMP_TYPE, HEADER } from './plant';

const NOW = Date.UTC(2026, 0, 5);

/**
 * A zip of deflated entries whose directory declares `declared` bytes unpacked for each (CRC left
 * 0); `count` overrides the entry count of the end record, `prefix` goes before the archive with
 * the offsets left as if it were not there.
 */
function zipOf(entries: { name: string; packed: Buffer; declared: number }[], o: { count?: number; prefix?: Buffer } = {}): Buffer {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const e of entries) {
    const n = Buffer.from(e.name);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(8, 8);
    local.writeUInt32LE(e.packed.length, 18);
    local.writeUInt32LE(e.declared, 22);
    local.writeUInt16LE(n.length, 26);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(20, 4);
    central.writeUInt16LE(20, 6);
    central.writeUInt16LE(8, 10);
    central.writeUInt32LE(e.packed.length, 20);
    central.writeUInt32LE(e.declared, 24);
    central.writeUInt16LE(n.length, 28);
    central.writeUInt32LE(offset, 42);
    locals.push(local, n, e.packed);
    centrals.push(central, n);
    offset += 30 + n.length + e.packed.length;
  }
  const dir = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(o.count ?? entries.length, 8);
  end.writeUInt16LE(o.count ?? entries.length, 10);
  end.writeUInt32LE(dir.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([o.prefix ?? Buffer.alloc(0), ...locals, dir, end]);
}

function errs(r: ImportReport): string[] {
  return r.errors.map((e) => `${e.row} ${e.field}: ${e.error}`);
}

describe('register core', function () {
  this.timeout(20000);
  let dir: string;
  let h: StoreHandle;
  let repo: RegisterRepo;
  const count = async () => (await h.db.one<{ n: number }>('SELECT COUNT(*) AS n FROM register_assets'))?.n;
  beforeEach(async () => {
    dir = tmpDir('register-core-');
    h = openStore(path.join(dir, 'r.db'));
    await migrateCoreAsync(h.db);
    repo = new RegisterRepo(h.db);
    assert.strictEqual(await repo.migrate(), 1);
    const t = await repo.defineTypes([PUMP_TYPE], NOW);
    assert.deepStrictEqual(t.errors, []);
  });
  afterEach(() => {
    h.release();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('imports 120 machines from CSV, counts added/updated/unchanged, mirrors them to the core asset table', async () => {
    const rows = plantRows({ machines: 120, plcs: 15 });
    const dry = await repo.importFile(toCsv(rows), { dryRun: true, now: NOW });
    assert.deepStrictEqual(errs(dry), []);
    assert.deepStrictEqual([dry.added, dry.updated, dry.unchanged, dry.applied, dry.dryRun], [120, 0, 0, false, true]);
    assert.strictEqual(await count(), 0, 'a dry run writes nothing');
    const r = await repo.importFile(toCsv(rows), { now: NOW });
    assert.deepStrictEqual([r.added, r.updated, r.unchanged, r.applied, r.rows], [120, 0, 0, true, 120]);
    assert.strictEqual(await count(), 120);
    assert.strictEqual((await h.db.one<{ n: number }>('SELECT COUNT(*) AS n FROM assets'))?.n, 120);
    const m1 = await repo.get('M-001');
    assert.ok(m1);
    assert.strictEqual(m1.name, '=SUM(A1) pump 1');
    assert.strictEqual(m1.notes, 'seal replaced 2024-03\nwatch the coupling');
    assert.deepStrictEqual(m1.channels, [{ channel: 'NDE-accel', quantity: 'acceleration', unit: 'g', lo: -50, hi: 50 }]);
    const m4 = await repo.get('M-004');
    assert.deepStrictEqual([m4?.bearing, m4?.balls, m4?.ballDiameter, m4?.pitchDiameter, m4?.contactAngle], ['custom', 9, 0.3126, 1.537, 12.5]);
    assert.strictEqual((await repo.get('M-006'))?.rpm, null, 'an empty rpm is unknown');
    // Change two rows: 2 updated, 118 unchanged.
    rows[5].criticality = 5;
    rows[7].notes = 'new motor';
    const again = await repo.importFile(toCsv(rows), { now: NOW + 1 });
    assert.deepStrictEqual([again.added, again.updated, again.unchanged], [0, 2, 118]);
    assert.deepStrictEqual(again.changed.sort(), ['M-006', 'M-008']);
    assert.strictEqual((await repo.list({ line: 'line-1' })).length, 24);
    assert.strictEqual((await repo.list({ area: 'Area 1', line: 'line-1' })).length, 8);
  });

  it('export -> import (CSV and XLSX) is a no-op: unchanged = N, every text the same, formula-looking names included', async () => {
    await repo.importFile(toCsv(plantRows({ machines: 120, plcs: 15 })), { now: NOW });
    const before = await repo.list();
    for (const format of ['csv', 'xlsx'] as const) {
      const file = await repo.exportFile(format);
      if (format === 'csv') {
        const text = file as string;
        assert.ok(text.includes("'=SUM(A1) pump 1") && text.includes("'+ booster 2") && text.includes("'-cooling fan 3") && text.includes("'@conveyor 4"), 'formula-looking text escaped');
        assert.ok(!/(^|,)[=+\-@][^,]*/m.test(text.split('\r\n').slice(1).join('\n').replace(/"[^"]*"/g, '')), 'no unescaped formula cell');
      }
      const r = await repo.importFile(file, { now: NOW + 5 });
      assert.deepStrictEqual(errs(r), []);
      assert.deepStrictEqual([r.added, r.updated, r.unchanged], [0, 0, 120], format);
      assert.deepStrictEqual(await repo.list(), before, `${format}: no text changed`);
    }
    assert.strictEqual(escapeCell("'quoted"), "''quoted");
    assert.strictEqual(unescapeCell(escapeCell("'quoted")), "'quoted");
    assert.strictEqual(formatChannels(parseChannels('a|velocity|mm/s||0|11.2; b|state||running').channels), 'a|velocity|mm/s||0|11.2; b|state||running');
  });

  it('reports every bad row with row and field and changes nothing; partial writes the good rows', async () => {
    const rows = plantRows({ machines: 12, plcs: 3 });
    rows[0].criticality = 7; // row 2
    rows[1].machineClass = 'iso10816-3:group9'; // row 3
    rows[2].asset = rows[3].asset; // row 4 duplicates row 5's id
    rows[4].rpm = '0x10'; // row 6
    rows[5].bearing = 'custom'; // row 7: no geometry
    rows[6].machineType = 'press'; // row 8: unknown type
    rows[7].baseAddress = rows[10].baseAddress as number + 2; // row 9 overlaps M-011 (same PLC, index 10 % 3 = 1 = 7 % 3)
    const text = toCsv(rows).split('\r\n');
    text.splice(4, 0, ',,,,,,,,,,,,,,,,,,,', ''); // two empty rows after row 4: skipped, later rows keep their numbers
    const file = text.join('\r\n');
    const r = await repo.importFile(file, { now: NOW });
    const e = errs(r);
    const has = (re: RegExp) => assert.ok(e.some((x) => re.test(x)), `${re} not in\n${e.join('\n')}`);
    has(/^2 criticality: expected a whole number from 1 to 5, got "7"/);
    has(/^3 machineClass: unknown class "iso10816-3:group9"/);
    has(/^7 asset: asset M-004 is also on row 4/);
    has(/^8 rpm: expected a decimal number/);
    has(/^9 balls: required with bearing custom/);
    has(/^10 machineType: unknown machine type "press"/);
    has(/^11 baseAddress: registers \d+\.\.\d+ overlap M-011/);
    assert.strictEqual(r.applied, false);
    assert.strictEqual(await count(), 0, 'nothing written');
    const p = await repo.importFile(file, { now: NOW, partial: true });
    assert.strictEqual(p.applied, true);
    // 12 rows: 2,3,(4,7 duplicate),8,9,10,11 bad -> 12 - 8 = 4 good.
    assert.strictEqual(p.added, 4, errs(p).join('\n'));
    assert.deepStrictEqual((await repo.list()).map((a) => a.asset), ['M-009', 'M-010', 'M-011', 'M-012']);
  });

  it('reads ;-separated CSV with a BOM and decimal commas; refuses unknown and missing columns by name', async () => {
    const rows = plantRows({ machines: 3, plcs: 1 });
    const semi = toCsv(rows.map((r) => ({ ...r, rpm: '1450,5' })), { delimiter: ';', bom: true });
    const r = await repo.importFile(semi, { now: NOW });
    assert.deepStrictEqual(errs(r), []);
    assert.strictEqual(r.added, 3);
    assert.strictEqual((await repo.get('M-001'))?.rpm, 1450.5);
    const bad = await repo.importFile(toCsv(rows, { header: HEADER.filter((x) => x !== 'criticality').concat('criticallity') }), { now: NOW });
    assert.deepStrictEqual(errs(bad).filter((x) => x.startsWith('1 ')).sort(), ['1 criticality: required column missing', '1 criticallity: unknown column: expected one of asset, name, site, area, line, criticality, machineClass, rpm, bearing, balls, ballDiameter, pitchDiameter, contactAngle, machineType, plcHost, plcPort, unitId, baseAddress, channels, notes']);
  });

  it('applies a file in one transaction: a failure on row 51 leaves nothing of rows 2-50', async () => {
    await h.db.run("CREATE TRIGGER fail_m050 BEFORE INSERT ON register_assets WHEN NEW.asset_id = 'M-050' BEGIN SELECT RAISE(ABORT, 'disk full (test)'); END");
    await assert.rejects(repo.importFile(toCsv(plantRows({ machines: 120, plcs: 15 })), { now: NOW }), /disk full \(test\)/);
    assert.strictEqual(await count(), 0);
    assert.strictEqual((await h.db.one<{ n: number }>('SELECT COUNT(*) AS n FROM assets'))?.n, 0);
    await h.db.run('DROP TRIGGER fail_m050');
    assert.strictEqual((await repo.importFile(toCsv(plantRows({ machines: 120, plcs: 15 })), { now: NOW })).added, 120);
  });

  it('refuses a 50 MB payload before parsing, fast', async () => {
    const big = Buffer.alloc(50 * 1024 * 1024, 0x41);
    const t0 = process.hrtime.bigint();
    await assert.rejects(repo.importFile(big, { now: NOW }), /msg\.payload: expected a register file of at most 10 MB, got a Buffer of 52428800 bytes/);
    await assert.rejects(repo.importFile('x'.repeat(MAX_FILE_BYTES + 1), { now: NOW }), /at most 10 MB/);
    const ms = Number(process.hrtime.bigint() - t0) / 1e6;
    assert.ok(ms < 200, `refused in ${ms} ms`);
    // Rows: at most 10,000 in one file; the file is refused whole.
    const one = toCsv(plantRows({ machines: 1, plcs: 1 })).split('\r\n');
    const many = [one[0], ...Array.from({ length: 10_001 }, (_, i) => one[1].replace('M-001', `X-${i}`))].join('\r\n');
    const r = await repo.importFile(many, { now: NOW, partial: true });
    assert.deepStrictEqual(r.errors, [{ row: 10_002, field: '', error: 'at most 10000 rows in one file: split the register' }]);
    assert.strictEqual(r.applied, false);
    assert.strictEqual(await count(), 0);
  });

  it('XLSX: formulas and merged cells are refused with row and field; numbers as number cells work', async () => {
    const rows = plantRows({ machines: 6, plcs: 2 });
    const good = await repo.importFile(await toXlsx(rows), { dryRun: true, now: NOW });
    assert.deepStrictEqual(errs(good), []);
    assert.strictEqual(good.added, 6);
    const xlsx = await toXlsx(rows, (ws) => {
      ws.getCell('H3').value = { formula: 'B2*2', result: 2900 } as never; // row 3 rpm
      ws.mergeCells('C5:E5'); // row 5 site..line
    });
    const r = await repo.importFile(xlsx, { now: NOW });
    const e = errs(r);
    assert.ok(e.some((x) => /^3 rpm: a formula \(=B2\*2\)/.test(x)), e.join('\n'));
    assert.ok(e.some((x) => /^5 site: merged cells C5:E5/.test(x)), e.join('\n'));
    assert.strictEqual(r.applied, false);
    assert.strictEqual(await count(), 0);
  });

  it('XLSX: a workbook that unpacks to more than 64 MB is refused before it is unpacked, whatever sizes its directory declares', async () => {
    // one deflated entry of 80 MB of spaces (about 80 KB packed), its directory saying 100 bytes
    const packed = zlib.deflateRawSync(Buffer.alloc(80 * 1024 * 1024, 0x20), { level: 9 });
    const bomb = zipOf([{ name: 'xl/worksheets/sheet1.xml', packed, declared: 100 }]);
    assert.ok(bomb.length < 200_000, `${bomb.length} bytes: within the 10 MB upload cap`);
    const rss = process.memoryUsage().rss;
    const r = await repo.importFile(bomb, { now: NOW });
    assert.deepStrictEqual(errs(r), ['0 : not a readable XLSX workbook: it unpacks to more than 64 MB']);
    assert.ok(process.memoryUsage().rss - rss < 150 * 1024 * 1024, 'at most the budget held while counting');
    assert.strictEqual(r.applied, false);
    // the same entry behind a small one, the end record counting only the small one (JSZip reads
    // the directory on and would unpack both), or the archive behind 20 bytes (JSZip shifts every
    // offset by them): refused, not counted as what a reader would not unpack
    const small = { name: 'a.txt', packed: zlib.deflateRawSync(Buffer.from('hello')), declared: 5 };
    const hidden = await repo.importFile(zipOf([small, { name: 'b.xml', packed, declared: 100 }], { count: 1 }), { now: NOW });
    assert.deepStrictEqual(errs(hidden), ['0 : not a readable XLSX workbook: more files in the zip directory than its end record counts (1)']);
    const shifted = await repo.importFile(Buffer.concat([Buffer.from('PK\x03\x04'), zipOf([small, { name: 'b.xml', packed, declared: 100 }], { prefix: Buffer.alloc(16) })]), { now: NOW });
    assert.deepStrictEqual(errs(shifted), ['0 : not a readable XLSX workbook: a zip directory that does not end at its end record']);
    // a real workbook is well within it
    const good = await repo.importFile(await toXlsx(plantRows({ machines: 6, plcs: 2 })), { dryRun: true, now: NOW });
    assert.deepStrictEqual(errs(good), []);
  });

  it('machine types are checked; remove is refused while the asset has open work orders', async () => {
    const bad = await repo.defineTypes([{ name: 'x', registers: [{ channel: 'a', register: 0, type: 'float16' }], channels: [{ channel: 'b', role: 'running' }] }], NOW);
    assert.deepStrictEqual(bad.errors, ['msg.payload[0].registers: register map row 1: type: expected one of int16, uint16, int32, uint32, float32, float64, bool']);
    await repo.importFile(toCsv(plantRows({ machines: 2, plcs: 1 })), { now: NOW });
    await migrateCmms(h.db);
    await h.db.run("INSERT INTO cmms_work_orders (asset, title, criticality, severity, last_severity, priority, status, is_open, source, created_at, updated_at) VALUES ('M-001', 't', 3, 'warning', 'warning', 2, 'open', 1, 'manual', 1, 1)");
    await assert.rejects(repo.remove('M-001'), /asset M-001 has 1 open work order: close or cancel it before removing the asset/);
    assert.ok(await repo.get('M-001'));
    await h.db.run("UPDATE cmms_work_orders SET is_open = 0, status = 'closed'");
    await repo.remove('M-001');
    assert.strictEqual(await repo.get('M-001'), undefined);
    assert.strictEqual(await h.db.one('SELECT asset_id FROM assets WHERE asset_id = ?', ['M-001']), undefined);
    await assert.rejects(repo.remove('M-001'), /not in the register/);
  });

  it('machine maps: base + offset, reads that cover part of a machine, roles and limits', () => {
    const [a, b] = expandMachines([
      { asset: 'A', base: 10, rows: PUMP_TYPE.registers.map((r) => ({ wordOrder: 'BE', byteOrder: 'BE', scale: 1, offset: 0, ...r }) as never), channels: PUMP_TYPE.channels as never },
      { asset: 'B', base: 15, rows: [{ channel: 'speed', register: 0, type: 'uint16', wordOrder: 'BE', byteOrder: 'BE', scale: 1, offset: 0 }], channels: [{ channel: 'speed', role: 'speed', hi: 3000 }] },
    ]);
    assert.deepStrictEqual(a.rows.map((r) => r.register), [10, 11, 13, 14]);
    // Registers 12..15 only: A's run and the count's first word are outside; B is inside.
    const words = [0, 250, 1600, 3100];
    const r = machineReadings(words, 12, [a, b], NOW);
    assert.deepStrictEqual(r.map((x) => [x.asset, x.channel, x.quality, x.value, x.quantity, x.unit]), [
      ['A', 'run', 'bad', undefined, 'state', undefined],
      ['A', 'count', 'bad', undefined, 'count', undefined],
      ['A', 'DE-vel', 'good', 2.5, 'velocity', 'mm/s'],
      ['A', 'motor-temp', 'uncertain', 160, 'temperature', 'degC'],
      ['B', 'speed', 'uncertain', 3100, 'speed', 'rpm'],
    ]);
    assert.match(String(r[0].reason), /registers 10\.\.10 not in the read of 12\.\.15/);
    assert.match(String(r[3].reason), /160 outside the absolute limits -40\.\.150/);
    assert.deepStrictEqual(machineReadings([1, 2], 100, [a, b], NOW), [], 'a read beside every machine gives nothing');
    assert.deepStrictEqual(readOrigin({ input: { payload: { address: '40', unitid: 3 } } }, { address: 0 }), { address: 40, unit: 3 });
    assert.deepStrictEqual(readOrigin({}, { address: 5, unit: 2 }), { address: 5, unit: 2 });
    assert.throws(() => readOrigin({ input: { payload: { address: -1 } } }, { address: 0 }), /msg\.input\.payload\.address: expected a whole number from 0 to 65535, got the number -1/);
  });

  it('the index answers synchronously, and only while joined', async () => {
    await repo.importFile(toCsv(plantRows({ machines: 30, plcs: 3 })), { now: NOW });
    const j = joinIndex('test:register');
    const snap = await repo.snapshot();
    j.index.replace(snap.assets, snap.types);
    assert.strictEqual(findRegistered('M-004')?.bearingName, 'custom');
    assert.strictEqual(findRegistered('M-001')?.criticality, 1);
    const onPlc = j.index.machinesOn('10.0.1.10', 502, 1);
    assert.deepStrictEqual(onPlc.map((m) => [m.asset.asset, m.asset.baseAddress]), Array.from({ length: 10 }, (_, k) => [`M-${String(2 + 3 * k).padStart(3, '0')}`, 100 * k]));
    assert.deepStrictEqual(onPlc[0].channels.map((c) => [c.channel, c.role ?? 'measure']), [['run', 'running'], ['count', 'counter'], ['DE-vel', 'measure'], ['motor-temp', 'measure']]);
    assert.ok(j.release());
    assert.strictEqual(findRegistered('M-004'), undefined);
    assert.ok(new RegisterIndex().version === 0);
  });
});
