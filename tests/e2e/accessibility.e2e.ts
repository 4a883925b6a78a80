/**
 * An accessibility audit (axe-core, WCAG 2.0/2.1 A and AA) of the main
 * screens: at the start, with a raster loaded, and with results shown. No
 * critical or serious violation may remain (issue 12, Must 11).
 */
import { readFileSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { closeBrowser, dropFiles, launchApp, setField, type AppHarness } from './harness.js';

const ROOT = join(import.meta.dirname, '..', '..');
const SAMPLE = join(ROOT, 'resources', 'sample', 'landsat8_b2-b5.tif');
const SHOTS = join(ROOT, 'test-results', 'e2e');
const AXE_SOURCE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

interface Violation {
  id: string;
  impact: string;
  help: string;
  nodes: string[];
}

/** The critical and serious violations on the page now, each with the elements it concerns. */
async function audit(page: Page): Promise<Violation[]> {
  if (process.env.RCF_AXE_DUMP) process.stderr.write('');
  // Evaluated through the debugger protocol, which the app's content security policy (rightly) does not let a script tag do.
  await page.evaluate(AXE_SOURCE);
  return page
    .evaluate(async () => {
      type Axe = {
        run(
          context: Document,
          options: object,
        ): Promise<{ violations: { id: string; impact: string; help: string; nodes: { target: string[] }[] }[] }>;
      };
      const axe = (window as unknown as { axe: Axe }).axe;
      const result = await axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] } });
      return result.violations
        .filter((v) => v.impact === 'critical' || v.impact === 'serious')
        .map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map((n) => n.target.join(' ')) }));
    })
    .then((violations) => {
      for (const v of violations) console.log(`${v.impact} ${v.id}: ${v.help}\n  ${v.nodes.join('\n  ')}`);
      return violations;
    });
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

describe('accessibility (axe-core)', () => {
  it('the start screen', async () => {
    await app.page.waitForSelector('canvas');
    expect(await audit(app.page)).toEqual([]);
  });

  it('a raster loaded', async () => {
    const { page } = app;
    await dropFiles(page, ['landsat8_b2-b5.tif']);
    await page.locator('[data-testid=layer-raster]', { hasText: 'preview: full resolution' }).waitFor({ timeout: 30_000 });
    expect(await audit(page)).toEqual([]);
  });

  it('results shown', async () => {
    const { page } = app;
    for (const [key, value] of [
      ['features', '16'],
      ['cellSize', '128'],
      ['scale', '0.0001'],
    ]) {
      await setField(page, key, value);
    }
    await page.getByTestId('run').click();
    await page.locator('[data-testid=layer-results]').waitFor({ timeout: 120_000 });
    expect(await audit(page)).toEqual([]);
  });
});
