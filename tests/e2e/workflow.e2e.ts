/**
 * The analyst's workflow end to end in Chromium, on the real service:
 * drop → display → area → grid preview → estimate → featurize → results →
 * export, plus a bad file and a cancelled run. A screenshot of each step goes
 * to test-results/e2e/. The exported CSV must equal what the `rcf` command
 * line writes for the same settings and area.
 */
import { execFileSync } from 'node:child_process';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { closeBrowser, dropFiles, launchApp, setField, mapPoint, type AppHarness } from './harness.js';

const ROOT = join(import.meta.dirname, '..', '..');
const SAMPLE = join(ROOT, 'resources', 'sample', 'landsat8_b2-b5.tif');
const SHOTS = join(ROOT, 'test-results', 'e2e');
const work = mkdtempSync(join(tmpdir(), 'rcf-e2e-files-'));
const TRUNCATED = join(work, 'half-downloaded.tif');
const AREA_3857 = join(ROOT, 'tests', 'fixtures', 'aoi', 'landsat_multi_3857.geojson');

async function shot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: join(SHOTS, `${name}.png`) });
}

let app: AppHarness;

beforeAll(async () => {
  await mkdir(SHOTS, { recursive: true });
  // A download cut off half way: the header promises strips the file no longer has.
  const bytes = await readFile(SAMPLE);
  await writeFile(TRUNCATED, bytes.subarray(0, Math.floor(bytes.length / 2)));
  app = await launchApp({ files: { 'landsat8_b2-b5.tif': SAMPLE, 'half-downloaded.tif': TRUNCATED } });
});

afterAll(async () => {
  await app?.close();
  await closeBrowser();
});

describe('the desktop workflow in Chromium', () => {
  it('starts with the offline basemap and no layers', async () => {
    const { page } = app;
    await page.waitForSelector('canvas');
    await expect.poll(() => page.getByText('Drop GeoTIFFs on the map').count(), { timeout: 30_000 }).toBe(1);
    await shot(page, '01-start');
  });

  it('shows a dropped GeoTIFF, with its bands, CRS and stretch', async () => {
    const { page } = app;
    await dropFiles(page, ['landsat8_b2-b5.tif']);
    const layer = page.locator('[data-testid=layer-raster][data-layer-name="landsat8_b2-b5.tif"]');
    await layer.waitFor();
    await expect.poll(() => layer.textContent(), { timeout: 30_000 }).toContain('preview: full resolution');
    const details = (await layer.textContent())!;
    expect(details).toContain('627×603, 4 × UInt16');
    expect(details).toContain('WGS 84 / UTM zone 16N');
    await shot(page, '02-raster');
  });

  it('refuses a truncated file with a message that names it, and keeps working', async () => {
    const { page } = app;
    await dropFiles(page, ['half-downloaded.tif']);
    const error = page.getByTestId('message-error').first();
    await error.waitFor({ timeout: 30_000 });
    expect(await error.textContent()).toContain('half-downloaded.tif');
    expect(await page.locator('[data-testid=layer-raster]').count()).toBe(1);
    await shot(page, '03-bad-file');
  });

  it('draws an area and previews the grid cells in it', async () => {
    const { page } = app;
    await setField(page, 'features', '64');
    await setField(page, 'cellSize', '64');
    await setField(page, 'scale', '0.0001');
    await page.getByTestId('tool-draw-rectangle').click();
    const a = await mapPoint(page, 0.35, 0.3);
    const b = await mapPoint(page, 0.65, 0.7);
    await page.mouse.click(a.x, a.y);
    await page.mouse.click(b.x, b.y);
    await page.getByTestId('preview-grid').click();
    await expect.poll(() => page.getByTestId('grid-info').textContent(), { timeout: 30_000 }).toMatch(/\d+ cells will be featurized/);
    const cells = Number(
      /([\d,]+) cells will be featurized/.exec((await page.getByTestId('grid-info').textContent())!)![1].replace(/,/g, ''),
    );
    expect(cells).toBeGreaterThan(4);
    expect(cells).toBeLessThan(81); // the sample has 9×9 cells of 64 px; the area holds fewer
    await page.getByTestId('estimate-button').click();
    await expect.poll(() => page.getByTestId('estimate').textContent(), { timeout: 60_000 }).toMatch(/^About .* of memory for \d+ cells/);
    await shot(page, '04-area-grid');
  });

  it('featurizes with progress, then colours the cells and shows a cell on click', async () => {
    const { page } = app;
    await page.getByTestId('run').click();
    await expect.poll(() => page.getByTestId('run-progress-text').textContent(), { timeout: 120_000 }).toMatch(/^Finished: \d+ cells/);
    await page.locator('[data-testid=layer-results]').waitFor();
    await shot(page, '05-results');
    const centre = await mapPoint(page, 0.5, 0.5);
    await page.mouse.click(centre.x, centre.y);
    await expect.poll(() => page.getByTestId('cell-valid-fraction').textContent(), { timeout: 30_000 }).toMatch(/^valid_fraction 1\.0000/);
    // The clicked cell is outlined on the map: the one whose values are shown.
    const cellId = await page.getByTestId('map').getAttribute('data-selected-cell');
    expect(cellId).toBeTruthy();
    expect(await page.getByTestId('cell').textContent()).toContain(cellId!);
    await shot(page, '06-cell');
  });

  it('exports CSV through the save dialog, equal to the command line on the same area', async () => {
    const { page } = app;
    const out = join(work, 'exported.csv');
    app.answerDialog('chooseExportPath', { path: out });
    await page.getByTestId('tool-export-csv').click();
    await expect.poll(() => page.getByTestId('message-info').first().textContent(), { timeout: 30_000 }).toContain(`to ${out}`);
    await shot(page, '07-exported');

    const runId = (await page.getByTestId('history-run').first().getAttribute('data-run-id'))!;
    const area = join(app.dataDir, 'runs', runId, 'area.geojson');
    const cli = join(work, 'cli.csv');
    execFileSync(
      process.execPath,
      [
        join(ROOT, 'dist', 'electron', 'cli', 'rcf.js'),
        'featurize',
        SAMPLE,
        '--out',
        cli,
        '--mode',
        'gaussian',
        '--features',
        '64',
        '--kernel',
        '3',
        '--seed',
        '0',
        '--scale',
        '0.0001',
        '--cell-size',
        '64',
        '--aoi',
        area,
        '--backend',
        'cpu',
        '--progress',
        'none',
      ],
      { stdio: 'pipe' },
    );
    const exported = await readFile(out, 'utf8');
    expect(exported.split('\n').length).toBeGreaterThan(5);
    expect(exported).toBe(await readFile(cli, 'utf8'));
    const provenance = JSON.parse(await readFile(`${out}.json`, 'utf8'));
    expect(provenance.rcf.features).toBe(64);
    expect(provenance.grid.aoi).not.toBeNull();
  });

  it('imports an area file in another CRS and previews exactly the cells the command line selects', async () => {
    const { page } = app;
    app.answerDialog('chooseArea', { path: AREA_3857 });
    await page.getByTestId('tool-import-area').click();
    await expect.poll(() => page.getByTestId('grid-info').textContent(), { timeout: 30_000 }).toContain('from landsat_multi_3857.geojson');
    await page.getByTestId('preview-grid').click();
    await expect.poll(() => page.getByTestId('grid-info').textContent(), { timeout: 30_000 }).toMatch(/\d+ cells will be featurized/);
    const shown = Number(
      /([\d,]+) cells will be featurized/.exec((await page.getByTestId('grid-info').textContent())!)![1].replace(/,/g, ''),
    );
    const cli = join(work, 'cli-area.csv');
    execFileSync(
      process.execPath,
      [
        join(ROOT, 'dist', 'electron', 'cli', 'rcf.js'),
        'featurize',
        SAMPLE,
        '--out',
        cli,
        '--features',
        '16',
        '--cell-size',
        '64',
        '--aoi',
        AREA_3857,
        '--backend',
        'cpu',
        '--progress',
        'none',
      ],
      { stdio: 'pipe' },
    );
    const rows = (await readFile(cli, 'utf8')).trim().split('\n').length - 1;
    expect(shown).toBe(rows);
    await shot(page, '08-imported-area');
  });

  it('re-runs a finished run from the history', async () => {
    const { page } = app;
    await page.locator('[data-testid=history-run].finished [data-testid=rerun]').first().click();
    await expect.poll(() => page.locator('[data-testid=history-run].finished').count(), { timeout: 120_000 }).toBe(2);
    const [again, first] = await page.locator('[data-testid=history-run].finished').all();
    expect(await again.locator('.run-head').textContent()).toContain(
      /· (\d+) cells/.exec((await first.locator('.run-head').textContent())!)![0],
    );
    await shot(page, '09-history');
  });

  it('cancels a long run at once and records it in the history', async () => {
    const { page } = app;
    await page.getByTestId('tool-clear-area').click();
    await setField(page, 'features', '4096');
    await setField(page, 'cellSize', '16');
    await page.getByTestId('run').click();
    await expect.poll(() => page.getByTestId('run-progress-text').textContent(), { timeout: 60_000 }).toMatch(/cells\/s/);
    // The window stays responsive while the service computes.
    const started = Date.now();
    await page.evaluate(() => document.title);
    expect(Date.now() - started).toBeLessThan(1000);
    await shot(page, '10-running');
    const clicked = Date.now();
    await page.getByTestId('cancel').click();
    await expect.poll(() => page.getByTestId('run-progress-text').textContent(), { timeout: 30_000 }).toMatch(/^cancelled/);
    expect(Date.now() - clicked).toBeLessThan(10_000);
    await expect.poll(() => page.locator('[data-testid=history-run].cancelled').count()).toBe(1);
    await shot(page, '11-cancelled');
  });

  it('never touched the network and raised no page errors', () => {
    expect(app.outsideRequests).toEqual([]);
    expect(app.pageErrors.filter((e) => !e.includes('half-downloaded.tif'))).toEqual([]);
  });
});
