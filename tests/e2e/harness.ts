/**
 * Runs the built renderer in Debian's Chromium (playwright-core), with
 * `window.rcf` backed by the real service code: the test preload
 * (bridge/bridge.ts) talks to createService() over Playwright bindings, the
 * way the Electron preload talks to the utility process over a MessagePort.
 *
 * The renderer is served from a test origin by request interception, under
 * the app's own headers and CSP. Every request outside that origin is aborted and
 * recorded, so a test can fail on any network use.
 *
 * `stopService()` stops the service as a crash would (the window's port closes,
 * main sends `serviceStopped`); the renderer's `restartService` call starts a new
 * one on the same data folder, as Electron main does.
 */
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join, normalize } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { build } from 'vite';
import { createService, type Service } from '../../electron/service/service.js';
import { serveRpc, SERVICE_STOPPED } from '../../shared/ipc/rpc.js';
import { outcomeOf } from '../../shared/ipc/api.js';
import {
  appCalls,
  isAppCall,
  type AppCallName,
  type AppEventName,
  type CallResponse,
  type EventPayload,
} from '../../shared/ipc/contract.js';
import { rendererFile, rendererHeaders } from '../../electron/main/policy.js';
import { decode, encode } from './bridge/codec.js';

export const TEST_ORIGIN = 'https://rcf-desktop.test';
const ROOT = normalize(join(import.meta.dirname, '..', '..'));
const RENDERER = join(ROOT, 'dist', 'renderer');
const BRIDGE = join(ROOT, 'tests', '.generated', 'e2e', 'bridge.js');
export const CHROMIUM = process.env.RCF_CHROMIUM ?? '/usr/bin/chromium';

/** The test preload as one browser script. */
async function buildBridge(): Promise<void> {
  await build({
    configFile: false,
    logLevel: 'warn',
    build: {
      outDir: join(ROOT, 'tests', '.generated', 'e2e'),
      emptyOutDir: true,
      minify: false,
      target: 'chrome130',
      lib: { entry: join(ROOT, 'tests', 'e2e', 'bridge', 'bridge.ts'), formats: ['iife'], name: 'rcfBridge', fileName: () => 'bridge.js' },
    },
  });
}

/** The app calls that open a native dialog (the rest the harness answers itself). */
type DialogName = Exclude<AppCallName, 'restartService'>;
/** What each dialog answers; the save dialog answers a path, which the harness grants the service as main does. */
type DialogAnswer<N extends DialogName> = N extends 'chooseExportPath' ? { path: string | null } : CallResponse<N>;
type DialogAnswers = { [N in DialogName]?: DialogAnswer<N>[] };

/** The test window's hooks into its bridge (bridge/bridge.ts). */
interface BridgeWindow {
  __rcfDeliver(message: unknown): void;
  __rcfServiceClosed(): void;
  __rcfServiceConnect(): void;
  __rcfAppEvent(name: string, payload: unknown): void;
}

export interface AppHarness {
  page: Page;
  dataDir: string;
  /** Requests that tried to leave the app's origin. */
  outsideRequests: string[];
  /** Console errors and page errors. */
  pageErrors: string[];
  /** Queues the answer the next native dialog of that kind gives. */
  answerDialog<N extends DialogName>(name: N, answer: DialogAnswer<N>): void;
  /**
   * Stops the service as if it had crashed: its in-flight handlers are aborted and
   * its later messages dropped, the window's port closes (pending and later calls
   * reject as 'disconnected'), and the window gets `serviceStopped`. The renderer's
   * `restartService({})` then starts a new service on the same data folder.
   */
  stopService(): Promise<void>;
  /** How many services were started: 1, plus one per restartService. */
  serviceStarts(): number;
  /** Sends an event from Electron main (a menu command, the service stopping) to the page. */
  emitAppEvent<E extends AppEventName>(name: E, payload: EventPayload<E>): Promise<void>;
  close(): Promise<void>;
}

let browser: Browser | null = null;

/** The window size: 1400×900, or RCF_E2E_VIEWPORT=WxH (e.g. 1366x768, 1920x1080) to look at the screens at another size. */
function viewport(): { width: number; height: number } {
  const m = /^(\d+)x(\d+)$/.exec(process.env.RCF_E2E_VIEWPORT ?? '');
  return m ? { width: Number(m[1]), height: Number(m[2]) } : { width: 1400, height: 900 };
}
/** Built once per test process from the current sources (a bridge left from an earlier checkout would test old code). */
let bridge: Promise<void> | null = null;

export async function launchApp(options: { files?: Record<string, string> } = {}): Promise<AppHarness> {
  if (!existsSync(join(RENDERER, 'index.html'))) throw new Error('dist/renderer is missing: run `npm run build:app` first');
  await (bridge ??= buildBridge());
  browser ??= await chromium.launch({ executablePath: CHROMIUM, args: ['--use-angle=swiftshader', '--enable-unsafe-swiftshader'] });
  const context: BrowserContext = await browser.newContext({ viewport: viewport(), deviceScaleFactor: 1 });
  const outsideRequests: string[] = [];
  const pageErrors: string[] = [];
  await context.route('**/*', async (route) => {
    const url = route.request().url();
    if (!url.startsWith(`${TEST_ORIGIN}/`)) {
      outsideRequests.push(url);
      return route.abort('blockedbyclient');
    }
    const file = rendererFile(RENDERER, new URL(url).pathname);
    if (!file || !existsSync(file)) return route.fulfill({ status: 404, body: 'not found' });
    return route.fulfill({ status: 200, headers: rendererHeaders(file, TEST_ORIGIN), body: await readFile(file) });
  });
  // WebSockets bypass route(); any attempt is a failure too.
  context.on('request', (request) => {
    if (!request.url().startsWith(`${TEST_ORIGIN}/`) && !request.url().startsWith('blob:') && !request.url().startsWith('data:')) {
      if (!outsideRequests.includes(request.url())) outsideRequests.push(request.url());
    }
  });

  const page = await context.newPage();
  page.on('pageerror', (error) => pageErrors.push(error.message));
  page.on('console', (message) => {
    if (message.type() === 'error') pageErrors.push(message.text());
  });

  const dataDir = await mkdtemp(join(tmpdir(), 'rcf-e2e-'));
  await mkdir(dataDir, { recursive: true });

  /** The running service and its end of the window's port; null once stopped. */
  let current: { service: Service; receive(message: unknown): void; close(): void } | null = null;
  let starts = 0;
  const startService = () => {
    let toService: (message: unknown) => void = () => {};
    let closed = () => {};
    // Events reach the page through the same port as call results; nothing does once this service is stopped.
    const service = createService({ dataDir, emit: (event, payload) => relay.emit(event, payload) });
    const relay = serveRpc(
      {
        post: (message) => {
          if (current?.service !== service) return;
          void page.evaluate((m) => (window as unknown as BridgeWindow).__rcfDeliver(m), encode(message)).catch(() => {});
        },
        listen: (onMessage) => (toService = onMessage),
        onClose: (listener) => (closed = listener),
      },
      service.handlers,
    );
    starts++;
    current = { service, receive: (message) => toService(message), close: () => closed() };
  };
  /** Ends the current service, if any: its port closes at both ends, and its runs are cancelled. */
  const dropService = async () => {
    const stopping = current;
    current = null;
    if (!stopping) return;
    stopping.close();
    await page.evaluate(() => (window as unknown as BridgeWindow).__rcfServiceClosed()).catch(() => {});
    await stopping.service.close();
  };
  startService();
  await page.exposeBinding('__rcfServicePost', (_source, message: unknown) => current?.receive(decode(message)));

  const answers: DialogAnswers = {};
  // As Electron main: a new service in place of the old one, and a new port to it for the window.
  const restartService = async () => {
    await dropService();
    startService();
    await page.evaluate(() => (window as unknown as BridgeWindow).__rcfServiceConnect());
    return {};
  };
  // As Electron main, the answer is the call's outcome (electron/main/app-calls.ts).
  await page.exposeBinding('__rcfAppCall', (_source, name: string, request: unknown) =>
    outcomeOf(
      (async () => {
        if (!isAppCall(name)) throw new Error(`unknown app call ${name}`);
        appCalls[name].request.parse(request);
        if (name === 'restartService') return restartService();
        const queued = answers[name]?.shift();
        if (queued === undefined) throw new Error(`the test did not expect the dialog ${name}`);
        if (name !== 'chooseExportPath') return queued;
        // As Electron main: the service gets the chosen path, the window a token for it.
        const { path } = queued as { path: string | null };
        if (path === null) return { token: null, name: null };
        const token = randomBytes(18).toString('base64url');
        const { format } = request as { format: 'csv' | 'gpkg' };
        current?.service.grantExport({ kind: 'grant-export', token, path, format, replace: existsSync(path) });
        return { token, name: basename(path) };
      })(),
    ),
  );
  await page.addInitScript((files) => {
    (window as unknown as { __rcfFilePaths: Record<string, string> }).__rcfFilePaths = files;
  }, options.files ?? {});
  await page.addInitScript({ path: BRIDGE });
  await page.goto(`${TEST_ORIGIN}/index.html`);

  return {
    page,
    dataDir,
    outsideRequests,
    pageErrors,
    answerDialog(name, answer) {
      ((answers[name] ??= []) as unknown[]).push(answer);
    },
    async emitAppEvent(name, payload) {
      // The test preload's entry for events from main (tests/e2e/bridge/bridge.ts).
      type AppEventEntry = { __rcfAppEvent(name: string, payload: unknown): void };
      await page.evaluate(([n, p]) => (window as unknown as AppEventEntry).__rcfAppEvent(n, p), [name, payload] as const);
    },
    async stopService() {
      await dropService();
      const stopped = { message: SERVICE_STOPPED };
      await page.evaluate((payload) => (window as unknown as BridgeWindow).__rcfAppEvent('serviceStopped', payload), stopped);
    },
    serviceStarts: () => starts,
    async close() {
      await current?.service.close();
      await context.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

export async function closeBrowser(): Promise<void> {
  await browser?.close();
  browser = null;
}

/** Drops files (by name; the harness maps names to paths) onto the map, as a user dragging them from a file manager. */
/** Types `value` into the run form's field `key` and commits it, as leaving the field does. */
export async function setField(page: Page, key: string, value: string): Promise<void> {
  const input = page.getByTestId(`field-${key}`);
  await input.fill(value);
  await input.dispatchEvent('change');
}

/** A point of the map element, as fractions of its size, in page pixels. */
export async function mapPoint(page: Page, fx: number, fy: number): Promise<{ x: number; y: number }> {
  const box = (await page.getByTestId('map').boundingBox())!;
  return { x: box.x + box.width * fx, y: box.y + box.height * fy };
}

export async function dropFiles(page: Page, names: string[]): Promise<void> {
  await page.evaluate((fileNames) => {
    const transfer = new DataTransfer();
    for (const name of fileNames) transfer.items.add(new File([new Uint8Array([0])], name));
    const target = document.getElementById('map')!;
    target.dispatchEvent(new DragEvent('dragover', { dataTransfer: transfer, bubbles: true, cancelable: true }));
    target.dispatchEvent(new DragEvent('drop', { dataTransfer: transfer, bubbles: true, cancelable: true }));
  }, names);
}
