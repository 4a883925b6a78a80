// The CSV record parser against the writer: every quoting case csvField writes reads back, in one piece or streamed in
// chunks split anywhere, and broken quoting is an error (never a wait).
import { describe, it, expect } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { csvField } from '../../../electron/engine/export/format.js';
import {
  CsvRecordParser,
  csvFileRecords,
  parseCsv,
  readCsvCells,
  splitCsvLine,
  type CsvRecord,
} from '../../../electron/engine/export/read-csv.js';
import { csvHeader, csvRow } from '../../../electron/engine/export/csv.js';
import type { CellResult } from '../../../electron/engine/rcf/featurize.js';

const HOSTILE = ['plain', '', 'a,b', 'say "hi"', '"', '""', 'line\nbreak', 'cr\r\nlf', '\n', ',', 'ünïcödé 🛰', 'end"', '"start'];

function table(rows: string[][]): string {
  return rows.map((r) => r.map(csvField).join(',') + '\n').join('');
}

describe('the CSV record parser', () => {
  const rows = [HOSTILE, [...HOSTILE].reverse(), ['x', 'y'], HOSTILE.map((f) => f + f)];
  const text = table(rows);

  it('reads back every quoting case the writer writes', () => {
    expect(parseCsv(text, 't.csv').map((r) => r.fields)).toEqual(rows);
    for (const field of HOSTILE) expect(splitCsvLine(csvField(field) + ',' + csvField(field))).toEqual([field, field]);
  });

  it('gives the same records whatever the chunks, and counts lines across quoted line breaks', () => {
    const whole = parseCsv(text, 't.csv');
    expect(whole.map((r) => r.line)).toEqual([1, 5, 9, 10]);
    for (let split = 0; split <= text.length; split++) {
      const parser = new CsvRecordParser('t.csv');
      const out: CsvRecord[] = [];
      parser.push(text.slice(0, split), out);
      parser.push(text.slice(split), out);
      parser.end(out);
      expect(out).toEqual(whole);
    }
  });

  it('refuses a quote that never closes, at once, naming the file and line', () => {
    const started = Date.now();
    expect(() => parseCsv('a,b\n"open,c\nd,e\n', 'p.csv')).toThrow(
      'p.csv: line 2: a quoted field is never closed (the file ends inside it)',
    );
    expect(() => parseCsv('"x"y\n', 'p.csv')).toThrow('p.csv: line 1: a quoted field is followed by other text');
    expect(() => parseCsv('ab"c\n', 'p.csv')).toThrow('p.csv: line 1: a quote inside an unquoted field');
    expect(() => splitCsvLine('"unterminated')).toThrow(/never closed/);
    expect(Date.now() - started).toBeLessThan(1000);
  });

  it('marks a last record without a line break, and reads CRLF files', () => {
    expect(parseCsv('a,b\nc', 't')).toEqual([
      { fields: ['a', 'b'], line: 1, terminated: true },
      { fields: ['c'], line: 2, terminated: false },
    ]);
    expect(parseCsv('a,b\r\nc,d\r\n', 't').map((r) => r.fields)).toEqual([
      ['a', 'b'],
      ['c', 'd'],
    ]);
  });

  it('streams a file, or its first bytes, and sees every byte it parses', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'rcf-csv-'));
    const file = join(dir, 't.csv');
    const big = table(Array.from({ length: 3000 }, (_, i) => [`r${i}`, HOSTILE[i % HOSTILE.length], 'x'.repeat(i % 700)]));
    writeFileSync(file, big);
    const seen: Buffer[] = [];
    const records: string[][] = [];
    for await (const r of csvFileRecords(file, { onBytes: (b) => seen.push(b) })) records.push(r.fields);
    expect(records).toEqual(parseCsv(big, file).map((r) => r.fields));
    expect(Buffer.concat(seen).toString('utf8')).toBe(big);
    const firstTwo = Buffer.byteLength(table(records.slice(0, 2)));
    const head: CsvRecord[] = [];
    for await (const r of csvFileRecords(file, { bytes: firstTwo })) head.push(r);
    expect(head.map((r) => r.fields)).toEqual(records.slice(0, 2));
  });

  it('readCsvCells reads rows whose source names hold quotes, commas, line breaks and unicode', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'rcf-csv-'));
    const file = join(dir, 'cells.csv');
    const cells: CellResult[] = HOSTILE.slice(0, 6).map((name, i) => ({
      cellId: `${name}.tif:r0c${i}`,
      source: `${name}.tif`,
      row: 0,
      col: i,
      x: i,
      y: -i,
      lon: NaN,
      lat: 0.5,
      validFraction: 1,
      features: Float64Array.from([i, NaN]),
      ring: [],
    }));
    writeFileSync(file, [csvHeader(2), ...cells.map(csvRow)].join('\n') + '\n');
    const read = [];
    for await (const c of readCsvCells(file)) read.push(c);
    expect(read.map((c) => [c.cellId, c.source, c.col, c.lat, Array.from(c.features)])).toEqual(
      cells.map((c) => [c.cellId, c.source, c.col, c.lat, [c.col, NaN]]),
    );
  });
});
