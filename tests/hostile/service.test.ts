// Hostile service calls: contract-valid requests that ask for a lot (the largest filter bank, patch pool, grid,
// preview; 200 runs at once) or for the wrong thing (exports outside the save dialog, a binary area file, a FIFO).
// Each case runs a real service (the dist/ build, with its worker threads) in a child process under the suites'
// 10 s / 1 GiB, measured from outside (tests/hostile/service-driver.mjs drives it over its RPC), and asserts what
// a user would see: the answer or a one-line refusal, `history` answering within 100 ms while the hostile call
// is in flight and after it, and the service alive at the end.
import { describe, it, expect, beforeAll } from 'vitest';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { RunSettings, type RunSettingsInput } from '../../shared/ipc/contract.js';
import { RUN_OPTIONS } from '../../shared/run/index.js';
import { requireBuilt, tempDir, ROOT } from '../helpers/cli.js';
import { describeOutcome, runBounded } from './bounded.js';

const DRIVER = fileURLToPath(new URL('./service-driver.mjs', import.meta.url));
const SAMPLE = join(ROOT, 'resources/sample/landsat8_b2-b5.tif');
/** What the issue asks of every call while heavy work runs. */
const ANSWER_MS = 100;
/** Bytes no error message may quote. */
const SECRET = 'do-not-quote-this-secret';

/** The driver's JSON answer, read field by field by the assertions. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type DriverResult = Record<string, any>;

let work: string;
let cases = 0;

/** One case in its own service process: the driver's JSON answer, after checking the process stayed within its limits. */
function drive(name: string, args: Record<string, unknown>): DriverResult {
  const data = join(work, `data-${++cases}`);
  mkdirSync(data);
  const r = runBounded(DRIVER, [name, data, JSON.stringify(args)]);
  expect(describeOutcome(r), r.stderr).toBe('ok');
  return JSON.parse(r.stdout.trim().split('\n').pop()!);
}

function settings(over: Partial<RunSettingsInput>): RunSettings {
  return RunSettings.parse({ inputs: [SAMPLE], mode: 'gaussian', features: 16, kernel: 3, scale: 0.0001, cellSize: '64', ...over });
}

/** A sparse, tiled GeoTIFF of the given size (GDAL writes no empty tiles), made here; with `burn`, every pixel is that value. */
function sparseRaster(name: string, size: number, bands: number, type: string, options: string[] = [], burn?: number): string {
  const path = join(work, name);
  const creation = ['TILED=YES', ...(burn === undefined ? ['SPARSE_OK=TRUE'] : []), ...options].flatMap((o) => ['-co', o]);
  if (burn !== undefined) creation.push('-burn', String(burn));
  const ullr = ['500000', String(4_600_000), String(500_000 + 10 * size), String(4_600_000 - 10 * size)];
  execFileSync('gdal_create', ['-q', '-of', 'GTiff', '-outsize', String(size), String(size), '-bands', String(bands), '-ot', type,
    ...creation, '-a_srs', 'EPSG:32633', '-a_ullr', ...ullr, path]); // prettier-ignore
  return path;
}

/** Every history call answered within the bound while the hostile call was still in flight. */
function expectResponsive(r: DriverResult): void {
  expect(r.inFlight, 'the hostile call was still being worked on when history was timed').toBe(true);
  for (const ms of r.during) expect(ms).toBeLessThan(ANSWER_MS);
  expect(r.after).toBeLessThan(ANSWER_MS);
}

/** The largest value the contract accepts for an integer run option: its maximum in shared/run/options.ts, whatever that is. */
function largest(key: 'features' | 'kernel' | 'patches', step = 1): number {
  const accepts = (n: number) => RUN_OPTIONS[key].schema.safeParse(n).success;
  let [lo, hi] = [step, 2 ** 40];
  while (hi - lo > step) {
    const mid = Math.floor((lo + hi) / 2 / step) * step;
    if (accepts(mid)) lo = mid;
    else hi = mid;
  }
  return lo;
}
const MAX_K = largest('features', 2);
const MAX_KERNEL = largest('kernel');
const MAX_PATCHES = largest('patches');

const oneLine = (message: string) => expect(message).toMatch(/^[^\n]+$/);

describe('hostile service calls (a real service in a child process, 10 s / 1 GiB measured from outside)', () => {
  let big: string;
  let mid: string;
  let huge: string;
  let fifo: string;

  beforeAll(() => {
    requireBuilt();
    work = tempDir('rcf-hostile-service-');
    big = sparseRaster('big.tif', 5000, 4, 'UInt16');
    // Written in full (every tile DEFLATE-compressed), so that its preview takes real decoding.
    mid = sparseRaster('mid.tif', 3000, 3, 'UInt16', ['COMPRESS=DEFLATE'], 1000);
    // 10^12 pixels in a file of a few hundred kB: every tile is missing (sparse).
    huge = sparseRaster('huge.tif', 1_000_000, 1, 'Byte', ['COMPRESS=DEFLATE', 'BLOCKXSIZE=4096', 'BLOCKYSIZE=4096']);
    fifo = join(work, 'pipe.tif');
    execFileSync('mkfifo', [fifo]);
  });

  const largestBank = `the largest Gaussian bank (K = ${MAX_K}, ${MAX_KERNEL}×${MAX_KERNEL})`;
  it(`${largestBank}: history and cancelRun answer at once while it is made`, () => {
    const s = settings({ features: MAX_K, kernel: MAX_KERNEL });
    const r = drive('heavyRun', { settings: s });
    expect(r.started).toMatchObject({ ok: true, value: { queuePosition: null } });
    expectResponsive(r);
    expect(r.cancel).toEqual({ ok: true, value: { cancelled: true } });
    expect(r.cancelMs).toBeLessThan(ANSWER_MS);
    expect(r.record).toMatchObject({ state: 'cancelled', message: expect.stringMatching(/^stopped by the user/) });
  });

  it('the estimate of that bank: history answers at once while it calibrates; a newer estimate supersedes it', () => {
    const s = settings({ features: MAX_K, kernel: MAX_KERNEL });
    const r = drive('heavyCall', { call: 'estimate', request: { settings: s }, supersededBy: { settings: settings({}) } });
    expectResponsive(r);
    expect(r.answer).toMatchObject({ ok: false, kind: 'cancelled' });
    expect(r.newer).toMatchObject({ ok: true, value: { cells: 81 } });
  });

  it(`the largest empirical patch pool (${MAX_PATCHES} patches): refused in one line, or worked on without blocking and cancelled`, () => {
    const s = settings({ mode: 'empirical', patches: MAX_PATCHES, features: MAX_K, kernel: 3 });
    const r = drive('heavyRun', { settings: s });
    if (!r.started.ok) {
      oneLine(r.started.message);
      expect(r.started.kind).toBe('bad-input');
    } else if (r.record?.state === 'failed') {
      // The engine's budget refused the pool before making it.
      oneLine(r.record.message);
      expect(r.record.message).not.toMatch(/\bat .+:\d+:\d+/);
    } else {
      expectResponsive(r);
      expect(r.cancel).toEqual({ ok: true, value: { cancelled: true } });
      expect(r.cancelMs).toBeLessThan(ANSWER_MS);
      expect(r.record).toMatchObject({ state: 'cancelled' });
    }
    expect(r.after).toBeLessThan(ANSWER_MS);
  });

  it('a 5000² grid preview: 1,562,500 cells counted and 20,000 drawn, history answering at once meanwhile', () => {
    const s = settings({ inputs: [big], cellSize: '4' });
    const r = drive('heavyCall', { call: 'gridPreview', request: { settings: s, limit: 20_000 } });
    expectResponsive(r);
    expect(r.answer).toMatchObject({ ok: true, value: { count: 1_562_500, truncated: true } });
    expect(r.answer.value.cells).toEqual({ length: 20_000 });
  });

  it('a grid of 10^12 pixels in 16-pixel cells: refused in one line, or superseded without blocking the service', () => {
    const s = settings({ inputs: [huge], bands: [1], cellSize: '16' });
    const r = drive('heavyCall', {
      call: 'gridPreview',
      request: { settings: s, limit: 20_000 },
      supersededBy: { settings: settings({}), limit: 10 },
    });
    if (r.answer.ok) throw new Error(`a grid of ${r.answer.value.count} cells was answered`);
    if (r.answer.kind === 'cancelled') {
      expectResponsive(r);
      expect(r.newer).toMatchObject({ ok: true, value: { count: 81 } });
    } else {
      oneLine(r.answer.message);
      expect(r.answer.message).toMatch(/^huge\.tif: /);
    }
    expect(r.after).toBeLessThan(ANSWER_MS);
  });

  it('a 2048-pixel preview of a 3000² raster: answered, history answering at once meanwhile', () => {
    const r = drive('heavyCall', { call: 'preview', request: { path: mid, bands: [1, 2, 3], maxSize: 2048 } });
    expectResponsive(r);
    expect(r.answer).toMatchObject({ ok: true, value: { width: 2048, height: 2048, bands: [1, 2, 3], data: { length: 3 * 2048 ** 2 } } });
  });

  it('200 startRun calls at once: one runs, 16 wait with their place in the queue, the rest are refused in one line', () => {
    const r = drive('manyRuns', { count: 200, settings: settings({ cellSize: '128' }) });
    expect(r.accepted).toBe(17);
    expect(r.positions).toEqual([null, ...Array.from({ length: 16 }, (_, i) => i + 1)]);
    expect(r.refusals).toEqual(['bad-input: the run queue is full (16 runs are waiting); cancel one or wait for one to finish']);
    expect(r.states.filter((state: string) => state === 'queued')).toHaveLength(16);
    expect(r.historyTime).toBeLessThan(ANSWER_MS);
    // Each cancelled: the queued ones before they started.
    expect(r.afterCancel).toHaveLength(17);
    expect(r.afterCancel.filter((state: string) => state === 'cancelled').length).toBeGreaterThanOrEqual(16);
  });

  it('exportRun never takes a path: ../ paths, made-up tokens and relative grants are refused, nothing is written', () => {
    const outside = join(work, 'escaped');
    mkdirSync(outside);
    const r = drive('exportPaths', {
      requests: [
        { runId: 'r1', format: 'csv', path: '../../escaped/evil.csv' },
        { runId: 'r1', format: 'csv', token: '../../escaped/evil.csv' },
      ],
      grant: { kind: 'grant-export', token: 'a-token-for-a-relative-path', path: '../escaped/evil.csv', format: 'csv', replace: true },
    });
    expect(r.answers).toEqual([
      { ok: false, kind: 'bad-input', message: expect.stringMatching(/^exportRun: invalid payload at token: /) },
      { ok: false, kind: 'bad-input', message: 'exportRun: invalid payload at token: expected an export token from chooseExportPath' },
    ]);
    expect(r.grant).toEqual({ ok: false, message: '../escaped/evil.csv: an export path must be absolute, as the save dialog gives it' });
    expect(readdirSync(outside)).toEqual([]);
    expect(r.after).toBeLessThan(ANSWER_MS);
  });

  it('readArea on binary files: one line naming the file, quoting none of its content', () => {
    const bytes = Buffer.concat([Buffer.from([0x00, 0xff, 0x7b, 0x22]), Buffer.from(SECRET), Buffer.alloc(64, 0x41)]);
    for (const [name, want] of [
      ['binary.geojson', /^binary\.geojson: not valid JSON( \(at character \d+\))?$/],
      ['binary.gpkg', /^binary\.gpkg: /],
    ] as const) {
      writeFileSync(join(work, name), bytes);
      const r = drive('one', { call: 'readArea', request: { path: join(work, name) } });
      expect(r.answer).toMatchObject({ ok: false, kind: 'bad-input' });
      oneLine(r.answer.message);
      expect(r.answer.message).toMatch(want);
      expect(r.answer.message).not.toContain(SECRET);
      expect(r.answer.message).not.toContain('AAAA');
      expect(r.after).toBeLessThan(ANSWER_MS);
    }
  });

  it('a FIFO as a raster or an area: refused in one line, without blocking (the engine opens no pipe)', () => {
    for (const [call, request] of [
      ['preview', { path: fifo, bands: [1], maxSize: 256 }],
      ['inspect', { path: fifo }],
      ['readArea', { path: fifo }],
      ['gridPreview', { settings: settings({ inputs: [fifo] }), limit: 10 }],
    ] as const) {
      const r = drive('one', { call, request });
      expect(r.answer, call).toMatchObject({ ok: false, kind: 'bad-input' });
      expect(r.answer.message, call).toBe('pipe.tif: is a named pipe (FIFO), not a regular file');
      expect(r.after).toBeLessThan(ANSWER_MS);
    }
    expect(existsSync(fifo)).toBe(true);
  });
});
