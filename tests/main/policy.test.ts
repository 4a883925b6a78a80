// Electron main's policy (electron/main/policy.ts): which URLs are the app's, and which renderer file an app://
// request may read. The URLs are as Electron hands them to main (senderFrame.url, will-navigate, protocol.handle)
// for `app`, registered with `standard: true`: Chromium canonicalises a standard scheme like http (lower-case
// host, dot segments resolved, no default port), while main's own `new URL()` is Node's WHATWG parser, which
// does not know the registration and gives such URLs an opaque origin.
import { describe, it, expect } from 'vitest';
import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { APP_ORIGIN, appRequestFile, isAppUrl, rendererFile } from '../../electron/main/policy.js';

describe('isAppUrl', () => {
  it("is true for the app's pages, though Node's URL gives app://rcf an opaque origin", () => {
    // The trap the check must not fall into: under Node (Electron main), the origin is 'null'.
    expect(new URL('app://rcf/index.html').origin).toBe('null');
    for (const url of ['app://rcf/index.html', 'app://rcf/', 'app://rcf/assets/index-3f2a.js', 'app://rcf/index.html?x=1#cell'])
      expect(isAppUrl(url), url).toBe(true);
    expect(APP_ORIGIN).toBe('app://rcf');
  });

  it('is false for other schemes, hosts, ports, user info and for what is not a URL', () => {
    for (const url of [
      'https://rcf/index.html',
      'file:///index.html',
      'app://rcf.evil.example/index.html',
      'app://evil/index.html',
      'app://rcf:8080/index.html',
      'app://user@rcf/index.html',
      'app://user:pw@rcf/index.html',
      'app:rcf/index.html',
      'app:///index.html',
      'devtools://devtools/bundled/inspector.html',
      'javascript:alert(1)',
      'not a url',
      '',
    ])
      expect(isAppUrl(url), url).toBe(false);
  });

  it('compares scheme, host and port with another origin too (the e2e tests serve the renderer from https)', () => {
    expect(isAppUrl('https://rcf-desktop.test/index.html', 'https://rcf-desktop.test')).toBe(true);
    expect(isAppUrl('https://rcf-desktop.test:444/index.html', 'https://rcf-desktop.test')).toBe(false);
    expect(isAppUrl('http://rcf-desktop.test/index.html', 'https://rcf-desktop.test')).toBe(false);
    expect(isAppUrl('app://rcf/index.html', 'https://rcf-desktop.test')).toBe(false);
  });
});

describe('the app protocol: which renderer file a request reads', () => {
  const root = mkdtempSync(join(tmpdir(), 'rcf-policy-'));
  mkdirSync(join(root, 'assets'));
  writeFileSync(join(root, 'index.html'), '<!doctype html>');

  it('serves files under the renderer folder, index.html for /', () => {
    expect(appRequestFile(root, 'app://rcf/')).toBe(join(root, 'index.html'));
    expect(appRequestFile(root, 'app://rcf/assets/a%20b.js')).toBe(join(root, 'assets', 'a b.js'));
  });

  it('answers null (404), never throws, for malformed percent-encoding, NULs, escapes and other hosts', () => {
    for (const url of [
      'app://rcf/%',
      'app://rcf/%zz',
      'app://rcf/%E0%A4%A',
      'app://rcf/index.html%00.png',
      'app://rcf/..%2F..%2Fetc%2Fpasswd',
      'app://rcf/%2e%2e/%2e%2e/etc/passwd',
      'app://evil/index.html',
      'not a url',
    ])
      expect(() => appRequestFile(root, url), url).not.toThrow();
    for (const url of [
      'app://rcf/%',
      'app://rcf/%zz',
      'app://rcf/index.html%00.png',
      'app://rcf/..%2F..%2Fetc%2Fpasswd',
      'app://evil/index.html',
    ])
      expect(appRequestFile(root, url), url).toBeNull();
    expect(rendererFile(root, '/%')).toBeNull();
    expect(rendererFile(root, '/../outside.js')).toBeNull();
  });
});
