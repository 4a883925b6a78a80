// Issue 17, items 4–6: nothing silent, nothing stuck; errors in the CLI's words; the smaller rough edges.
// Each case runs the built `rcf` as a user would, on small rasters cut from the bundled sample at test time.
import { describe, it, expect, beforeAll } from 'vitest';
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { DatabaseSync } from 'node:sqlite';
import { join } from 'node:path';
import { rcf, readCsv, tempDir, ROOT } from '../helpers/cli.js';

const SAMPLE = join(ROOT, 'resources/sample/landsat8_b2-b5.tif');
const SMALL = ['--scale', '0.0001', '--features', '4', '--progress', 'none'];

function gdal(tool: string, args: string[]): void {
  const r = spawnSync(tool, ['-q', ...args], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${tool} failed: ${r.stderr}`);
}

/** stderr without the backend notice a machine without a GPU prints. */
function lines(stderr: string): string[] {
  return stderr
    .trimEnd()
    .split('\n')
    .filter((l) => l !== '' && !/hardware GPU|using the CPU kernel/.test(l));
}

describe('rcf featurize: nothing silent, nothing stuck', () => {
  let dir: string;
  let t10: string;
  beforeAll(() => {
    dir = tempDir();
    t10 = join(dir, 't10.tif');
    gdal('gdal_translate', ['-srcwin', '0', '0', '10', '10', SAMPLE, t10]);
  });

  it('featurizes a file given twice, also through a symlink, once, with a notice, and unique cell ids', () => {
    const link = join(dir, 'link.tif');
    symlinkSync(t10, link);
    for (const out of [join(dir, 'dup.csv'), join(dir, 'dup.gpkg')]) {
      const r = rcf(['featurize', t10, link, t10, '--cell-size', '5', ...SMALL, '--out', out]);
      expect(r.stderr).toContain(`${link} is the same file as ${t10}; it is featurized once`);
      expect(r.stderr).toContain(`${t10} is given twice; it is featurized once`);
      expect(r.code).toBe(0);
      expect(r.stderr).toContain('(4 cells computed)');
    }
    const ids = readCsv(join(dir, 'dup.csv')).rows.map((row) => row[0]);
    expect(ids).toEqual(['t10.tif:r0c0', 't10.tif:r0c1', 't10.tif:r1c0', 't10.tif:r1c1']);
    const db = new DatabaseSync(join(dir, 'dup.gpkg'), { readOnly: true });
    expect(db.prepare('SELECT COUNT(DISTINCT cell_id) AS n, COUNT(*) AS all_rows FROM cells').get()).toEqual({ n: 4, all_rows: 4 });
    db.close();
  });

  it('leaves no partial when a run fails before its first row, so the next run says the same', () => {
    const tiled = join(dir, 'tiled.tif');
    gdal('gdal_translate', ['-co', 'TILED=YES', '-co', 'BLOCKXSIZE=16', '-co', 'BLOCKYSIZE=16', '-co', 'COMPRESS=DEFLATE', t10, tiled]);
    // The first tile's DEFLATE stream, overwritten: the header is sound, the first read fails.
    const bytes = readFileSync(tiled);
    const info = spawnSync('/usr/bin/python3', [
      '-c',
      // The dataset is kept in a variable: a band outliving its dataset crashes GDAL's Python bindings.
      `from osgeo import gdal; ds = gdal.Open('${tiled}'); b = ds.GetRasterBand(1); ` +
        "print(b.GetMetadataItem('BLOCK_OFFSET_0_0', 'TIFF'), b.GetMetadataItem('BLOCK_SIZE_0_0', 'TIFF'))",
    ]);
    const [offset, size] = String(info.stdout).trim().split(' ').map(Number);
    bytes.fill(0xff, offset, offset + size);
    const bad = join(dir, 'bad.tif');
    writeFileSync(bad, bytes);
    for (const out of ['bad.csv', 'bad.gpkg', 'bad.parquet']) {
      for (let attempt = 0; attempt < 2; attempt++) {
        const r = rcf(['featurize', bad, '--cell-size', '5', ...SMALL, '--out', join(dir, out)]);
        expect(r.code).toBe(1);
        expect(lines(r.stderr)).toEqual([expect.stringMatching(/^rcf: bad\.tif: reading window .*corrupt or truncated/)]);
      }
      expect(readdirSync(dir).filter((f) => f.startsWith(out))).toEqual([]);
    }
  });

  it('refuses a run that would compute no cell, saying why', () => {
    const tiny = join(dir, 'tiny.tif');
    gdal('gdal_translate', ['-srcwin', '0', '0', '2', '2', SAMPLE, tiny]);
    const cases: [string[], RegExp][] = [
      [[t10, '--cell-size', '100'], /t10\.tif: no cells: no cell of 100 pixels holds a 3×3 window \(the raster is 10 × 10 pixels\)/],
      [[tiny, '--cell-size', 'whole'], /tiny\.tif: no cells: the raster \(2 × 2 pixels\) is smaller than the 3×3 kernel/],
      [[t10, '--cell-size', '1'], /t10\.tif: cells of 1 pixel are smaller than the 3×3 kernel/],
    ];
    for (const [args, message] of cases) {
      const out = join(dir, 'none.csv');
      const r = rcf(['featurize', ...args, ...SMALL, '--out', out]);
      expect(r.code).toBe(1);
      expect(lines(r.stderr)).toEqual([expect.stringMatching(message)]);
      expect(existsSync(out) || existsSync(`${out}.partial`)).toBe(false);
    }
  });
});

describe('rcf errors in the words of the command line', () => {
  let dir: string;
  let t10: string;
  beforeAll(() => {
    dir = tempDir();
    t10 = join(dir, 't10.tif');
    gdal('gdal_translate', ['-srcwin', '0', '0', '10', '10', SAMPLE, t10]);
  });

  it('exits 2 on bad usage, in one line without the debugging hint', () => {
    for (const bad of [
      ['--cell-size', '0'],
      ['--cell-size', '256x128'],
      ['--features', '513'],
      ['--kernel', '0'],
      ['--seed', '-1'],
    ]) {
      const r = rcf(['featurize', t10, ...bad, '--out', join(dir, 'u.csv')]);
      expect(r.code).toBe(2);
      expect(lines(r.stderr)).toEqual([expect.stringMatching(new RegExp(`^rcf: ${bad[0]} `))]);
      expect(r.stderr).not.toContain('RCF_DEBUG');
    }
    expect(readdirSync(dir).filter((f) => f.startsWith('u.csv'))).toEqual([]);
  });

  it('names an output whose folder does not exist as the user gave it', () => {
    for (const out of ['/nonexistent/dir/x.csv', '/nonexistent/dir/x.gpkg']) {
      const r = rcf(['featurize', t10, '--cell-size', '5', ...SMALL, '--out', out]);
      expect(r.code).toBe(1);
      expect(lines(r.stderr)).toEqual([`rcf: ${out}: the folder /nonexistent/dir does not exist`]);
    }
  });

  it('names a URL as a URL, and other raster formats with the conversion to use', () => {
    const url = 'https://example.com/data/scene.tif';
    const r = rcf(['featurize', url, '--out', join(dir, 'u.csv')]);
    expect(r.code).toBe(1);
    expect(lines(r.stderr)).toEqual([`rcf: ${url}: is a URL; rcf reads local files only: download it first (e.g. curl -LO URL)`]);
    gdal('gdal_translate', ['-of', 'JP2OpenJPEG', t10, join(dir, 'scene.jp2')]);
    gdal('gdalbuildvrt', [join(dir, 'scene.vrt'), t10]);
    gdal('gdal_translate', ['-of', 'PNG', '-ot', 'Byte', '-b', '1', t10, join(dir, 'png.tif')]);
    const formats: [string, string, string][] = [
      ['scene.jp2', 'JPEG 2000', 'scene.tif'],
      ['scene.vrt', 'GDAL virtual raster (VRT)', 'scene.tif'],
      ['png.tif', 'PNG', 'png_gtiff.tif'],
    ];
    for (const [file, format, converted] of formats) {
      for (const command of [
        ['info', join(dir, file)],
        ['featurize', join(dir, file), '--out', join(dir, 'u.csv')],
      ]) {
        const e = rcf(command);
        expect(e.code).toBe(1);
        expect(lines(e.stderr)).toEqual([
          `rcf: ${file}: is a ${format} file, not a GeoTIFF; convert it first: ` +
            `gdal_translate -of GTiff ${join(dir, file)} ${join(dir, converted)}`,
        ]);
      }
    }
  });

  it('prints only the command asked about for rcf COMMAND --help', () => {
    const r = rcf(['featurize', '--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^Usage:\n {2}rcf featurize RASTER\.\.\./);
    expect(r.stdout).toContain('--cell-size');
    expect(r.stdout).not.toMatch(/^ {2}rcf (info|weights|fit|predict) /m);
    const info = rcf(['info', '--help']);
    expect(info.stdout).toContain('rcf info RASTER...');
    expect(info.stdout).not.toMatch(/^ {2}rcf featurize|--cell-size/m);
    expect(rcf(['--help']).stdout).toMatch(/rcf info RASTER[\s\S]*rcf featurize[\s\S]*rcf predict/);
  });

  it('names the first setting that differs from the run an output was made with', () => {
    const out = join(dir, 'settings.csv');
    expect(rcf(['featurize', t10, '--cell-size', '5', ...SMALL, '--out', out]).code).toBe(0);
    const scale = rcf(['featurize', t10, '--cell-size', '5', ...SMALL, '--scale', '0.001', '--out', out, '--resume']);
    expect(scale.code).toBe(1);
    expect(lines(scale.stderr)).toEqual([
      `rcf: ${out} was made with other settings or inputs (its --scale is 0.0001, this run's 0.001); use --overwrite to replace it`,
    ]);
    const kernel = rcf(['featurize', t10, '--cell-size', '5', ...SMALL, '--kernel', '5', '--out', out, '--resume']);
    expect(lines(kernel.stderr)).toEqual([
      `rcf: ${out} was made with other settings or inputs (its --kernel is 3, this run's 5); use --overwrite to replace it`,
    ]);
  });

  it('says counts of one in the singular', () => {
    const r = rcf(['featurize', t10, '--cell-size', 'whole', ...SMALL, '--out', join(dir, 'one.csv')]);
    expect(r.code).toBe(0);
    expect(lines(r.stderr)).toEqual([`rcf: wrote ${join(dir, 'one.csv')} (1 cell computed) and ${join(dir, 'one.csv')}.json`]);
  });

  it('prints notices unless --quiet, which leaves only errors', () => {
    const out = join(dir, 'quiet.csv');
    const noisy = rcf(['featurize', t10, join(dir, 't10.tif'), '--cell-size', '5', ...SMALL, '--out', out]);
    expect(noisy.stderr).toContain('is given twice');
    const quiet = rcf(['featurize', t10, t10, '--cell-size', '5', ...SMALL, '--out', out, '--overwrite', '--quiet']);
    expect(quiet.code).toBe(0);
    expect(quiet.stderr).toBe('');
    const failed = rcf(['featurize', t10, '--cell-size', '100', ...SMALL, '--out', join(dir, 'q2.csv'), '--quiet']);
    expect(failed.code).toBe(1);
    expect(lines(failed.stderr)).toEqual([expect.stringMatching(/no cells/)]);
  });
});

describe('rcf: the smaller rough edges', () => {
  let dir: string;
  let t10: string;
  beforeAll(() => {
    dir = tempDir();
    t10 = join(dir, 't10.tif');
    gdal('gdal_translate', ['-srcwin', '0', '0', '10', '10', SAMPLE, t10]);
  });

  it('refuses rcf weights --channels 0', () => {
    const r = rcf(['weights', '--mode', 'gaussian', '--channels', '0', '--features', '4', '--kernel', '3', '--out', join(dir, 'w.npy')]);
    expect(r.code).toBe(2);
    expect(lines(r.stderr)).toEqual([expect.stringMatching(/^rcf: --channels must be between 1 and/)]);
  });

  it('writes every repeated --out in one pass, and refuses one given twice or where one output is made', () => {
    const [csv, gpkg] = [join(dir, 'both.csv'), join(dir, 'both.gpkg')];
    const r = rcf(['featurize', t10, '--cell-size', '5', ...SMALL, '--out', csv, '--out', gpkg]);
    expect(r.code).toBe(0);
    expect(lines(r.stderr)).toEqual([`rcf: wrote ${csv}, ${gpkg} (4 cells computed) and ${csv}.json`]);
    const db = new DatabaseSync(gpkg, { readOnly: true });
    const ids = db
      .prepare('SELECT cell_id FROM cells ORDER BY fid')
      .all()
      .map((row) => row.cell_id);
    db.close();
    expect(ids).toEqual(readCsv(csv).rows.map((row) => row[0]));
    const twice = rcf(['featurize', t10, ...SMALL, '--out', csv, '--out', `${dir}/./both.csv`, '--overwrite']);
    expect(twice.code).toBe(2);
    expect(lines(twice.stderr)).toEqual([`rcf: --out ${dir}/./both.csv is given twice`]);
    const weights = rcf([
      'weights',
      '--mode',
      'gaussian',
      '--channels',
      '2',
      '--features',
      '4',
      '--kernel',
      '3',
      '--out',
      'a.npy',
      '--out',
      'b.npy',
    ]);
    expect(weights.code).toBe(2);
    expect(lines(weights.stderr)).toEqual(['rcf: --out is given 2 times; rcf weights writes one output']);
  });

  it('ends --progress json with a done or an error event', () => {
    const args = ['featurize', t10, '--cell-size', '5', '--scale', '0.0001', '--features', '4', '--progress', 'json'];
    const ok = rcf([...args, '--out', join(dir, 'json.csv')]);
    expect(ok.code).toBe(0);
    const events = ok.stderr
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(events.at(-1)).toEqual({
      event: 'done',
      outputs: [join(dir, 'json.csv')],
      cells_computed: 4,
      cells_kept: 0,
      message: `wrote ${join(dir, 'json.csv')} (4 cells computed) and ${join(dir, 'json.csv')}.json`,
    });
    for (const [extra, status] of [
      [['--cell-size', '100'], 1],
      [['--kernel', '0'], 2],
    ] as const) {
      const bad = rcf([...args, ...extra, '--out', join(dir, 'json2.csv')]);
      expect(bad.code).toBe(status);
      const last = JSON.parse(bad.stderr.trimEnd().split('\n').at(-1)!) as Record<string, unknown>;
      expect(last).toMatchObject({ event: 'error', exit_status: status });
      expect(String(last.message)).toMatch(status === 1 ? /no cells/ : /--kernel must be at least 1/);
    }
  });

  it('says when an alpha band is used as the mask, and when edge cells are narrower than the kernel', () => {
    const rgba = join(dir, 'rgba.tif');
    gdal('gdal_translate', [
      '-b',
      '1',
      '-b',
      '2',
      '-b',
      '3',
      '-b',
      '1',
      '-colorinterp_4',
      'alpha',
      '-ot',
      'Byte',
      '-scale',
      '0',
      '30000',
      '0',
      '255',
      t10,
      rgba,
    ]);
    const all = rcf(['featurize', rgba, '--cell-size', '5', '--features', '4', '--progress', 'none', '--out', join(dir, 'rgba.csv')]);
    expect(all.code).toBe(0);
    expect(all.stderr).toContain(
      'rcf: rgba.tif: band 4 is an alpha band: its 0 pixels are nodata, and it is featurized as a channel too ' +
        '(choose the bands without band 4 to leave it out)',
    );
    const rgb = rcf([
      'featurize',
      rgba,
      '--bands',
      '1,2,3',
      '--cell-size',
      '5',
      '--features',
      '4',
      '--progress',
      'none',
      '--out',
      join(dir, 'rgb.csv'),
    ]);
    expect(rgb.stderr).toContain('rcf: rgba.tif: band 4 is an alpha band: its 0 pixels are nodata\n');
    const keep = rcf(['featurize', t10, '--cell-size', '4', '--edge', 'keep', ...SMALL, '--out', join(dir, 'keep.csv')]);
    expect(keep.stderr).toContain(
      'rcf: t10.tif: 5 edge cells narrower than the 3×3 kernel hold no window: empty features, valid_fraction 0',
    );
    const empty = readCsv(join(dir, 'keep.csv')).rows.filter((row) => row[8] === '0');
    expect(empty.map((row) => row[0])).toEqual(['t10.tif:r0c2', 't10.tif:r1c2', 't10.tif:r2c0', 't10.tif:r2c1', 't10.tif:r2c2']);
  });

  it('writes all-zero feature columns so that pandas reads them as floats', () => {
    const out = join(dir, 'zeros.csv');
    expect(rcf(['featurize', t10, '--cell-size', '5', ...SMALL, '--out', out]).code).toBe(0);
    const { rows } = readCsv(out);
    // f1 and f2 are 0 in every cell of this raster (relu(z) or relu(-z) never fires).
    expect(rows.map((row) => row[10])).toEqual(['0.0', '0.0', '0.0', '0.0']);
    // pandas (and R's read.csv) type a column as integers only when every field is an integer literal.
    for (const row of rows) for (const field of row.slice(9)) expect(field).not.toMatch(/^-?[0-9]+$/);
  });
});
