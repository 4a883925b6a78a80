/**
 * The run form helps as it is filled in: each field is checked as it is
 * typed, with the message beside it in the form's words and the field marked
 * invalid; Enter runs; Tab out of a field that re-derives others keeps the
 * focus (issue 12: "Form validation is late, far from the field and
 * sometimes raw"; "Tab after editing Scale sends focus to the page body").
 */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeBrowser, dropFiles, launchApp, type AppHarness } from './harness.js';

const ROOT = join(import.meta.dirname, '..', '..');
const SAMPLE = join(ROOT, 'resources', 'sample', 'landsat8_b2-b5.tif');
const SHOTS = join(ROOT, 'test-results', 'e2e');

let app: AppHarness;

beforeAll(async () => {
  await mkdir(SHOTS, { recursive: true });
  app = await launchApp({ files: { 'landsat8_b2-b5.tif': SAMPLE } });
  await dropFiles(app.page, ['landsat8_b2-b5.tif']);
  await app.page.locator('[data-testid=layer-raster]', { hasText: 'preview: full resolution' }).waitFor({ timeout: 30_000 });
});

afterAll(async () => {
  await app?.close();
  await closeBrowser();
});

describe('the run form', () => {
  it('says what is wrong beside the field as it is typed, and clears it when fixed', async () => {
    const { page } = app;
    const features = page.getByTestId('field-features');
    await features.fill('9000');
    expect(await page.getByTestId('problem-features').textContent()).toBe('Features (K) must be at most 8192, got 9000');
    expect(await features.getAttribute('aria-invalid')).toBe('true');
    await page.getByTestId('field-scale').fill('0');
    expect(await page.getByTestId('problem-scale').textContent()).toBe('Scale must not be 0 (every pixel would become 0)');
    await page.screenshot({ path: join(SHOTS, 'form-01-field-problems.png') });
    await features.fill('16');
    expect(await page.getByTestId('problem-features').textContent()).toBe('');
    // Cell sizes as people type them.
    for (const size of ['10 km', '1000 m', '64 px', '0.01°']) {
      await page.getByTestId('field-cellSize').fill(size);
      expect(await page.getByTestId('problem-cellSize').textContent(), size).toBe('');
    }
    await page.getByTestId('field-cellSize').fill('10 parsecs');
    expect(await page.getByTestId('problem-cellSize').textContent()).toMatch(/^Cell size must be a whole number of pixels/);
    expect(await features.getAttribute('aria-invalid')).toBe('false');
  });

  it('Tab out of Scale (which re-derives the preset) moves the focus to Offset, not to the page', async () => {
    const { page } = app;
    await page.getByTestId('field-scale').fill('0.0001');
    await page.keyboard.press('Tab');
    expect(await page.evaluate(() => (document.activeElement as HTMLElement | null)?.dataset.testid)).toBe('field-offset');
    expect(await page.getByTestId('field-preset').inputValue()).not.toBe('');
  });

  it('Enter in a field runs', async () => {
    const { page } = app;
    await page.getByTestId('field-cellSize').fill('128');
    await page.getByTestId('field-cellSize').press('Enter');
    await expect.poll(() => page.getByTestId('run-progress-text').textContent(), { timeout: 120_000 }).toMatch(/^Finished: \d+ cells/);
    expect(await page.getByTestId('history-run').count()).toBe(1);
  });
});
