/**
 * The harness's stop and restart of the service, through `window.rcf` as the
 * preload exposes it (each call resolves to its outcome): after stopService()
 * every call fails with the one 'service stopped' message, of the kind
 * 'disconnected', and the window hears `serviceStopped`; after the
 * renderer's restartService() calls reach a new service, and event listeners
 * subscribed before the stop hear it.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BridgedRcfApi } from '../../shared/ipc/api.js';
import type { RunSettingsInput } from '../../shared/ipc/contract.js';
import { SERVICE_STOPPED } from '../../shared/ipc/rpc.js';
import { closeBrowser, launchApp, type AppHarness } from './harness.js';

const SAMPLE = join(import.meta.dirname, '..', '..', 'resources', 'sample', 'landsat8_b2-b5.tif');

interface PageState {
  rcf: BridgedRcfApi;
  stopped: string[];
  ended: string[];
}

let app: AppHarness;

beforeAll(async () => {
  app = await launchApp();
  await app.page.evaluate(() => {
    const page = window as unknown as PageState;
    page.stopped = [];
    page.ended = [];
    page.rcf.on('serviceStopped', ({ message }) => page.stopped.push(message));
    page.rcf.on('ended', (run) => page.ended.push(`${run.id} ${run.state}`));
  });
});

afterAll(async () => {
  await app?.close();
  await closeBrowser();
});

describe('stopping and restarting the service (e2e harness)', () => {
  it('a stopped service: the window is told, and calls reject with the one message', async () => {
    const { page } = app;
    expect(await page.evaluate(() => (window as unknown as PageState).rcf.history({}))).toEqual({ ok: true, value: { runs: [] } });
    await app.stopService();
    expect(await page.evaluate(() => (window as unknown as PageState).stopped)).toEqual([SERVICE_STOPPED]);
    const failure = await page.evaluate(() => (window as unknown as PageState).rcf.history({}));
    expect(failure).toEqual({ ok: false, message: SERVICE_STOPPED, kind: 'disconnected' });
  });

  it('restartService starts a new service: calls and events work again', async () => {
    const { page } = app;
    await page.evaluate(() => (window as unknown as PageState).rcf.restartService({}));
    expect(app.serviceStarts()).toBe(2);
    const settings: RunSettingsInput = { inputs: [SAMPLE], features: 16, scale: 0.0001, cellSize: '128', backend: 'cpu', threads: 1 };
    const runId = await page.evaluate(
      (s) => (window as unknown as PageState).rcf.startRun({ settings: s }).then((r) => r.ok && r.value.runId),
      settings,
    );
    await expect
      .poll(() => page.evaluate(() => (window as unknown as PageState).ended), { timeout: 60_000 })
      .toEqual([`${runId} finished`]);
    const runs = await page.evaluate(() =>
      (window as unknown as PageState).rcf.history({}).then((h) => h.ok && h.value.runs.map((r) => r.state)),
    );
    expect(runs).toEqual(['finished']);
  });
});
