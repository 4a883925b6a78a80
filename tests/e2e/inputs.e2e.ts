/**
 * A run featurizes the rasters ticked under Inputs (by default the visible
 * ones), and refuses inputs that cannot be one run (different band counts)
 * before it starts; what the run will do stays in sight at the bottom of the
 * run panel, whatever the window size. Issue 12: "Hidden layers are
 * featurized"; "the run's feedback is off-screen".
 */
import { execFileSync } from 'node:child_process';
import { mkdir } from 'node:fs/promises';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { closeBrowser, dropFiles, launchApp, setField, type AppHarness } from './harness.js';

const ROOT = join(import.meta.dirname, '..', '..');
const SAMPLE = join(ROOT, 'resources', 'sample', 'landsat8_b2-b5.tif');
const SHOTS = join(ROOT, 'test-results', 'e2e');
const work = mkdtempSync(join(tmpdir(), 'rcf-e2e-inputs-'));
const THREE_BANDS = join(work, 'rgb.tif');

const inputRow = (page: Page, name: string) => page.locator(`[data-testid=run-input][data-input$="${name}"]`);
const layerRow = (page: Page, name: string) => page.locator(`[data-testid=layer-raster][data-layer-name="${name}"]`);

/** The inputs the last run was made with, by file name, from the history's provenance. */
async function lastRunInputs(page: Page): Promise<string[]> {
  const runs = await page.evaluate(async () => {
    const rcf = (
      window as unknown as { rcf: { history(r: object): Promise<{ ok: boolean; value: { runs: { settings: { inputs: string[] } }[] } }> } }
    ).rcf;
    return (await rcf.history({})).value.runs;
  });
  return runs[0].settings.inputs.map((p) => p.split('/').pop()!);
}

let app: AppHarness;

beforeAll(async () => {
  await mkdir(SHOTS, { recursive: true });
  execFileSync('gdal_translate', ['-q', '-b', '1', '-b', '2', '-b', '3', SAMPLE, THREE_BANDS]);
  app = await launchApp({ files: { 'landsat8_b2-b5.tif': SAMPLE, 'rgb.tif': THREE_BANDS } });
  const { page } = app;
  await dropFiles(page, ['landsat8_b2-b5.tif']);
  await layerRow(page, 'landsat8_b2-b5.tif').filter({ hasText: 'preview: full resolution' }).waitFor({ timeout: 30_000 });
  await dropFiles(page, ['rgb.tif']);
  await layerRow(page, 'rgb.tif').filter({ hasText: 'preview: full resolution' }).waitFor({ timeout: 30_000 });
  await setField(page, 'features', '16');
  await setField(page, 'cellSize', '128');
  await setField(page, 'scale', '0.0001');
});

afterAll(async () => {
  await app?.close();
  await closeBrowser();
});

describe('the inputs of a run', () => {
  it('lists every open raster with its bands and CRS, ticked while visible', async () => {
    const { page } = app;
    expect(await inputRow(page, 'landsat8_b2-b5.tif').textContent()).toContain('4 bands · WGS 84 / UTM zone 16N');
    expect(await inputRow(page, 'rgb.tif').textContent()).toContain('3 bands');
    expect(await inputRow(page, 'rgb.tif').getAttribute('data-checked')).toBe('true');
  });

  it('refuses a 4-band and a 3-band raster as one run, saying which is which, and runs nothing', async () => {
    const { page } = app;
    const before = (await page.getByTestId('history-run').count()) as number;
    await page.getByTestId('run').click();
    const errors = page.getByTestId('form-errors');
    await expect.poll(() => errors.textContent()).toContain('The inputs have different band counts (landsat8_b2-b5.tif: 4, rgb.tif: 3)');
    // The refusal is in sight, next to Run, at this window size.
    const box = (await errors.boundingBox())!;
    expect(box.y + box.height).toBeLessThanOrEqual(page.viewportSize()!.height);
    await page.screenshot({ path: join(SHOTS, 'inputs-01-band-counts.png') });
    expect(await page.getByTestId('history-run').count()).toBe(before);
  });

  it('a hidden raster is not featurized', async () => {
    const { page } = app;
    await layerRow(page, 'rgb.tif').locator('input[type=checkbox]').uncheck();
    await expect.poll(() => inputRow(page, 'rgb.tif').getAttribute('data-checked')).toBe('false');
    expect(await inputRow(page, 'rgb.tif').textContent()).toContain('hidden');
    await page.getByTestId('run').click();
    await expect.poll(() => page.getByTestId('run-progress-text').textContent(), { timeout: 120_000 }).toMatch(/^Finished: \d+ cells/);
    expect(await page.getByTestId('form-errors').textContent()).toBe('');
    expect(await lastRunInputs(page)).toEqual(['landsat8_b2-b5.tif']);
  });

  it('a hidden raster ticked under Inputs is featurized; choosing bands 1–3 makes both one run', async () => {
    const { page } = app;
    await inputRow(page, 'rgb.tif').locator('input[type=checkbox]').check();
    await setField(page, 'bands', '1,2,3');
    await page.getByTestId('run').click();
    await expect.poll(() => lastRunInputs(page), { timeout: 120_000 }).toEqual(['landsat8_b2-b5.tif', 'rgb.tif']);
    await expect.poll(() => page.getByTestId('run-progress-text').textContent(), { timeout: 120_000 }).toMatch(/^Finished: \d+ cells/);
    // Band 4 is more than rgb.tif has.
    await setField(page, 'bands', '2,4');
    await page.getByTestId('run').click();
    await expect.poll(() => page.getByTestId('form-errors').textContent()).toContain('Band 4 is chosen, but rgb.tif has 3 bands');
    await page.screenshot({ path: join(SHOTS, 'inputs-02-ticked.png') });
  });

  it('Run and its progress are in sight without scrolling the panel', async () => {
    const { page } = app;
    const viewport = page.viewportSize()!;
    for (const id of ['run', 'run-progress', 'grid-info']) {
      const box = (await page.getByTestId(id).boundingBox())!;
      expect(box.y, id).toBeGreaterThanOrEqual(0);
      expect(box.y + box.height, id).toBeLessThanOrEqual(viewport.height);
    }
  });
});
