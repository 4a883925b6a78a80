/**
 * The panels in Chromium, on the real service: a layer's opacity slider
 * dragged with the mouse (the map shows the raster at that opacity, measured
 * from the pixels on screen), and the banner when the featurizer service
 * stops. Screenshots go to test-results/e2e/.
 */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Locator, Page } from 'playwright-core';
import { SERVICE_STOPPED } from '../../shared/ipc/rpc.js';
import { closeBrowser, dropFiles, launchApp, type AppHarness } from './harness.js';

const ROOT = join(import.meta.dirname, '..', '..');
const SAMPLE = join(ROOT, 'resources', 'sample', 'landsat8_b2-b5.tif');
const SHOTS = join(ROOT, 'test-results', 'e2e');

type Clip = { x: number; y: number; width: number; height: number };

/** The middle of the map (where the opened raster is fitted), in page pixels. */
async function mapMiddle(page: Page): Promise<Clip> {
  const box = (await page.getByTestId('map').boundingBox())!;
  return { x: Math.round(box.x + box.width * 0.35), y: Math.round(box.y + box.height * 0.35), width: 120, height: 120 };
}

/** The RGB values on screen in `clip`, once the map has stopped changing (two screenshots alike). */
async function screenPixels(page: Page, clip: Clip): Promise<number[]> {
  let previous = await page.screenshot({ clip });
  for (;;) {
    await page.evaluate(() => new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve))));
    const png = await page.screenshot({ clip });
    if (png.equals(previous)) return decodeInPage(page, png);
    previous = png;
  }
}

async function decodeInPage(page: Page, png: Buffer): Promise<number[]> {
  return page.evaluate(async (base64) => {
    const image = new Image();
    image.src = `data:image/png;base64,${base64}`;
    await image.decode();
    const canvas = document.createElement('canvas');
    canvas.width = image.width;
    canvas.height = image.height;
    const context = canvas.getContext('2d')!;
    context.drawImage(image, 0, 0);
    const rgba = context.getImageData(0, 0, image.width, image.height).data;
    return Array.from(rgba.filter((_, i) => i % 4 !== 3));
  }, png.toString('base64'));
}

/**
 * The opacity the raster is drawn with: shown = a·raster + (1 − a)·below for
 * every pixel and channel, so `a` by least squares from the raster drawn
 * opaque, the map without it, and the map now.
 */
function drawnOpacity(opaque: number[], without: number[], shown: number[]): number {
  let num = 0;
  let den = 0;
  for (let i = 0; i < shown.length; i++) {
    const d = opaque[i] - without[i];
    num += (shown[i] - without[i]) * d;
    den += d * d;
  }
  return num / den;
}

async function sliderValue(slider: Locator): Promise<number> {
  return Number(await slider.inputValue());
}

let app: AppHarness;

beforeAll(async () => {
  await mkdir(SHOTS, { recursive: true });
  app = await launchApp({ files: { 'landsat8_b2-b5.tif': SAMPLE } });
});

afterAll(async () => {
  await app?.close();
  await closeBrowser();
});

describe('the panels in Chromium', () => {
  it("drags a raster layer's opacity slider from 100 % to 20 %, and the map shows the raster at 20 %", async () => {
    const { page } = app;
    await dropFiles(page, ['landsat8_b2-b5.tif']);
    const layer = page.locator('[data-testid=layer-raster][data-layer-name="landsat8_b2-b5.tif"]');
    await expect.poll(() => layer.textContent(), { timeout: 30_000 }).toContain('preview: full resolution');
    const slider = layer.locator('.opacity input[type=range]');
    const visible = layer.locator('input[type=checkbox]');
    expect(await sliderValue(slider)).toBe(100);

    const clip = await mapMiddle(page);
    const opaque = await screenPixels(page, clip);
    await visible.uncheck();
    expect(await layer.getAttribute('data-visible')).toBe('false');
    const without = await screenPixels(page, clip);
    await visible.check();
    expect(await layer.getAttribute('data-visible')).toBe('true');
    // The raster must differ from the map under it, or the opacity could not be measured.
    expect(opaque.reduce((sum, v, i) => sum + Math.abs(v - without[i]), 0) / opaque.length).toBeGreaterThan(20);
    expect(drawnOpacity(opaque, without, await screenPixels(page, clip))).toBeCloseTo(1, 2);

    // A real drag: press on the thumb (at the right end), move left in steps (single pixels near the end), release.
    const box = (await slider.boundingBox())!;
    const y = box.y + box.height / 2;
    let x = box.x + box.width - 4;
    await page.mouse.move(x, y);
    await page.mouse.down();
    const during: number[] = [];
    for (let value = 100; value > 20 && x > box.x; value = await sliderValue(slider)) {
      x -= value > 30 ? 6 : 1;
      await page.mouse.move(x, y);
      during.push(await sliderValue(slider));
    }
    await page.mouse.up();
    // The slider followed the whole drag (it was not replaced after the first step).
    expect(during.length).toBeGreaterThan(10);
    expect(Math.abs((await sliderValue(slider)) - 20)).toBeLessThanOrEqual(2);
    const stored = Number(await layer.getAttribute('data-opacity'));
    expect(Math.abs(stored - 0.2)).toBeLessThanOrEqual(0.02);
    expect(Math.abs(stored * 100 - (await sliderValue(slider)))).toBeLessThan(0.5);

    const drawn = drawnOpacity(opaque, without, await screenPixels(page, clip));
    expect(Math.abs(drawn - 0.2)).toBeLessThanOrEqual(0.02);
    expect(Math.abs(drawn - stored)).toBeLessThanOrEqual(0.01);
    await page.screenshot({ path: join(SHOTS, 'panels-01-opacity.png') });
  });

  it('says when the featurizer service stopped, shows the run as interrupted, and restarts it', async () => {
    const { page } = app;
    const field = page.getByTestId('field-features');
    await field.fill('4096');
    await field.dispatchEvent('change');
    const cellSize = page.getByTestId('field-cellSize');
    await cellSize.fill('16');
    await cellSize.dispatchEvent('change');
    await page.getByTestId('run').click();
    await expect.poll(() => page.getByTestId('run-progress-text').textContent(), { timeout: 60_000 }).toMatch(/cells\/s/);

    // The service stops as a crash would: its port closes and main says so.
    await app.stopService();
    const banner = page.getByTestId('message-error').filter({ hasText: 'The featurizer service stopped.' });
    await banner.waitFor();
    expect(await banner.count()).toBe(1);
    expect(await banner.locator('span').textContent()).toBe(SERVICE_STOPPED);
    await expect.poll(() => page.getByTestId('run-progress-text').textContent()).toMatch(/^interrupted/);
    expect(await page.getByTestId('run').isEnabled()).toBe(true);
    expect(await page.getByTestId('cancel').isEnabled()).toBe(false);
    // Progress of the run that was going no longer moves the bar.
    const text = await page.getByTestId('run-progress-text').textContent();
    await page.waitForTimeout(500);
    expect(await page.getByTestId('run-progress-text').textContent()).toBe(text);
    await page.screenshot({ path: join(SHOTS, 'panels-02-service-stopped.png') });

    const starts = app.serviceStarts();
    await banner.getByRole('button', { name: 'Restart' }).click();
    await expect.poll(() => banner.count()).toBe(0);
    expect(app.serviceStarts()).toBe(starts + 1);
    // The new service answers: the history lists the interrupted run.
    await expect.poll(() => page.locator('[data-testid=history-run]').count(), { timeout: 30_000 }).toBeGreaterThan(0);
    await page.screenshot({ path: join(SHOTS, 'panels-03-restarted.png') });
  });

  it('never touched the network and raised no page errors', () => {
    expect(app.outsideRequests).toEqual([]);
    expect(app.pageErrors).toEqual([]);
  });
});
