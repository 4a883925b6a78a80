/**
 * A global EPSG:4326 raster (±180°, ±90°) opens, is fitted and zoomed to
 * without an error: the poles lie at infinity in Web Mercator, so latitudes
 * are clamped to what the map shows (issue 12: "coordinates must be finite
 * numbers" on Zoom and on drop).
 */
import { execFileSync } from 'node:child_process';
import { mkdir } from 'node:fs/promises';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeBrowser, dropFiles, launchApp, type AppHarness } from './harness.js';

const ROOT = join(import.meta.dirname, '..', '..');
const SAMPLE = join(ROOT, 'resources', 'sample', 'landsat8_b2-b5.tif');
const SHOTS = join(ROOT, 'test-results', 'e2e');
const GLOBAL = join(mkdtempSync(join(tmpdir(), 'rcf-e2e-global-')), 'world.tif');

let app: AppHarness;

beforeAll(async () => {
  await mkdir(SHOTS, { recursive: true });
  execFileSync('gdal_translate', ['-q', '-a_srs', 'EPSG:4326', '-a_ullr', '-180', '90', '180', '-90', SAMPLE, GLOBAL]);
  app = await launchApp({ files: { 'world.tif': GLOBAL } });
});

afterAll(async () => {
  await app?.close();
  await closeBrowser();
});

describe('a global EPSG:4326 raster', () => {
  it('opens, fits and zooms with no error, and is drawn on the map', async () => {
    const { page, pageErrors } = app;
    await dropFiles(page, ['world.tif']);
    const layer = page.locator('[data-testid=layer-raster][data-layer-name="world.tif"]');
    await layer.filter({ hasText: 'preview: full resolution' }).waitFor({ timeout: 30_000 });
    await layer.getByRole('button', { name: 'Zoom' }).click();
    await page.waitForTimeout(500);
    // The grid reaches the poles too.
    await page.getByTestId('preview-grid').click();
    await expect.poll(() => page.getByTestId('grid-info').textContent(), { timeout: 30_000 }).toMatch(/cells will be featurized/);
    expect(pageErrors).toEqual([]);
    expect(await page.getByTestId('message-error').count()).toBe(0);
    await page.screenshot({ path: join(SHOTS, 'global-raster.png') });
  });
});
