/**
 * The app's origin, its content security policy and how renderer files are
 * served, without Electron imports so the end-to-end tests serve the renderer
 * exactly as the app protocol does.
 */
import { extname, join, normalize, sep } from 'node:path';

export const APP_SCHEME = 'app';
export const APP_ORIGIN = `${APP_SCHEME}://rcf`;

/**
 * Only the app's own origin: scripts and styles from it, images from it and
 * from blob:/data: URLs the renderer makes (raster previews), no network at all.
 */
export function contentSecurityPolicy(origin: string = APP_ORIGIN): string {
  return [
    "default-src 'none'",
    `script-src ${origin}`,
    // OpenLayers sets element styles; no style sheets from elsewhere.
    `style-src ${origin} 'unsafe-inline'`,
    `img-src ${origin} blob: data:`,
    `font-src ${origin}`,
    `connect-src ${origin}`,
    `worker-src ${origin} blob:`,
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
}

/**
 * True for the app's own pages. Not by `URL.origin`: Node's WHATWG URL (Electron main's) does not know that
 * `app` is registered as a standard scheme, so it gives `app://rcf/...` an opaque origin ('null'); the scheme,
 * host and port are compared instead, on URLs as Chromium canonicalises them (lower-case host, no user info).
 */
export function isAppUrl(url: string, origin: string = APP_ORIGIN): boolean {
  const u = parseUrl(url);
  const want = parseUrl(origin);
  return (
    u !== null &&
    want !== null &&
    u.protocol === want.protocol &&
    u.host !== '' &&
    u.host === want.host &&
    u.username === '' &&
    u.password === ''
  );
}

function parseUrl(url: string): URL | null {
  try {
    return new URL(url);
  } catch {
    return null;
  }
}

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html',
  '.js': 'text/javascript',
  '.css': 'text/css',
  '.json': 'application/json',
  '.map': 'application/json',
  '.png': 'image/png',
  '.svg': 'image/svg+xml',
  '.woff2': 'font/woff2',
};

/**
 * The file under `root` (the built renderer) a URL path names, or null when it would fall outside it or the
 * path is malformed (bad percent-encoding such as `%` or `%zz`, a NUL): the protocol then answers 404.
 */
export function rendererFile(root: string, pathname: string): string | null {
  let relative: string;
  try {
    relative = decodeURIComponent(pathname === '/' ? '/index.html' : pathname);
  } catch {
    return null;
  }
  if (relative.includes('\0')) return null;
  const file = normalize(join(root, relative));
  return file.startsWith(normalize(root) + sep) ? file : null;
}

/** The renderer file an app:// request asks for, or null (404) for another host or a malformed URL. */
export function appRequestFile(root: string, url: string, origin: string = APP_ORIGIN): string | null {
  const u = parseUrl(url);
  return u !== null && isAppUrl(url, origin) ? rendererFile(root, u.pathname) : null;
}

/** The headers a renderer file is served with: its type, no sniffing, and the CSP on pages. */
export function rendererHeaders(file: string, origin: string = APP_ORIGIN): Record<string, string> {
  const headers: Record<string, string> = {
    'content-type': CONTENT_TYPES[extname(file)] ?? 'application/octet-stream',
    'x-content-type-options': 'nosniff',
  };
  if (extname(file) === '.html') headers['content-security-policy'] = contentSecurityPolicy(origin);
  return headers;
}
