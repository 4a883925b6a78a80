// Hostile partial and finished outputs, generated here: `rcf featurize --resume` keeps only rows that verify, refuses
// everything else in one line naming the file with --overwrite as the way out, never hangs, and never writes through a
// planted link or over an input. Each case runs under the suites' limits (10 s, 1 GiB, measured from outside).
import { describe, it, expect, beforeAll } from 'vitest';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, mkdirSync, readFileSync, statSync, symlinkSync, truncateSync, writeFileSync, appendFileSync } from 'node:fs';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { hashRow } from '../../electron/engine/export/gpkg.js';
import { rcf, rcfAtCells, tempDir, ROOT } from '../helpers/cli.js';
import { describeOutcome, rcfBounded } from './bounded.js';

const RASTER = join(ROOT, 'resources/sample/landsat8_b2-b5.tif');
// 1443 cells of 16 px at K = 512: slow enough to interrupt after a few hundred cells.
const OPTIONS = ['--features', '512', '--seed', '3', '--scale', '0.0001', '--cell-size', '16', '--backend', 'cpu', '--threads', '1'];
const args = (raster: string, out: string, ...more: string[]) => [
  'featurize',
  raster,
  ...OPTIONS,
  '--progress',
  'none',
  '--out',
  out,
  ...more,
];

let root: string;
const reference: Record<'csv' | 'gpkg', string> = { csv: '', gpkg: '' };
const partial: Record<'csv' | 'gpkg', string> = { csv: '', gpkg: '' };

/** A real partial: the run stopped by SIGINT once 200 cells are done. */
async function interrupted(out: string): Promise<void> {
  const args = ['featurize', RASTER, ...OPTIONS, '--progress', 'json', '--out', out];
  const { code, stderr } = await rcfAtCells(args, 200, (child) => child.kill('SIGINT')).closed;
  if (code !== 130) throw new Error(`expected an interrupted run, got ${code}: ${stderr}`);
}

let serial = 0;
/** A fresh folder holding a copy of the base partial of `format` as `o.FORMAT`; returns the output path. */
function caseWithPartial(format: 'csv' | 'gpkg'): string {
  const dir = join(root, `case${serial++}`);
  mkdirSync(dir);
  const out = join(dir, `o.${format}`);
  copyFileSync(`${partial[format]}.partial`, `${out}.partial`);
  if (format === 'csv') copyFileSync(`${partial.csv}.partial.json`, `${out}.partial.json`);
  return out;
}

function caseWithFinished(format: 'csv' | 'gpkg'): string {
  const dir = join(root, `case${serial++}`);
  mkdirSync(dir);
  const out = join(dir, `o.${format}`);
  copyFileSync(reference[format], out);
  if (format === 'csv') copyFileSync(`${reference.csv}.json`, `${out}.json`);
  return out;
}

/** Rewrites the rows of a CSV partial (header first); `seal` also rewrites its record to match, as a forger would. */
function damageCsv(out: string, damage: (lines: string[]) => void, seal: boolean): void {
  const lines = readFileSync(`${out}.partial`, 'utf8').split('\n').slice(0, -1);
  damage(lines);
  const text = lines.join('\n') + '\n';
  writeFileSync(`${out}.partial`, text);
  if (!seal) return;
  const record = JSON.parse(readFileSync(`${out}.partial.json`, 'utf8'));
  Object.assign(record, {
    rows: lines.length - 1,
    bytes: Buffer.byteLength(text),
    sha256: createHash('sha256').update(text).digest('hex'),
  });
  writeFileSync(`${out}.partial.json`, JSON.stringify(record));
}

/** Runs SQL on a GeoPackage partial; `seal` also rewrites rcf_run's checksum to match the damaged rows. */
function damageGpkg(file: string, sql: string, seal: boolean): void {
  const db = new DatabaseSync(file);
  try {
    db.exec(sql);
    if (seal) {
      const hash = createHash('sha256');
      const rows = db.prepare('SELECT * FROM cells ORDER BY fid').all();
      for (const r of rows) hashRow(hash, Object.values(r) as (number | string | Uint8Array | null)[]);
      const record = JSON.parse(String(db.prepare('SELECT run FROM rcf_run').get()!.run));
      db.prepare('UPDATE rcf_run SET run = ?').run(JSON.stringify({ ...record, rows: rows.length, sha256: hash.digest('hex') }));
    }
  } finally {
    db.close();
  }
}

function gpkgRows(file: string): unknown[] {
  const db = new DatabaseSync(file, { readOnly: true });
  try {
    return [db.prepare('SELECT * FROM cells ORDER BY fid').all(), db.prepare('SELECT * FROM rtree_cells_geom ORDER BY id').all()];
  } finally {
    db.close();
  }
}

/** Resumes `out`: either it completes to the uninterrupted run's result, or it is refused in one line matching `refusal`. */
function expectResume(out: string, refusal: RegExp | 'completes', extra: string[] = ['--resume']): void {
  const format = out.endsWith('.csv') ? 'csv' : 'gpkg';
  const r = rcfBounded(args(RASTER, out, ...extra));
  if (refusal === 'completes') {
    expect(describeOutcome(r), r.stderr).toBe('ok');
    if (format === 'csv') expect(readFileSync(out, 'utf8')).toBe(readFileSync(reference.csv, 'utf8'));
    else expect(gpkgRows(out)).toEqual(gpkgRows(reference.gpkg));
  } else {
    expect(describeOutcome(r), r.stderr).toBe('refused');
    expect(r.stderr).toMatch(refusal);
  }
}

// A damaged partial: its bytes no longer match the record's checksum (or are fewer than it records).
const CHANGED = /does not match the checksum in \S*o\.csv\.partial\.json \(it changed after rcf wrote it\)/.source;
const SHORTER = /is shorter than rcf wrote it \(\d+ of \d+ bytes\)/.source;
const CHECKSUM = new RegExp(String.raw`^rcf: \S*o\.csv\.partial (${CHANGED}|${SHORTER}); use --overwrite to start over\n$`);
const GPKG_CHECKSUM = /^rcf: \S*o\.gpkg\.partial does not match the checksum in its table rcf_run .*; use --overwrite to start over\n$/;
const ORDER = new RegExp(
  /o\.(csv|gpkg)\.partial: (line|row) \d+ holds cell "[^"]+" where the run's grid order has "[^"]+" /.source +
    /\(a duplicated, foreign or reordered row\); use --overwrite to start over\n$/.source,
);

beforeAll(async () => {
  root = tempDir('rcf-hostile-partials-');
  for (const format of ['csv', 'gpkg'] as const) {
    reference[format] = join(root, `full.${format}`);
    expect(rcf(args(RASTER, reference[format])).code).toBe(0);
    partial[format] = join(root, `base.${format}`);
    await interrupted(partial[format]);
  }
}, 120_000);

describe('hostile CSV partials', () => {
  const row = 50; // a row well inside what the base partial holds
  it('an intact partial, and one with a torn unrecorded batch after its last checkpoint, complete to the same file', () => {
    expectResume(caseWithPartial('csv'), 'completes');
    const torn = caseWithPartial('csv');
    appendFileSync(`${torn}.partial`, 'a.tif:r99c99,garbage,"never closed');
    expectResume(torn, 'completes');
  });

  it.each([
    ['duplicated', (l: string[]) => l.splice(row, 0, l[row])],
    ['bogus', (l: string[]) => (l[row] = l[row].replace(/^[^,]*,[^,]*/, 'bogus.tif:r0c0,bogus.tif'))],
    ['reordered', (l: string[]) => ([l[row], l[row + 1]] = [l[row + 1], l[row]])],
    ['ragged', (l: string[]) => (l[row] = l[row].replace(/,[^,]*$/, ''))],
    ['changed value', (l: string[]) => (l[row] = l[row].replace(/,([^,]*)$/, ',12345'))],
    ['unterminated quote', (l: string[]) => (l[l.length - 1] = `"${l[l.length - 1]}`)],
  ])('a %s row is refused by the checksum, and by the row checks when the checksum is forged too', (name, damage) => {
    const plain = caseWithPartial('csv');
    damageCsv(plain, damage, false);
    expectResume(plain, CHECKSUM);
    const forged = caseWithPartial('csv');
    damageCsv(forged, damage, true);
    const expected: Record<string, RegExp> = {
      duplicated: ORDER,
      bogus: ORDER,
      reordered: ORDER,
      ragged: /o\.csv\.partial: line 51 has 520 fields, expected 521; use --overwrite to start over\n$/,
      'changed value': /^$/, // a forged checksum over a changed number: undetectable, and not checked here
      'unterminated quote':
        /o\.csv\.partial: line \d+: a quoted field is never closed \(the file ends inside it\); use --overwrite to start over\n$/,
    };
    if (name !== 'changed value') expectResume(forged, expected[name]);
  });

  it('refuses a partial cut short, one without its record, and a FIFO in its place', () => {
    const short = caseWithPartial('csv');
    truncateSync(`${short}.partial`, statSync(`${short}.partial`).size - 100);
    expectResume(short, /o\.csv\.partial is shorter than rcf wrote it \(\d+ of \d+ bytes\); use --overwrite to start over\n$/);
    const bare = caseWithPartial('csv');
    writeFileSync(`${bare}.partial.json`, '{"run": 1');
    expectResume(
      bare,
      /o\.csv\.partial has no record of its run and checksum \(\S*o\.csv\.partial\.json\); use --overwrite to start over\n$/,
    );
    const fifo = join(root, `case${serial++}`);
    mkdirSync(fifo);
    expect(spawnSync('mkfifo', [join(fifo, 'o.csv.partial')]).status).toBe(0);
    expectResume(join(fifo, 'o.csv'), /o\.csv\.partial is not a regular file; use --overwrite to start over\n$/);
  });

  it('a finished output cut short or lengthened afterwards is not "already complete"', () => {
    const intact = caseWithFinished('csv');
    const r = rcfBounded(args(RASTER, intact, '--resume'));
    expect(r.stderr).toMatch(/is already complete for these settings/);
    const changed =
      /o\.csv does not match the checksum in \S*o\.csv\.json \(it changed after the run finished\); use --overwrite to write it again\n$/;
    const cut = caseWithFinished('csv');
    truncateSync(cut, statSync(cut).size - 5000);
    expectResume(cut, changed);
    const longer = caseWithFinished('csv');
    appendFileSync(longer, readFileSync(longer, 'utf8').split('\n')[5] + '\n');
    expectResume(longer, changed);
    expectResume(longer, 'completes', ['--overwrite']);
  });
});

describe('hostile GeoPackage partials', () => {
  it('an intact partial completes to the same rows', () => {
    expectResume(caseWithPartial('gpkg'), 'completes');
  });

  // A copy of the table without its constraints, so that rows can be duplicated.
  const unconstrained = 'ALTER TABLE cells RENAME TO old; CREATE TABLE cells AS SELECT * FROM old; DROP TABLE old;';
  it.each([
    ['duplicated', `${unconstrained} INSERT INTO cells SELECT * FROM cells WHERE fid = 50;`, /o\.gpkg\.partial: row 51 has fid 50 /],
    ['bogus', "UPDATE cells SET cell_id = 'bogus.tif:r0c0' WHERE fid = 50;", ORDER],
    [
      'reordered',
      'UPDATE cells SET fid = -1 WHERE fid = 50; UPDATE cells SET fid = 50 WHERE fid = 51; UPDATE cells SET fid = 51 WHERE fid = -1;',
      ORDER,
    ],
    ['ragged', "UPDATE cells SET f7 = 'seven' WHERE fid = 50;", /o\.gpkg\.partial: row 50: the features are not numbers; use --overwrite/],
    ['changed value', 'UPDATE cells SET f0 = f0 + 1 WHERE fid = 50;', null],
    ['cut short', 'DELETE FROM cells WHERE fid > 100; DELETE FROM rtree_cells_geom WHERE id > 100;', null],
  ])('a %s row is refused by the checksum, and by the row checks when the checksum is forged too', (name, sql, forgedRefusal) => {
    const plain = caseWithPartial('gpkg');
    damageGpkg(`${plain}.partial`, sql, false);
    expectResume(plain, GPKG_CHECKSUM);
    if (!forgedRefusal) return; // a forged checksum over changed or fewer rows: nothing left to detect
    const forged = caseWithPartial('gpkg');
    damageGpkg(`${forged}.partial`, sql, true);
    expectResume(forged, forgedRefusal);
  });

  it('refuses a partial with other columns', () => {
    const out = caseWithPartial('gpkg');
    damageGpkg(`${out}.partial`, 'ALTER TABLE cells DROP COLUMN f511;', false);
    expectResume(out, /o\.gpkg\.partial has other columns than this run writes; use --overwrite to start over\n$/);
  });

  it('a finished GeoPackage with rows deleted, or its file cut short, is not "already complete"', () => {
    const cut = caseWithFinished('gpkg');
    damageGpkg(cut, 'DELETE FROM cells WHERE fid > 1400;', false);
    expectResume(
      cut,
      /o\.gpkg does not match the checksum in its metadata \(it changed after the run finished\); use --overwrite to write it again\n$/,
    );
    const torn = caseWithFinished('gpkg');
    truncateSync(torn, Math.floor(statSync(torn).size / 2));
    expectResume(torn, /o\.gpkg/);
  });
});

describe('planted links and outputs that are inputs', () => {
  it('temporary and sidecar names planted as links to a victim: the run writes around them and the victim is untouched', () => {
    for (const format of ['csv', 'gpkg'] as const) {
      const dir = join(root, `case${serial++}`);
      mkdirSync(dir);
      const out = join(dir, `o.${format}`);
      const victim = join(dir, 'victim.txt');
      writeFileSync(victim, 'precious\n');
      const planted =
        format === 'csv' ? ['.partial.json.tmp', '.json.tmp', '.partial.json', '.json'] : ['.partial-journal', '.partial-wal', '-journal'];
      for (const suffix of planted) symlinkSync(victim, out + suffix);
      expectResume(out, 'completes', []);
      expect(readFileSync(victim, 'utf8')).toBe('precious\n');
      // A partial that is a link is refused on --resume and replaced, not followed, on --overwrite.
      const linked = join(dir, `l.${format}`);
      symlinkSync(victim, `${linked}.partial`);
      expectResume(
        linked,
        new RegExp(`l\\.${format}\\.partial is a symbolic link, which rcf never writes through; use --overwrite to start over\\n$`),
      );
      expectResume(linked, 'completes', ['--overwrite']);
      expect(readFileSync(victim, 'utf8')).toBe('precious\n');
    }
  });

  it('an output, partial or sidecar that is an input raster is refused before anything is written', () => {
    const dir = join(root, `case${serial++}`);
    mkdirSync(dir);
    const original = readFileSync(RASTER);
    const cases: [string, string, string[]][] = [
      ['r.csv', 'r.csv', ['--overwrite']],
      ['o.csv.json', 'o.csv', []],
      ['o.csv.partial', 'o.csv', ['--resume']],
      ['g.gpkg.partial', 'g.gpkg', ['--overwrite']],
    ];
    for (const [raster, out, extra] of cases) {
      copyFileSync(RASTER, join(dir, raster));
      const r = rcfBounded(args(join(dir, raster), join(dir, out), ...extra));
      expect(describeOutcome(r), r.stderr).toBe('refused');
      expect(r.stderr).toBe(`rcf: ${join(dir, raster)} is the input ${join(dir, raster)}; choose another output path\n`);
      expect(readFileSync(join(dir, raster)).equals(original)).toBe(true);
    }
    symlinkSync(join(dir, 'r.csv'), join(dir, 'link.gpkg'));
    const r = rcfBounded(args(join(dir, 'r.csv'), join(dir, 'link.gpkg'), '--overwrite'));
    expect(r.stderr).toBe(`rcf: ${join(dir, 'link.gpkg')} is the input ${join(dir, 'r.csv')}; choose another output path\n`);
    expect(readFileSync(join(dir, 'r.csv')).equals(original)).toBe(true);
  });
});
