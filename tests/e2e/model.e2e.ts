/**
 * The Model step end to end in Chromium, on the real service: featurize the
 * sample → labels (points made at test time from the run's cells, with a value
 * that is a known function of the cell) on the map → the folds → fit with
 * progress → the prediction layer, its legend and charts → a clicked cell →
 * exports, which must equal what `rcf predict` writes from the exported model;
 * the score shown must be the model file's. Screenshots go to test-results/e2e/.
 */
import { execFileSync } from 'node:child_process';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { closeBrowser, dropFiles, launchApp, mapPoint, setField, type AppHarness } from './harness.js';

const ROOT = join(import.meta.dirname, '..', '..');
const SAMPLE = join(ROOT, 'resources', 'sample', 'landsat8_b2-b5.tif');
const RCF = join(ROOT, 'dist', 'electron', 'cli', 'rcf.js');
const SHOTS = join(ROOT, 'test-results', 'e2e');
const work = mkdtempSync(join(tmpdir(), 'rcf-e2e-model-'));
const LABELS = join(work, 'villages.csv');

async function shot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: join(SHOTS, `${name}.png`) });
}

/** Points at every cell's centre: `value` is a known linear function of the cell's features, `side` its half of the scene. */
async function writeLabels(featuresCsv: string): Promise<void> {
  const [head, ...rows] = (await readFile(featuresCsv, 'utf8')).trimEnd().split('\n');
  const header = head.split(',');
  const at = (name: string) => header.indexOf(name);
  const lines = ['id,lon,lat,value,side'];
  rows.forEach((line, i) => {
    const row = line.split(',');
    // Plus a little deterministic noise, as survey values have: the fit is good, not exact.
    const noise = (((i * 7919) % 101) / 101 - 0.5) * 8;
    const value = 10 * Number(row[at('f0')]) - 4 * Number(row[at('f1')]) + 2 + noise;
    lines.push(`${i},${row[at('lon')]},${row[at('lat')]},${value},${Number(row[at('col')]) < 4 ? 'west' : 'east'}`);
  });
  await writeFile(LABELS, lines.join('\n') + '\n');
}

/** Picks an option of one of the Model panel's selects. */
async function choose(page: Page, key: string, value: string): Promise<void> {
  await page.getByTestId(`fit-field-${key}`).selectOption(value);
}

async function fitField(page: Page, key: string, value: string): Promise<void> {
  const input = page.getByTestId(`fit-field-${key}`);
  await input.fill(value);
  await input.dispatchEvent('change');
}

let app: AppHarness;
let runId: string;

beforeAll(async () => {
  await mkdir(SHOTS, { recursive: true });
  app = await launchApp({ files: { 'landsat8_b2-b5.tif': SAMPLE } });
});

afterAll(async () => {
  await app?.close();
  await closeBrowser();
});

describe('the Model step in Chromium', () => {
  it('featurizes the sample, then opens the labels as points coloured by value', async () => {
    const { page } = app;
    await page.waitForSelector('canvas');
    await dropFiles(page, ['landsat8_b2-b5.tif']);
    await page.locator('[data-testid=layer-raster]').waitFor();
    await setField(page, 'features', '16');
    await setField(page, 'cellSize', '64');
    await setField(page, 'scale', '0.0001');
    await page.getByTestId('run').click();
    await expect.poll(() => page.getByTestId('run-progress-text').textContent(), { timeout: 120_000 }).toMatch(/^Finished: 81 cells/);
    runId = (await page.getByTestId('history-run').first().getAttribute('data-run-id'))!;
    await writeLabels(join(app.dataDir, 'runs', runId, 'features.csv'));

    await page.getByTestId('tab-model').click();
    app.answerDialog('chooseLabels', { path: LABELS });
    await page.getByTestId('choose-labels').click();
    await page.locator('[data-testid=layer-labels]').waitFor({ timeout: 30_000 });
    // The first column that is not an id is the target; the others can be picked.
    expect(await page.getByTestId('fit-field-target').inputValue()).toBe('value');
    expect(await page.getByTestId('labels-info').textContent()).toBe('81 points of 81 read; value: numbers');
    expect(await page.getByTestId('prediction-legend').textContent()).toMatch(/^Labels: value\d/);
    await shot(page, '12-model-labels');
  });

  it('draws the spatial folds on the training cells', async () => {
    const { page } = app;
    await choose(page, 'cv', 'blocks');
    await fitField(page, 'blockSize', '6 km');
    await fitField(page, 'folds', '3');
    await page.getByTestId('show-folds').click();
    await expect
      .poll(() => page.getByTestId('folds-info').textContent(), { timeout: 30_000 })
      .toContain('Folds: 81 training rows in 3 folds, drawn on their cells');
    expect(await page.getByTestId('fold-key').locator('.swatch').count()).toBe(3);
    await page.locator('[data-testid=layer-folds]').waitFor();
    await shot(page, '13-model-folds');
  });

  it('fits with progress, then shows the prediction with its legend, λ curve and observed-versus-predicted chart', async () => {
    const { page } = app;
    await page.getByTestId('fit').click();
    await expect.poll(() => page.getByTestId('fit-progress-text').textContent(), { timeout: 120_000 }).toMatch(/^Finished: blocks R²/);
    await page.locator('[data-testid=layer-prediction]').waitFor();
    expect(await page.locator('[data-testid=layer-folds]').count()).toBe(0);
    await page.getByTestId('lambda-curve').waitFor();
    await page.getByTestId('scatter').waitFor();
    expect(await page.getByTestId('scatter').locator('circle').count()).toBe(81);
    await expect.poll(() => page.getByTestId('prediction-legend').isVisible()).toBe(true);
    expect(await page.getByTestId('prediction-legend').textContent()).toContain('Predicted value');
    expect(await page.getByTestId('fit-score-random').textContent()).toMatch(/^beside it, random k-fold: R² \d\.\d{3}$/);
    await shot(page, '14-model-fit');
  });

  it("shows a clicked cell's observed and predicted values", async () => {
    const { page } = app;
    const centre = await mapPoint(page, 0.45, 0.5);
    await page.mouse.click(centre.x, centre.y);
    await expect.poll(() => page.getByTestId('prediction-cell-predicted').textContent(), { timeout: 30_000 }).toMatch(/^predicted -?\d/);
    expect(await page.getByTestId('prediction-cell-observed').textContent()).toMatch(/^observed -?\d/);
    await page.getByTestId('prediction-cell').scrollIntoViewIfNeeded();
    await shot(page, '15-model-cell');
  });

  it('exports the model and the prediction: `rcf predict` on the exported model writes the same prediction', async () => {
    const { page } = app;
    const model = join(work, 'model.json');
    app.answerDialog('chooseExportPath', { path: model });
    await page.getByTestId('export-fit-json').click();
    await expect.poll(() => page.getByTestId('message-info').first().textContent(), { timeout: 30_000 }).toContain(`to ${model}`);
    const exported = join(work, 'prediction.csv');
    app.answerDialog('chooseExportPath', { path: exported });
    await page.getByTestId('export-fit-csv').click();
    await expect.poll(() => page.getByTestId('message-info').first().textContent(), { timeout: 30_000 }).toContain(`to ${exported}`);
    const tif = join(work, 'prediction.tif');
    app.answerDialog('chooseExportPath', { path: tif });
    await page.getByTestId('export-fit-tif').click();
    await expect.poll(() => page.getByTestId('message-info').first().textContent(), { timeout: 30_000 }).toContain(`to ${tif}`);

    const features = join(app.dataDir, 'runs', runId, 'features.csv');
    const cli = join(work, 'cli-prediction.csv');
    execFileSync(process.execPath, [RCF, 'predict', features, '--model', model, '--out', cli], { stdio: 'pipe' });
    expect(await readFile(exported, 'utf8')).toBe(await readFile(cli, 'utf8'));
    // The score the panel and the history show is the model file's pooled out-of-fold R² at its λ.
    const file = JSON.parse(await readFile(model, 'utf8'));
    const r2 = (file.validation.pooled[0].r2 as number).toFixed(3);
    expect(await page.getByTestId('fit-score').textContent()).toContain(`blocks R² ${r2}`);
    expect(await page.getByTestId('history-fit').first().textContent()).toContain(`blocks R² ${r2}`);
    expect(Number(r2)).toBeGreaterThan(0.6);
    expect(Number(r2)).toBeLessThan(0.99);
    // The history's command is `rcf fit` for these files and settings.
    const command = (await page.getByTestId('fit-command').first().textContent())!;
    const fitId = (await page.getByTestId('history-fit').first().getAttribute('data-fit-id'))!;
    expect(command.startsWith(`rcf fit ${features} --labels ${LABELS} --target value `)).toBe(true);
    expect(command.endsWith(` --out ${join(app.dataDir, 'fits', fitId, 'model.json')}`)).toBe(true);
    // Copied into a shell (with another --out), it writes the same model.
    const again = join(work, 'again.json');
    const shell = command.replace(/^rcf /, `'${process.execPath}' '${RCF}' `).replace(/ --out \S+$/, ` --out '${again}'`);
    execFileSync('bash', ['-c', shell], { stdio: 'pipe' });
    expect({ ...JSON.parse(await readFile(again, 'utf8')), created: null }).toEqual({ ...file, created: null });
    await shot(page, '16-model-exported');
  });

  it('fits a classifier on the class column and draws its confusion matrix and class legend', async () => {
    const { page } = app;
    await choose(page, 'target', 'side');
    await choose(page, 'model', 'logistic');
    await choose(page, 'cv', 'kfold');
    await page.getByTestId('fit').click();
    await expect.poll(() => page.getByTestId('fit-progress-text').textContent(), { timeout: 120_000 }).toMatch(/^Finished: kfold accuracy/);
    await page.getByTestId('confusion').waitFor();
    await expect.poll(() => page.getByTestId('prediction-legend').textContent()).toContain('Predicted side');
    expect(await page.getByTestId('prediction-legend').textContent()).toContain('east');
    expect(await page.locator('[data-testid=history-fit]').count()).toBe(2);
    await shot(page, '17-model-classes');
  });

  it('never touched the network and raised no page errors', () => {
    expect(app.outsideRequests).toEqual([]);
    expect(app.pageErrors).toEqual([]);
  });
});
