/**
 * The app's own protocol, `app://rcf/`, instead of file://: pages get a real
 * origin (so the CSP and sender checks mean something), and only files of the
 * built renderer folder can be read through it.
 */
import { net, protocol } from 'electron';
import { pathToFileURL } from 'node:url';
import { APP_SCHEME, appRequestFile, rendererHeaders } from './policy.js';

/** Must run before the app is ready. */
export function registerAppScheme(): void {
  protocol.registerSchemesAsPrivileged([{ scheme: APP_SCHEME, privileges: { standard: true, secure: true, supportFetchAPI: true } }]);
}

/** Serves `root` (the built renderer) under app://rcf/; anything outside it is a 404. */
export function serveRenderer(root: string): void {
  protocol.handle(APP_SCHEME, async (request) => {
    const file = appRequestFile(root, request.url);
    if (!file) return new Response('not found', { status: 404 });
    const response = await net.fetch(pathToFileURL(file).toString()).catch(() => null);
    if (!response || !response.ok) return new Response('not found', { status: 404 });
    return new Response(response.body, { status: 200, headers: rendererHeaders(file) });
  });
}
