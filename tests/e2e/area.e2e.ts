/**
 * The area the run covers is the area the screen shows: a new sketch never
 * loses the current area until it is finished, Escape aborts the sketch and
 * disarms the tool, Ctrl+Z undoes the last area change, and Re-run waits while
 * a run goes (its progress in the window title and its history row). Each was broken once (issue 12: "A run can cover a different
 * area from what the screen says"; "Re-run during a run starts a second, orphan run").
 */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { closeBrowser, dropFiles, launchApp, setField, mapPoint, type AppHarness } from './harness.js';

const ROOT = join(import.meta.dirname, '..', '..');
const SAMPLE = join(ROOT, 'resources', 'sample', 'landsat8_b2-b5.tif');
const SHOTS = join(ROOT, 'test-results', 'e2e');

async function clickMap(page: Page, fx: number, fy: number): Promise<void> {
  const p = await mapPoint(page, fx, fy);
  await page.mouse.click(p.x, p.y);
}

/** The cell count of a fresh grid preview. */
async function previewedCells(page: Page): Promise<number> {
  await page.getByTestId('preview-grid').click();
  const info = page.getByTestId('grid-info');
  await expect.poll(() => info.textContent(), { timeout: 30_000 }).toMatch(/[\d,]+ cells will be featurized/);
  return Number(/([\d,]+) cells will be featurized/.exec((await info.textContent())!)![1].replace(/,/g, ''));
}

const areaText = (page: Page) => page.getByTestId('grid-info').textContent();
const pressed = (page: Page, tool: string) => page.getByTestId(`tool-${tool}`).getAttribute('aria-pressed');

let app: AppHarness;

beforeAll(async () => {
  await mkdir(SHOTS, { recursive: true });
  app = await launchApp({ files: { 'landsat8_b2-b5.tif': SAMPLE } });
  const { page } = app;
  await dropFiles(page, ['landsat8_b2-b5.tif']);
  await page.locator('[data-testid=layer-raster]', { hasText: 'preview: full resolution' }).waitFor({ timeout: 30_000 });
  await setField(page, 'features', '16');
  await setField(page, 'cellSize', '32');
  await setField(page, 'scale', '0.0001');
});

afterAll(async () => {
  await app?.close();
  await closeBrowser();
});

describe('the area on the map is the area of the run', () => {
  let rectangleCells = 0;

  it('a polygon started after a rectangle and aborted with Escape leaves the rectangle, and disarms the tool', async () => {
    const { page } = app;
    const every = await previewedCells(page);
    await page.getByTestId('tool-draw-rectangle').click();
    expect(await pressed(page, 'draw-rectangle')).toBe('true');
    await clickMap(page, 0.4, 0.4);
    await clickMap(page, 0.6, 0.6);
    await expect.poll(() => pressed(page, 'draw-rectangle')).toBe('false');
    rectangleCells = await previewedCells(page);
    expect(rectangleCells).toBeGreaterThan(0);
    expect(rectangleCells).toBeLessThan(every);

    await page.getByTestId('tool-draw-polygon').click();
    expect(await pressed(page, 'draw-polygon')).toBe('true');
    await clickMap(page, 0.2, 0.2);
    await clickMap(page, 0.8, 0.25);
    await clickMap(page, 0.7, 0.8);
    // Mid-sketch, the rectangle is still the area.
    expect(await areaText(page)).toContain('Area: drawn (1 polygon)');
    await page.screenshot({ path: join(SHOTS, 'area-01-sketch.png') });
    await page.keyboard.press('Escape');
    expect(await pressed(page, 'draw-polygon')).toBe('false');
    // The tool is disarmed: clicks on the map draw nothing.
    await clickMap(page, 0.3, 0.7);
    await clickMap(page, 0.3, 0.7);
    expect(await previewedCells(page)).toBe(rectangleCells);
    expect(await areaText(page)).toContain('Area: drawn (1 polygon)');
  });

  it("Ctrl+Z undoes Clear area; typed in a field it is the field's own undo", async () => {
    const { page } = app;
    await page.getByTestId('tool-clear-area').click();
    expect(await areaText(page)).toContain('Area: none');
    await page.keyboard.press('Control+z');
    expect(await areaText(page)).toContain('Area: drawn (1 polygon)');
    expect(await previewedCells(page)).toBe(rectangleCells);
    // Ctrl+Z typed into a field is the field's own undo, not the area's.
    await page.getByTestId('field-seed').focus();
    await page.keyboard.press('Control+z');
    expect(await areaText(page)).toContain('Area: drawn (1 polygon)');
  });

  it('while a run goes, Re-run is disabled; afterwards it runs the same area', async () => {
    const { page } = app;
    await page.getByTestId('run').click();
    await expect.poll(() => page.getByTestId('run-progress-text').textContent(), { timeout: 120_000 }).toMatch(/^Finished: \d+ cells/);
    const rerun = page.getByTestId('rerun').first();
    expect(await rerun.isEnabled()).toBe(true);
    // A run long enough to watch: every cell of the raster, small cells, more features.
    await page.getByTestId('tool-clear-area').click();
    await setField(page, 'cellSize', '8');
    await setField(page, 'features', '512');
    await page.getByTestId('run').click();
    await expect.poll(() => page.getByTestId('cancel').isEnabled(), { timeout: 30_000 }).toBe(true);
    for (const button of await page.getByTestId('rerun').all()) expect(await button.isDisabled()).toBe(true);
    // The progress is in the window title, and the history row counts up with the run.
    await expect.poll(() => page.title(), { timeout: 30_000 }).toMatch(/^\d+ % · RCF Desktop$/);
    const running = page.getByTestId('history-run').first();
    await expect
      .poll(async () => Number(/running .*· ([\d,]+) cells/.exec((await running.textContent())!)?.[1].replace(/,/g, '') ?? 0), {
        timeout: 30_000,
      })
      .toBeGreaterThan(0);
    await page.screenshot({ path: join(SHOTS, 'area-02-rerun-disabled.png') });
    await page.getByTestId('cancel').click();
    await expect.poll(() => page.getByTestId('run').isEnabled(), { timeout: 30_000 }).toBe(true);
    for (const button of await page.getByTestId('rerun').all()) expect(await button.isEnabled()).toBe(true);
    expect(await page.title()).toBe('RCF Desktop');
  });

  it('a cancelled run keeps its cells, and Resume finishes it', async () => {
    const { page } = app;
    const cancelled = page.getByTestId('history-run').first();
    await expect.poll(() => cancelled.textContent(), { timeout: 30_000 }).toMatch(/^cancelled/);
    const kept = Number(/· ([\d,]+) cells/.exec((await cancelled.textContent())!)![1].replace(/,/g, ''));
    expect(kept).toBeGreaterThan(0);
    await cancelled.getByTestId('resume').click();
    await expect.poll(() => page.getByTestId('run-progress-text').textContent(), { timeout: 120_000 }).toMatch(/^Finished: [\d,]+ cells/);
    const finished = Number(
      /Finished: ([\d,]+) cells/.exec((await page.getByTestId('run-progress-text').textContent())!)![1].replace(/,/g, ''),
    );
    // The whole raster at 8 px: 78 × 75 cells, the ones kept included.
    expect(finished).toBe(78 * 75);
    expect(finished).toBeGreaterThan(kept);
    await expect.poll(() => page.getByTestId('history-run').first().textContent()).toMatch(/^finished/);
    expect(await page.getByTestId('history-run').count()).toBe(2);
    // Its results are shown, as any finished run's.
    await expect.poll(() => page.locator('[data-testid=layer-results]').count(), { timeout: 60_000 }).toBe(2);
    await expect.poll(() => page.getByTestId('status').textContent(), { timeout: 60_000 }).toMatch(/^Results: 5,850 cells/);
    await page.screenshot({ path: join(SHOTS, 'area-03-resumed.png') });
  });
});
