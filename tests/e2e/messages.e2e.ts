/**
 * Messages do not pile up over the map: at most three at once, newest on
 * top; every message, dismissed or pushed out, stays in the message log
 * behind the header's Messages button, which counts unread errors and
 * warnings (issue 12: "Messages pile up").
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeBrowser, dropFiles, launchApp, type AppHarness } from './harness.js';

const ROOT = join(import.meta.dirname, '..', '..');
const SHOTS = join(ROOT, 'test-results', 'e2e');
const work = mkdtempSync(join(tmpdir(), 'rcf-e2e-messages-'));
const BAD = ['a.tif', 'b.tif', 'c.tif', 'd.tif', 'e.tif'];

let app: AppHarness;

beforeAll(async () => {
  await mkdir(SHOTS, { recursive: true });
  for (const name of BAD) await writeFile(join(work, name), `not a raster: ${name}\n`);
  app = await launchApp({ files: Object.fromEntries(BAD.map((name) => [name, join(work, name)])) });
});

afterAll(async () => {
  await app?.close();
  await closeBrowser();
});

describe('messages', () => {
  it('five refused files: three on the map, five in the log, the button counts them', async () => {
    const { page } = app;
    for (const name of BAD) {
      await dropFiles(page, [name]);
      await page.getByTestId('message-error').filter({ hasText: name }).waitFor({ timeout: 30_000 });
    }
    const shown = page.getByTestId('message-error');
    expect(await shown.count()).toBe(3);
    expect(await shown.first().textContent()).toContain('e.tif');
    const bell = page.getByTestId('message-log-button');
    expect(await bell.textContent()).toBe('Messages (5)');

    await shown
      .first()
      .getByTitle(/^Dismiss/)
      .click();
    expect(await shown.count()).toBe(2);
    await bell.click();
    const logged = page.getByTestId('logged-message');
    expect(await logged.count()).toBe(5);
    expect(await logged.first().textContent()).toContain('e.tif');
    expect(await logged.last().textContent()).toContain('a.tif');
    expect(await bell.textContent()).toBe('Messages');
    await page.screenshot({ path: join(SHOTS, 'messages-log.png') });
    await bell.click();
    expect(await page.getByTestId('message-log').isHidden()).toBe(true);
  });
});
