/**
 * The app's own protocol, `app://rcf/`, instead of file://: pages get a real
 * origin (so the CSP and sender checks mean something), and only files of the
 * built renderer folder can be read through it.
 */
import { net, protocol } from 'electron';
import { extname, join, normalize, sep } from 'node:path';
import { pathToFileURL } from 'node:url';
import { APP_SCHEME, contentSecurityPolicy } from './policy.js';

/** Must run before the app is ready. */
export function registerAppScheme(): void {
  protocol.registerSchemesAsPrivileged([{ scheme: APP_SCHEME, privileges: { standard: true, secure: true, supportFetchAPI: true } }]);
}

const TYPES: Record<string, string> = {
  '.html': 'text/html',
  '.js': 'text/javascript',
  '.css': 'text/css',
  '.json': 'application/json',
  '.png': 'image/png',
  '.svg': 'image/svg+xml',
  '.woff2': 'font/woff2',
};

/** Serves `root` (the built renderer) under app://rcf/; anything outside it is a 404. */
export function serveRenderer(root: string): void {
  const base = normalize(root) + sep;
  protocol.handle(APP_SCHEME, async (request) => {
    const url = new URL(request.url);
    if (url.host !== 'rcf') return new Response('not found', { status: 404 });
    const relative = decodeURIComponent(url.pathname === '/' ? '/index.html' : url.pathname);
    const file = normalize(join(root, relative));
    if (!file.startsWith(base)) return new Response('not found', { status: 404 });
    const response = await net.fetch(pathToFileURL(file).toString()).catch(() => null);
    if (!response || !response.ok) return new Response('not found', { status: 404 });
    const headers = new Headers({ 'content-type': TYPES[extname(file)] ?? 'application/octet-stream', 'x-content-type-options': 'nosniff' });
    if (extname(file) === '.html') headers.set('content-security-policy', contentSecurityPolicy());
    return new Response(response.body, { status: 200, headers });
  });
}
