/**
 * Starts the real Electron app with Playwright's `_electron` and checks the
 * window, the bridge and the hardening. Electron downloads its binary on first
 * use; where that is impossible (offline CI) the test is skipped and says so.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { _electron as electron } from 'playwright-core';
import type { BridgedRcfApi } from '../../shared/ipc/api.js';

const ROOT = join(import.meta.dirname, '..', '..');
const ELECTRON_DIR = join(ROOT, 'node_modules', 'electron');

/** The binary, without triggering the download that `require('electron')` would start. */
function electronBinary(): string | null {
  const pathFile = join(ELECTRON_DIR, 'path.txt');
  if (!existsSync(pathFile)) return null;
  const binary = join(ELECTRON_DIR, 'dist', readFileSync(pathFile, 'utf8').trim());
  return existsSync(binary) ? binary : null;
}

const binary = electronBinary();
if (!binary)
  console.warn(
    'SKIPPED: the Electron smoke test: no Electron binary in node_modules/electron ' +
      '(it is downloaded on first use, which needs the internet)',
  );

describe.skipIf(!binary)('the Electron app', () => {
  it('opens a sandboxed window on app://rcf with window.rcf and a working service', async () => {
    const app = await electron.launch({
      executablePath: binary!,
      args: [ROOT, '--no-sandbox'],
      env: { ...process.env, ELECTRON_ENABLE_LOGGING: '1' },
    });
    try {
      const window = await app.firstWindow();
      await window.waitForLoadState('domcontentloaded');
      expect(window.url()).toBe('app://rcf/index.html');
      expect(await window.title()).toBe('RCF Desktop');
      // The bridge exists; Node and ipcRenderer do not.
      expect(await window.evaluate(() => typeof (window as unknown as { rcf?: object }).rcf)).toBe('object');
      expect(await window.evaluate(() => typeof (globalThis as unknown as { require?: unknown }).require)).toBe('undefined');
      const history = await window.evaluate(() => (window as unknown as { rcf: BridgedRcfApi }).rcf.history({}));
      expect(history.ok && Array.isArray(history.value.runs)).toBe(true);
      // Navigation away from the app is refused.
      await window.evaluate(() => (location.href = 'https://example.com/'));
      await new Promise((r) => setTimeout(r, 500));
      expect(window.url()).toBe('app://rcf/index.html');
    } finally {
      await app.close();
    }
  });
});
