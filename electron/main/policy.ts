/**
 * The app's origin and content security policy, without Electron imports so
 * the end-to-end tests serve the renderer under exactly the same policy.
 */
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

/** True for the app's own pages. */
export function isAppUrl(url: string, origin: string = APP_ORIGIN): boolean {
  try {
    return new URL(url).origin === origin;
  } catch {
    return false;
  }
}
