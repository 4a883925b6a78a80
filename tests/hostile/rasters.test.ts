/**
 * Hostile rasters, generated at test time: each runs `rcf info` and/or `rcf featurize` (or a small script on the
 * engine) under 10 s and 1 GiB measured from outside the process, and must end in the right answer (GDAL's, where
 * GDAL reads the file) or a one-line refusal naming the file.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { deflateSync } from 'node:zlib';
import { beforeAll, describe, expect, it } from 'vitest';
import { describeOutcome, rcfBounded, runBounded, type BoundedResult } from './bounded.js';
import { ROOT, requireBuilt } from '../helpers/cli.js';
import { runPython } from '../helpers/python.js';
import { ASCII, geoTags, imageTags, LONG, SHORT, TiffWriter, type Tag } from '../engine/raster/tiff-writer.js';

const dir = mkdtempSync(join(tmpdir(), 'rcf-hostile-rasters-'));
const at = (name: string) => join(dir, name);
const GEO = geoTags(32633, 500000, 4000000, 10);

/** 64×64 Byte pixels, uncompressed, in one strip: the image every hostile file starts from. */
const PIXELS = Uint8Array.from({ length: 64 * 64 }, (_, i) => (i * 7) % 251);

function plainImage(w: TiffWriter, extra: Tag[] = GEO): void {
  const off = w.blob(PIXELS);
  w.ifd(imageTags({ width: 64, height: 64, offsets: [off], counts: [PIXELS.length], extra }));
}

/** A DEFLATE stream of `bytes` zeros (200 MiB inflate from about 200 KiB). */
const bomb = (bytes: number) => deflateSync(Buffer.alloc(bytes), { level: 9 });

function save(name: string, w: TiffWriter): string {
  writeFileSync(at(name), w.toBuffer());
  return at(name);
}

/** The one stderr line of a refusal, asserted to name the file. */
function refusal(r: BoundedResult, name: string): string {
  expect(describeOutcome(r), r.stderr).toBe('refused');
  const line = r.stderr.trim();
  expect(line).toContain(name);
  return line;
}

function info(path: string): { result: BoundedResult; json: Record<string, unknown> | null } {
  const result = rcfBounded(['info', path]);
  return { result, json: result.code === 0 ? (JSON.parse(result.stdout) as Record<string, unknown>) : null };
}

/** What GDAL makes of a file: size, bands, geotransform, whether it has a CRS, band 1 scale, and (`sum`) band 1's sum. */
function gdal(
  path: string,
  sum = false,
): { size: [number, number]; bands: number; transform: number[]; crs: boolean; scale: number; sum: number } {
  const out = runPython(
    `import json, sys
from osgeo import gdal
gdal.PushErrorHandler('CPLQuietErrorHandler')
ds = gdal.Open(sys.argv[1])
b = ds.GetRasterBand(1)
print(json.dumps({'size': [ds.RasterXSize, ds.RasterYSize], 'bands': ds.RasterCount, 'transform': list(ds.GetGeoTransform()),
  'crs': ds.GetSpatialRef() is not None, 'scale': b.GetScale() or 1, \
  'sum': int(b.ReadAsArray().astype('int64').sum()) if sys.argv[2] == 'sum' else None}))`,
    [path, sum ? 'sum' : ''],
  );
  return JSON.parse(out) as ReturnType<typeof gdal>;
}

beforeAll(() => requireBuilt());

describe('hostile rasters: rcf info and rcf featurize answer or refuse in one line, within 10 s and 1 GiB', () => {
  it('a sparse 1,000,000 × 1,000,000 raster in 300 bytes: info answers with its size', () => {
    const w = new TiffWriter();
    w.ifd(imageTags({ width: 1_000_000, height: 1_000_000, offsets: [0], counts: [0], extra: GEO }));
    const path = save('sparse-huge.tif', w);
    expect(w.length).toBeLessThan(400);
    const { result, json } = info(path);
    expect(describeOutcome(result), result.stderr).toBe('ok');
    expect(json).toMatchObject({ width: 1_000_000, height: 1_000_000, bands: 1 });
    expect(gdal(path).size).toEqual([1_000_000, 1_000_000]);
  });

  it('a 1 × 16,777,216 raster (one sparse strip): info answers; featurize finds no cell or refuses in one line', () => {
    const w = new TiffWriter();
    w.ifd(imageTags({ width: 1, height: 2 ** 24, offsets: [0], counts: [0], extra: GEO }));
    const path = save('one-column.tif', w);
    const { result, json } = info(path);
    expect(describeOutcome(result), result.stderr).toBe('ok');
    expect(json).toMatchObject({ width: 1, height: 2 ** 24 });
    const run = rcfBounded(['featurize', path, '--out', at('one-column.csv'), '--features', '8', '--backend', 'cpu', '--progress', 'none']);
    expect(['ok', 'refused']).toContain(describeOutcome(run));
    if (run.code !== 0) expect(run.stderr).toContain('one-column.tif');
  });

  it.each([
    ['mask', 4 | 0, 4],
    ['overview', 1, 1],
  ])('a DEFLATE bomb in the %s IFD (1 GiB from 1 MiB) is refused in one line, before anything is decoded', (kind, subfile, photometric) => {
    const w = new TiffWriter();
    plainImage(w);
    const data = w.blob(bomb(200 * 2 ** 20));
    const size = kind === 'mask' ? 64 : 32;
    // One tile of 32768² declared for a small image: each decoded block could hold 1 GiB.
    w.ifd(
      imageTags({
        width: size,
        height: size,
        subfile,
        photometric,
        compression: 8,
        tile: [32768, 32768],
        offsets: [data],
        counts: [bomb(200 * 2 ** 20).length],
      }),
    );
    const name = `bomb-${kind}.tif`;
    const path = save(name, w);
    expect(refusal(info(path).result, name)).toMatch(/IFD 1: one tile \(32768x32768\) decodes to 1 GiB.*decompression bomb/);
    const run = rcfBounded([
      'featurize',
      path,
      '--out',
      at(`bomb-${kind}.csv`),
      '--cell-size',
      '32',
      '--features',
      '8',
      '--backend',
      'cpu',
    ]);
    refusal(run, name);
  });

  const ovrBomb = 'a DEFLATE bomb in IFD 1 of an .ovr sidecar';
  it(`${ovrBomb}: the sidecar is not used (as any unusable .ovr), the raster reads as GDAL reads it`, () => {
    const w = new TiffWriter();
    plainImage(w);
    const path = save('ovr-bomb.tif', w);
    const ovr = new TiffWriter();
    const small = new Uint8Array(32 * 32).fill(3);
    const off = ovr.blob(small);
    ovr.ifd(imageTags({ width: 32, height: 32, offsets: [off], counts: [small.length] }));
    const data = ovr.blob(bomb(200 * 2 ** 20));
    ovr.ifd(
      imageTags({
        width: 16,
        height: 16,
        subfile: 1,
        compression: 8,
        tile: [32768, 32768],
        offsets: [data],
        counts: [bomb(200 * 2 ** 20).length],
      }),
    );
    writeFileSync(`${path}.ovr`, ovr.toBuffer());
    const { result, json } = info(path);
    expect(describeOutcome(result), result.stderr).toBe('ok');
    expect(json).toMatchObject({ width: 64, height: 64, overviews: [] });
    expect(json).not.toHaveProperty('overview_file');
    const run = rcfBounded([
      'featurize',
      path,
      '--out',
      at('ovr-bomb.csv'),
      '--cell-size',
      '32',
      '--features',
      '8',
      '--backend',
      'cpu',
      '--progress',
      'none',
    ]);
    expect(describeOutcome(run), run.stderr).toBe('ok');
    expect(readFileSync(at('ovr-bomb.csv'), 'utf8').trim().split('\n')).toHaveLength(1 + 4);
  });

  it('1-pixel tiles on a 512 × 512 raster (262,144 tiles) are refused from the header, naming the limit', () => {
    const n = 512 * 512;
    const w = new TiffWriter();
    const data = w.blob(new Uint8Array(n).fill(9));
    w.ifd(
      imageTags({
        width: 512,
        height: 512,
        tile: [1, 1],
        offsets: Array.from({ length: n }, (_, i) => data + i),
        counts: new Array<number>(n).fill(1),
        extra: GEO,
      }),
    );
    const path = save('tiny-tiles.tif', w);
    expect(gdal(path, true).sum).toBe(9 * n); // GDAL reads it; we refuse the cost
    const line = refusal(info(path).result, 'tiny-tiles.tif');
    expect(line).toBe('rcf: tiny-tiles.tif: asks for 262144 tiles of 1x1 pixels; the limit is 4096 tiles smaller than 256 pixels');
  });

  it('10,000 bands (planar, one shared DEFLATE strip each): info answers like GDAL; featurize answers or refuses in one line', () => {
    const bands = 10_000;
    const w = new TiffWriter();
    const strip = deflateSync(Buffer.alloc(16 * 16, 5));
    const data = w.blob(strip);
    const tags = imageTags({
      width: 16,
      height: 16,
      samples: bands,
      compression: 8,
      offsets: new Array<number>(bands).fill(data),
      counts: new Array<number>(bands).fill(strip.length),
      extra: GEO,
    }).map((t) => (t.tag === 284 ? { ...t, values: [2] } : t));
    w.ifd(tags);
    const path = save('many-bands.tif', w);
    const { result, json } = info(path);
    expect(describeOutcome(result), result.stderr).toBe('ok');
    expect(json).toMatchObject({ bands, width: 16, height: 16 });
    const g = gdal(path);
    expect(g.bands).toBe(bands);
    const run = rcfBounded([
      'featurize',
      path,
      '--out',
      at('many-bands.csv'),
      '--cell-size',
      '32',
      '--features',
      '8',
      '--progress',
      'none',
    ]);
    expect(['ok', 'refused'], run.stderr).toContain(describeOutcome(run));
  });

  it('a mask IFD whose data lies past the end of the file is refused, not read as all-invalid', () => {
    const w = new TiffWriter();
    plainImage(w);
    w.ifd(
      imageTags({
        width: 64,
        height: 64,
        bits: 1,
        subfile: 4,
        photometric: 4,
        compression: 8,
        offsets: [w.length + 100_000],
        counts: [64],
      }),
    );
    const path = save('mask-past-eof.tif', w);
    expect(refusal(info(path).result, 'mask-past-eof.tif')).toMatch(/IFD 1: file is truncated: strip 0 lies past the end of the file/);
    refusal(
      rcfBounded(['featurize', path, '--out', at('mask.csv'), '--cell-size', '32', '--features', '8', '--backend', 'cpu']),
      'mask-past-eof.tif',
    );
  });

  it('a 1.2 MB GDAL_METADATA tag that was quadratic to parse: info answers at once with GDAL scale', () => {
    const xml = `<GDALMetadata><Item name="SCALE" sample="0" role="scale">0.5</Item><!-- ${'<Item '.repeat(200_000)} --></GDALMetadata>`;
    const w = new TiffWriter();
    plainImage(w, [...GEO, { tag: 42112, type: ASCII, values: xml }]);
    const path = save('metadata.tif', w);
    expect(xml.length).toBeGreaterThan(1_200_000);
    const { result, json } = info(path);
    expect(describeOutcome(result), result.stderr).toBe('ok');
    expect(result.seconds).toBeLessThan(5);
    expect(json?.scales).toEqual([gdal(path).scale]);
    expect(json?.scales).toEqual([0.5]);
  });

  it('a FIFO and a device are refused before anything is read (no wait for a writer)', () => {
    const fifo = at('pipe.tif');
    execFileSync('mkfifo', [fifo]);
    expect(refusal(info(fifo).result, 'pipe.tif')).toBe('rcf: pipe.tif: is a named pipe (FIFO), not a regular file');
    refusal(rcfBounded(['featurize', fifo, '--out', at('pipe.csv')]), 'pipe.tif');
    expect(refusal(info('/dev/zero').result, 'zero')).toBe('rcf: zero: is a device, not a regular file');
  });

  // Each as GDAL reads it: "GeoTIFF tags apparently corrupt, they are being ignored" (or libtiff skips the tag).
  it.each<[string, Tag[]]>([
    ['directory past the end of the file', [{ tag: 34735, type: SHORT, values: [1, 1, 0, 1, 3072, 0, 1, 32633], offset: 1_000_000 }]],
    ['directory inside the header', [{ tag: 34735, type: SHORT, values: [1, 1, 0, 1, 3072, 0, 1, 32633], offset: 2 }]],
    ['key stored in StripOffsets', [{ tag: 34735, type: SHORT, values: [1, 1, 0, 2, 1024, 0, 1, 1, 3072, 273, 1, 0] }]],
    [
      'key beyond GeoDoubleParams',
      [
        { tag: 34735, type: SHORT, values: [1, 1, 0, 2, 1024, 0, 1, 1, 3072, 34736, 1, 50] },
        { tag: 34736, type: 12, values: [1, 2] },
      ],
    ],
    [
      'text key without GeoAsciiParams',
      [{ tag: 34735, type: SHORT, values: [1, 1, 0, 3, 1024, 0, 1, 1, 1026, 34737, 5, 0, 3072, 0, 1, 32633] }],
    ],
    ['key version 2', [{ tag: 34735, type: SHORT, values: [2, 1, 0, 2, 1024, 0, 1, 1, 3072, 0, 1, 32633] }]],
    ['declares more keys than it holds', [{ tag: 34735, type: SHORT, values: [1, 1, 0, 9, 1024, 0, 1, 1, 3072, 0, 1, 32633] }]],
    ['directory of type LONG', [{ tag: 34735, type: LONG, values: [1, 1, 0, 2, 1024, 0, 1, 1, 3072, 0, 1, 32633] }]],
  ])('a bogus GeoKey directory (%s) is ignored as GDAL ignores it', (what, geo) => {
    const w = new TiffWriter();
    plainImage(w, [...GEO.filter((t) => t.tag !== 34735), ...geo]);
    const name = `geokeys-${what.replace(/\W+/g, '-')}.tif`;
    const path = save(name, w);
    const g = gdal(path);
    const { result, json } = info(path);
    expect(describeOutcome(result), result.stderr).toBe('ok');
    expect(json?.transform).toEqual(g.transform);
    expect(json?.crs !== null, 'has a CRS').toBe(g.crs);
  });
});

describe('reads are checked', () => {
  const SCRIPT = join(dir, 'truncate-while-reading.mjs');
  const MODULE = join(ROOT, 'dist/electron/engine/raster/index.js');

  beforeAll(() => {
    // Opens the raster, cuts the file short (or not), then reads every pixel: one line on stderr and exit 1 on failure.
    writeFileSync(
      SCRIPT,
      `import { truncateSync } from 'node:fs';
const [module, path, cut] = process.argv.slice(2);
const { openRaster } = await import(module);
try {
  const raster = await openRaster(path);
  if (cut !== 'none') truncateSync(path, Number(cut));
  const px = await raster.readWindow(0, 0, raster.info.width, raster.info.height, [0]);
  let sum = 0;
  for (const v of px) sum += v;
  console.log(JSON.stringify({ sum }));
} catch (err) {
  console.error(err.message);
  process.exit(1);
}
`,
    );
  });

  /** A 64×64 raster in 8-row strips, then its IFD (read when opened); `cut` is the size the file is cut to once open. */
  function readAfterCut(name: string, compression: 1 | 8, cut: number | 'none'): BoundedResult {
    const w = new TiffWriter();
    const offsets: number[] = [];
    const counts: number[] = [];
    for (let y = 0; y < 64; y += 8) {
      const strip = PIXELS.subarray(y * 64, (y + 8) * 64);
      const stored = compression === 8 ? deflateSync(strip) : strip;
      offsets.push(w.blob(stored));
      counts.push(stored.length);
    }
    w.ifd(imageTags({ width: 64, height: 64, compression, rowsPerStrip: 8, offsets, counts, extra: GEO }));
    const path = save(name, w);
    return runBounded(SCRIPT, [MODULE, path, String(cut)]);
  }

  it.each([
    ['uncompressed', 1],
    ['DEFLATE', 8],
  ] as const)('a raster (%s) cut short after it was opened fails in one line, never reads zeros', (kind, compression) => {
    const whole = readAfterCut(`intact-${kind}.tif`, compression, 'none');
    expect(describeOutcome(whole), whole.stderr).toBe('ok');
    expect(JSON.parse(whole.stdout)).toEqual({ sum: PIXELS.reduce((a, b) => a + b, 0) });
    // The first strips stay, the rest of the pixels (and the IFD, already read) are gone.
    const cut = readAfterCut(`cut-${kind}.tif`, compression, 1000);
    expect(refusal(cut, `cut-${kind}.tif`)).toMatch(/cut short while it was read/);
  });
});
