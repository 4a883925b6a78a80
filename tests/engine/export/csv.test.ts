// CsvOutput's files: the partial's record and checksum, what a resume keeps, the one-writer lock, the backend check,
// temporary files that never follow planted links, and outputs that are inputs.
import { describe, it, expect } from 'vitest';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { appendFileSync, existsSync, linkSync, mkdtempSync, readFileSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CsvOutput, csvHeader, csvRow } from '../../../electron/engine/export/csv.js';
import { OutputLock } from '../../../electron/engine/export/output.js';
import type { CellResult } from '../../../electron/engine/rcf/featurize.js';
import { currentProvenance, firstVersionDocument } from '../../helpers/provenance.js';

const K = 3;
const KEY = firstVersionDocument().run;
const BACKEND = { name: 'cpu', device: 'CPU (test, 1 thread)' };

function cell(i: number): CellResult {
  const row = Math.floor(i / 10);
  const col = i % 10;
  return {
    cellId: `a.tif:r${row}c${col}`,
    source: 'a.tif',
    row,
    col,
    x: col,
    y: -row,
    lon: 1,
    lat: 2,
    validFraction: 1,
    features: Float64Array.from({ length: K }, (_, k) => Math.cos(i * 7 + k)),
    ring: [],
  };
}

const N = 150;
const ids = () => Array.from({ length: N }, (_, i) => cell(i).cellId);
const fresh = { resume: false, overwrite: false, cells: ids };
const resume = { ...fresh, resume: true };
const dir = () => mkdtempSync(join(tmpdir(), 'rcf-csvout-'));

async function straight(file: string): Promise<string> {
  const out = await CsvOutput.open(file, K, KEY, fresh);
  await out.useBackend(BACKEND);
  for (let i = 0; i < N; i++) await out.write(cell(i));
  await out.finish(currentProvenance());
  return readFileSync(file, 'utf8');
}

async function partialOf(file: string, rows: number): Promise<void> {
  const out = await CsvOutput.open(file, K, KEY, fresh);
  await out.useBackend(BACKEND);
  for (let i = 0; i < rows; i++) await out.write(cell(i));
  await out.close();
}

describe('CsvOutput', () => {
  it('records the run, backend and checksum of what it wrote beside the partial, and the finished file’s in its provenance', async () => {
    const d = dir();
    const file = join(d, 'o.csv');
    await partialOf(file, 70);
    const record = JSON.parse(readFileSync(`${file}.partial.json`, 'utf8'));
    const bytes = readFileSync(`${file}.partial`);
    expect(record).toEqual({
      run: { ...KEY, backend: BACKEND },
      rows: 70,
      bytes: bytes.length,
      sha256: createHash('sha256').update(bytes).digest('hex'),
    });
    const out = await CsvOutput.open(file, K, KEY, resume);
    await out.useBackend(BACKEND);
    for (let i = 0; i < N; i++) if (!out.doneCells.has(cell(i).cellId)) await out.write(cell(i));
    await out.finish(currentProvenance());
    const text = readFileSync(file, 'utf8');
    expect(text).toBe([csvHeader(K), ...Array.from({ length: N }, (_, i) => csvRow(cell(i)))].join('\n') + '\n');
    const provenance = JSON.parse(readFileSync(`${file}.json`, 'utf8'));
    expect(provenance.run).toEqual({ ...KEY, backend: BACKEND });
    expect(provenance.output).toEqual({ rows: N, bytes: Buffer.byteLength(text), sha256: createHash('sha256').update(text).digest('hex') });
    expect(readdirSync(d).sort()).toEqual(['o.csv', 'o.csv.json']); // no lock, record or temporary file left
  });

  it('drops rows written after the last checkpoint (a process killed mid-batch) and recomputes them', async () => {
    const d = dir();
    const reference = await straight(join(d, 'ref.csv'));
    const file = join(d, 'o.csv');
    await partialOf(file, 64);
    appendFileSync(`${file}.partial`, csvRow(cell(64)) + '\n' + csvRow(cell(65)).slice(0, 10)); // unrecorded, torn
    const out = await CsvOutput.open(file, K, KEY, resume);
    expect(out.doneCells.size).toBe(64);
    await out.useBackend(BACKEND);
    for (let i = 64; i < N; i++) await out.write(cell(i));
    await out.finish(currentProvenance());
    expect(readFileSync(file, 'utf8')).toBe(reference);
  });

  it('refuses a resume on another backend once rows are kept', async () => {
    const file = join(dir(), 'o.csv');
    await partialOf(file, 10);
    const out = await CsvOutput.open(file, K, KEY, resume);
    await expect(out.useBackend({ name: 'reference', device: 'CPU (JavaScript reference, 1 thread)' })).rejects.toThrow(
      new RegExp(
        /o\.csv\.partial was computed with the cpu backend on CPU \(test, 1 thread\), but this run uses the reference backend .*; /.source +
          /resume with the same backend and threads, or use Overwrite to start over$/.source,
      ),
    );
    await out.close();
  });

  it('lets one writer at a time write an output, and takes over the lock of a process that is gone', async () => {
    const file = join(dir(), 'o.csv');
    const first = await CsvOutput.open(file, K, KEY, fresh);
    expect(readFileSync(`${file}.lock`, 'utf8')).toBe(`${process.pid}\n`);
    await expect(CsvOutput.open(file, K, KEY, { ...resume, overwrite: true })).rejects.toThrow(
      `${file} is being written by process ${process.pid} (its lock is ${file}.lock); wait for that run to end`,
    );
    await first.close();
    expect(existsSync(`${file}.lock`)).toBe(false);
    // A process that has exited: its pid is free.
    const gone = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' }).stdout;
    writeFileSync(`${file}.lock`, `${gone}\n`);
    const again = await CsvOutput.open(file, K, KEY, resume);
    expect(readFileSync(`${file}.lock`, 'utf8')).toBe(`${process.pid}\n`);
    await again.close();
    // This process's own pid in a lock it does not hold is a reused pid: stale too.
    writeFileSync(`${file}.lock`, `${process.pid}\n`);
    const lock = await OutputLock.acquire(file);
    await lock.release();
    writeFileSync(`${file}.lock`, 'not a pid\n');
    await expect(OutputLock.acquire(file)).rejects.toThrow(`${file}.lock is not a lock rcf wrote; remove it if no rcf is writing ${file}`);
  });

  it('never writes through planted links: temporary names are random and exclusive, its own files are refused as links', async () => {
    const d = dir();
    const file = join(d, 'o.csv');
    const victim = join(d, 'victim.txt');
    writeFileSync(victim, 'precious\n');
    for (const planted of [`${file}.partial.json.tmp`, `${file}.json.tmp`, `${file}.partial.json`, `${file}.json`])
      symlinkSync(victim, planted);
    await straight(file);
    expect(readFileSync(victim, 'utf8')).toBe('precious\n');
    expect(JSON.parse(readFileSync(`${file}.json`, 'utf8')).output.rows).toBe(N); // the link was replaced, not followed

    const other = join(d, 'p.csv');
    symlinkSync(victim, `${other}.partial`);
    await expect(CsvOutput.open(other, K, KEY, resume)).rejects.toThrow(
      `${other}.partial is a symbolic link, which rcf never writes through; use Overwrite to start over`,
    );
    symlinkSync(victim, `${other}.lock`);
    await expect(CsvOutput.open(other, K, KEY, resume)).rejects.toThrow(`${other}.lock is a symbolic link`);
    expect(readFileSync(victim, 'utf8')).toBe('precious\n');
  });

  it('refuses, before writing anything, an output whose files are inputs (by path, link or hard link)', async () => {
    const d = dir();
    const input = join(d, 'area.geojson');
    writeFileSync(input, '{}');
    const cases: [string, () => void, string][] = [
      [join(d, 'area.geojson.csv'), () => {}, 'area.geojson'], // no clash
      [join(d, 'a.csv'), () => symlinkSync(input, join(d, 'a.csv.json')), 'a.csv.json'],
      [join(d, 'b.csv'), () => linkSync(input, join(d, 'b.csv.partial')), 'b.csv.partial'],
      [join(d, 'c.csv'), () => symlinkSync(input, join(d, 'c.csv')), 'c.csv'],
    ];
    for (const [out, plant, clash] of cases) {
      plant();
      const opening = CsvOutput.open(out, K, KEY, { ...fresh, overwrite: true, inputs: [input] });
      if (clash === 'area.geojson') {
        await (await opening).close();
        continue;
      }
      await expect(opening).rejects.toThrow(`${join(d, clash)} is the input ${input}; choose another output path`);
      expect(existsSync(`${out}.lock`)).toBe(false);
    }
    expect(readFileSync(input, 'utf8')).toBe('{}');
  });
});
