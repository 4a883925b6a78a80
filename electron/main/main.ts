/**
 * Electron main: windows, menu, dialogs, the app protocol, hardening, and the
 * featurizer service. No business logic: the service (electron/service) does
 * the work, the renderer shows it.
 */
import { app, BrowserWindow, dialog, Menu } from 'electron';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { handleAppCalls } from './app-calls.js';
import { hardenApp, secureWebPreferences } from './hardening.js';
import { buildMenu } from './menu.js';
import { APP_ORIGIN } from './policy.js';
import { registerAppScheme, serveRenderer } from './protocol.js';
import { startService, type ServiceHost } from './service-host.js';
import { APP_EVENT_CHANNEL } from '../../shared/ipc/channels.js';
import { SERVICE_STOPPED } from '../../shared/ipc/rpc.js';

const here = dirname(fileURLToPath(import.meta.url));
/** dist/electron/main → the package root. */
const root = join(here, '..', '..', '..');
const RENDERER_DIR = join(root, 'dist', 'renderer');
const PRELOAD = join(root, 'dist', 'preload', 'preload.cjs');
const SERVICE = join(root, 'dist', 'electron', 'service', 'main.js');

registerAppScheme();
if (!app.requestSingleInstanceLock()) app.quit();

let window: BrowserWindow | null = null;
let service: ServiceHost | null = null;

function createWindow(): void {
  window = new BrowserWindow({
    width: 1400,
    height: 900,
    minWidth: 900,
    minHeight: 600,
    title: 'RCF Desktop',
    show: false,
    webPreferences: secureWebPreferences(PRELOAD),
  });
  window.once('ready-to-show', () => window?.show());
  // A new port after every load: a reloaded page starts with a fresh connection (or learns the service stopped).
  window.webContents.on('did-finish-load', () => {
    if (window && service && !service.connect(window)) tellServiceStopped();
  });
  window.webContents.on('render-process-gone', (_e, details) => {
    dialog.showErrorBox('RCF Desktop', `The window stopped (${details.reason}); it will be reloaded.`);
    window?.reload();
  });
  window.on('closed', () => (window = null));
  void window.loadURL(`${APP_ORIGIN}/index.html`);
}

/** The window shows this and offers `restartService`. */
function tellServiceStopped(): void {
  window?.webContents.send(APP_EVENT_CHANNEL, 'serviceStopped', { message: SERVICE_STOPPED });
}

hardenApp();
app.on('second-instance', () => {
  if (window?.isMinimized()) window.restore();
  window?.focus();
});
app.whenReady().then(() => {
  serveRenderer(RENDERER_DIR);
  service = startService(SERVICE, app.getPath('userData'), (code) => {
    console.error(`rcf: the featurizer service exited unexpectedly (exit code ${code})`);
    tellServiceStopped();
  });
  handleAppCalls(() => window, {
    restartService: () => window && service?.restart(window),
    grantExport: (path, format, replace) =>
      service ? service.grantExport(path, format, replace) : Promise.reject(new Error(SERVICE_STOPPED)),
  });
  Menu.setApplicationMenu(buildMenu(() => window));
  createWindow();
  app.on('activate', () => {
    if (BrowserWindow.getAllWindows().length === 0) createWindow();
  });
});

app.on('before-quit', () => service?.stop());
app.on('window-all-closed', () => {
  if (process.platform !== 'darwin') app.quit();
});
