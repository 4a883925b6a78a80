/**
 * Every security rule of the app in one place (Electron's security checklist):
 * the window's web preferences, the content security policy, and what any web
 * contents may do (navigate, open windows, attach webviews, ask permissions).
 */
import { app, session, type WebPreferences } from 'electron';
import { isAppUrl } from './policy.js';

/** Sandboxed, isolated, no Node: the renderer reaches the app only through the preload's `window.rcf`. */
export function secureWebPreferences(preload: string): WebPreferences {
  return {
    preload,
    sandbox: true,
    contextIsolation: true,
    nodeIntegration: false,
    nodeIntegrationInWorker: false,
    nodeIntegrationInSubFrames: false,
    webSecurity: true,
    allowRunningInsecureContent: false,
    experimentalFeatures: false,
    webviewTag: false,
    navigateOnDragDrop: false,
    spellcheck: false,
  };
}

/** Applies the rules to every web contents the app will ever create; call once, before any window. */
export function hardenApp(): void {
  app.on('web-contents-created', (_event, contents) => {
    contents.on('will-navigate', (event, url) => {
      if (!isAppUrl(url)) event.preventDefault();
    });
    contents.on('will-redirect', (event, url) => {
      if (!isAppUrl(url)) event.preventDefault();
    });
    contents.on('will-attach-webview', (event) => event.preventDefault());
    contents.setWindowOpenHandler(() => ({ action: 'deny' }));
  });
  // The app needs no permission (camera, geolocation, notifications...).
  session.defaultSession.setPermissionRequestHandler((_contents, _permission, callback) => callback(false));
  session.defaultSession.setPermissionCheckHandler(() => false);
  // Nothing leaves the machine: any request outside the app's protocol is cancelled.
  session.defaultSession.webRequest.onBeforeRequest((details, callback) => {
    const allowed =
      isAppUrl(details.url) || details.url.startsWith('blob:') || details.url.startsWith('data:') || details.url.startsWith('devtools:');
    callback({ cancel: !allowed });
  });
}
