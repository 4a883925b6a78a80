/**
 * The valid-but-tricky GeoTIFF corpus (tests/corpus/make_corpus.sh, ~80
 * variants of one Landsat scene: every compression, data type, layout,
 * BigTIFF, COG, masks, CRS and geotransform flavour GDAL writes) decoded by
 * our module and compared with GDAL 3.6 (tests/corpus/gdal_corpus_ref.py):
 * size, bands, dtype, geotransform, nodata, EPSG, overview sizes, palette and
 * every pixel, read in 256-row strips through readWindow; and every pixel of
 * every overview level (internal IFDs, or the external .ovr file of
 * ovr_external.tif) through readOverview, against GDAL's
 * band.GetOverview(i).ReadRaster() (nodata → NaN; masks do not apply to
 * overviews).
 *
 * Expected pixels: GDAL's decoded value, or NaN where it equals nodata (or is
 * NaN), or where the dataset mask (mask IFD or alpha band) is 0 for a band
 * that is not the alpha band itself. Integers must match exactly; floats
 * exactly after rounding to float32 (readWindow returns float32).
 *
 * All mismatches are reported as one table.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { openRaster, RasterError, type Raster } from '../../../electron/engine/raster/index.js';
import { REPO_ROOT } from './fixtures.js';

const CORPUS = join(REPO_ROOT, 'tests', '.generated', 'corpus');
const REF = join(REPO_ROOT, 'tests', '.generated', 'corpus-ref');
const SCRIPTS = join(REPO_ROOT, 'tests', 'corpus');
const STRIP_ROWS = 256;

/**
 * Files we refuse on purpose, with the word the refusal must contain: codecs
 * geotiff.js has no decoder for. Listed explicitly so that a file that starts
 * failing for another reason cannot hide here.
 */
const REFUSED: Record<string, string> = {
  'cmp_lzma_tiled.tif': 'LZMA',
  'cmp_webp_lossless_tiled.tif': 'WEBP',
  // Not a codec: GCP-only georeferencing is refused on purpose (as in gdal-parity.test.ts).
  'gt_gcps_only.tif': 'ground control points',
};

/**
 * JPEG (RGB, and YCbCr with 2x2 chroma subsampling converted to RGB) is
 * compared exactly like every other codec: jpeg.ts decodes as libjpeg-turbo
 * does (ISLOW IDCT, fancy upsampling, integer YCbCr→RGB), so GDAL's pixels
 * are matched to the grey level. These must be among the files compared.
 */
const JPEG_FILES = ['cmp_jpeg_rgb_tiled.tif', 'cmp_jpeg_ycbcr_tiled.tif', 'cog_jpeg.tif'];

/** GDAL 3.6 has no Int8: it reports signed bytes as Byte (PIXELTYPE=SIGNEDBYTE); the bytes are the same. */
const GDAL36_INT8 = new Set(['i8_signedbyte.tif']);

/** Overviews only in a .ovr sidecar (`gdaladdo -ro`): listed and read from it, as GDAL does. */
const EXTERNAL_OVERVIEWS = new Set(['ovr_external.tif']);

interface RefFile {
  width: number;
  height: number;
  bands: number;
  dtype: string;
  gt: number[] | null;
  nodata: number | 'nan' | null;
  epsg: number | null;
  mask: 'none' | 'nodata' | 'alpha' | 'per_dataset';
  overviews: [number, number][];
  palette: number[][] | null;
  colorinterp: string[];
  error?: string;
}

const ARRAYS: Record<string, new (b: ArrayBuffer, o: number, n: number) => ArrayLike<number>> = {
  Byte: Uint8Array,
  Int8: Int8Array,
  UInt16: Uint16Array,
  Int16: Int16Array,
  UInt32: Uint32Array,
  Int32: Int32Array,
  Float32: Float32Array,
  Float64: Float64Array,
};
const BYTES: Record<string, number> = { Byte: 1, Int8: 1, UInt16: 2, Int16: 2, UInt32: 4, Int32: 4, Float32: 4, Float64: 8 };

function corpusIsComplete(): boolean {
  return existsSync(join(CORPUS, 'COMPLETE'));
}

function refIsCurrent(): boolean {
  const ref = join(REF, 'ref.json');
  return (
    existsSync(ref) &&
    statSync(ref).mtimeMs >= statSync(join(CORPUS, 'COMPLETE')).mtimeMs &&
    statSync(ref).mtimeMs >= statSync(join(SCRIPTS, 'gdal_corpus_ref.py')).mtimeMs
  );
}

let ref: Record<string, RefFile> = {};

beforeAll(() => {
  if (!corpusIsComplete()) {
    execFileSync(join(SCRIPTS, 'make_corpus.sh'), [join(SCRIPTS, 'real', 'rasterio__RGB.byte.tif'), CORPUS], { stdio: 'pipe' });
  }
  if (!refIsCurrent()) execFileSync('/usr/bin/python3', [join(SCRIPTS, 'gdal_corpus_ref.py'), CORPUS, REF], { stdio: 'pipe' });
  ref = JSON.parse(readFileSync(join(REF, 'ref.json'), 'utf8')) as Record<string, RefFile>;
});

/** GDAL's values for one file: per band a typed array, plus the dataset mask when it has one. */
function loadExpected(name: string, g: RefFile, dtype: string): { bands: ArrayLike<number>[]; mask: Uint8Array | null } {
  const buf = readFileSync(join(REF, `${name}.bin`));
  const ab = buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength) as ArrayBuffer;
  const n = g.width * g.height;
  const bytes = BYTES[dtype];
  const bands = Array.from({ length: g.bands }, (_, b) => new ARRAYS[dtype](ab, b * n * bytes, n));
  const maskAt = g.bands * n * bytes;
  const mask = g.mask === 'alpha' || g.mask === 'per_dataset' ? new Uint8Array(ab, maskAt, n) : null;
  return { bands, mask };
}

interface Result {
  problems: string[];
  maxDiff: number;
}

function rawNoData(nodata: RefFile['nodata'], dtype: string): number | null {
  if (nodata === null || nodata === 'nan') return null;
  return dtype === 'Float32' ? Math.fround(nodata) : nodata;
}

async function compareFile(name: string, g: RefFile): Promise<Result> {
  const problems: string[] = [];
  let maxDiff = 0;
  let raster: Raster;
  try {
    raster = await openRaster(join(CORPUS, name));
  } catch (err) {
    return { problems: [`refused: ${(err as Error).message}`], maxDiff };
  }
  try {
    const info = raster.info;
    const dtype = GDAL36_INT8.has(name) ? 'Int8' : g.dtype;
    const gt = g.gt ?? [0, 1, 0, 0, 0, 1];
    const check = (what: string, ours: unknown, gdal: unknown) => {
      if (JSON.stringify(ours) !== JSON.stringify(gdal)) problems.push(`${what} ${JSON.stringify(ours)} ≠ GDAL ${JSON.stringify(gdal)}`);
    };
    check('size', [info.width, info.height, info.bands], [g.width, g.height, g.bands]);
    check('dtype', info.dtype, dtype);
    check('geotransform', [...info.transform], gt);
    check('nodata', info.nodata, g.nodata);
    check('epsg', info.crs?.epsg ?? null, g.epsg);
    check('overviews', info.overviews ?? [], g.overviews);
    check('overview file', info.overview_file !== undefined, EXTERNAL_OVERVIEWS.has(name));
    check('palette', info.palette ?? null, g.palette);
    if (problems.length > 0) return { problems, maxDiff };

    const { bands: expected, mask } = loadExpected(name, g, dtype);
    const nd = rawNoData(g.nodata, dtype);
    const alpha = g.colorinterp.map((c) => c === 'Alpha');
    const all = Array.from({ length: g.bands }, (_, b) => b);
    const buffer = new Float32Array(g.bands * g.width * STRIP_ROWS);
    let bad = 0;
    let first = '';
    for (let y0 = 0; y0 < g.height; y0 += STRIP_ROWS) {
      const h = Math.min(STRIP_ROWS, g.height - y0);
      const got = await raster.readWindow(0, y0, g.width, h, all, buffer);
      const n = g.width * h;
      for (let b = 0; b < g.bands; b++) {
        const exp = expected[b];
        for (let i = 0; i < n; i++) {
          const k = y0 * g.width + i;
          const raw = exp[k];
          const a = got[b * n + i];
          const masked = Number.isNaN(raw) || raw === nd || (mask !== null && !alpha[b] && mask[k] === 0);
          const ok = masked ? Number.isNaN(a) : a === Math.fround(raw);
          if (!ok && !masked && !Number.isNaN(a)) maxDiff = Math.max(maxDiff, Math.abs(a - raw));
          if (!ok) {
            if (bad === 0)
              first =
                `band ${b} x=${i % g.width} y=${y0 + Math.floor(i / g.width)}: ` +
                `ours ${a}, GDAL ${raw}${mask && mask[k] === 0 ? ' (masked)' : ''}`;
            bad++;
          }
        }
      }
    }
    if (bad > 0) problems.push(`${bad} pixel values differ (max diff ${maxDiff}); first: ${first}`);
    if (g.overviews.length > 0) problems.push(...(await compareOverviews(name, g, dtype, raster)));
    return { problems, maxDiff };
  } catch (err) {
    return { problems: [`read failed: ${(err as Error).message}`], maxDiff };
  } finally {
    await raster.close();
  }
}

/** Every overview level's pixels against GDAL's (NAME.overviews.bin: levels in turn, bands band-major). */
async function compareOverviews(name: string, g: RefFile, dtype: string, raster: Raster): Promise<string[]> {
  const buf = readFileSync(join(REF, `${name}.overviews.bin`));
  const ab = buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength) as ArrayBuffer;
  const nd = rawNoData(g.nodata, dtype);
  const all = Array.from({ length: g.bands }, (_, b) => b);
  const problems: string[] = [];
  let at = 0;
  for (const [level, [w, h]] of g.overviews.entries()) {
    const n = w * h;
    const expected = new ARRAYS[dtype](ab, at, n * g.bands);
    at += n * g.bands * BYTES[dtype];
    const got = await raster.readOverview(level, 0, 0, w, h, all);
    let bad = 0;
    let first = '';
    for (let i = 0; i < n * g.bands; i++) {
      const raw = expected[i];
      const a = got[i];
      const ok = Number.isNaN(raw) || raw === nd ? Number.isNaN(a) : a === Math.fround(raw);
      if (!ok && bad++ === 0) first = `band ${Math.floor(i / n)} x=${i % w} y=${Math.floor((i % n) / w)}: ours ${a}, GDAL ${raw}`;
    }
    if (bad > 0) problems.push(`overview ${level} (${w}x${h}): ${bad} values differ; first: ${first}`);
  }
  if (at !== buf.byteLength) problems.push(`overview reference holds ${buf.byteLength} bytes, ${at} compared`);
  return problems;
}

describe('valid GeoTIFF corpus vs GDAL', () => {
  it('has a GDAL reference for every variant', () => {
    const names = Object.keys(ref);
    expect(names.length).toBeGreaterThan(75);
    const gdalErrors = names.filter((n) => ref[n].error !== undefined).map((n) => `${n}: ${ref[n].error}`);
    expect(gdalErrors, 'GDAL itself cannot read these').toEqual([]);
    for (const n of [...Object.keys(REFUSED), ...JPEG_FILES, ...GDAL36_INT8, ...EXTERNAL_OVERVIEWS]) expect(names).toContain(n);
  });

  it('refuses only the unsupported codecs, naming them', async () => {
    const wrong: string[] = [];
    for (const [name, codec] of Object.entries(REFUSED)) {
      try {
        await (await openRaster(join(CORPUS, name))).close();
        wrong.push(`${name}: opened, expected a refusal naming ${codec}`);
      } catch (err) {
        const msg = (err as Error).message;
        if (!(err instanceof RasterError) || !msg.includes(codec) || msg.includes('\n')) wrong.push(`${name}: ${msg}`);
      }
    }
    expect(wrong, wrong.join('\n')).toEqual([]);
  });

  it('decodes every other variant to GDAL values', async () => {
    const rows: string[] = [];
    let exact = 0;
    for (const [name, g] of Object.entries(ref)) {
      if (name in REFUSED || g.error !== undefined) continue;
      const { problems } = await compareFile(name, g);
      if (problems.length > 0) rows.push(`| ${name} | ${problems.join('; ')} |`);
      else exact++;
    }
    console.log(`corpus: ${exact} exact (JPEG included), ${Object.keys(REFUSED).length} refused, ${rows.length} wrong`);
    expect(rows, `\n| file | mismatch |\n|---|---|\n${rows.join('\n')}`).toEqual([]);
  });
});
