// build/electron-builder.yml against electron-builder 26 itself (its schema validator)
// and against the built tree: every pattern matches files, the app's entry points and
// everything they import are packed, and native code is unpacked from the asar.
import { describe, it, expect, beforeAll } from 'vitest';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { builtinModules, createRequire } from 'node:module';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { ROOT } from '../helpers/cli.js';

// The libraries electron-builder itself uses: its config validator, js-yaml and minimatch.
const builderRequire = createRequire(join(ROOT, 'node_modules/app-builder-lib/package.json'));
const { validateConfiguration } = builderRequire('./out/util/config/config.js') as {
  validateConfiguration(config: unknown, log: { isEnabled: boolean; add(): void }): Promise<void>;
};
const yaml = builderRequire('js-yaml') as { load(text: string): unknown };
const { minimatch } = builderRequire('minimatch') as { minimatch(path: string, pattern: string, options?: object): boolean };

interface BuilderConfig {
  appId: string;
  productName: string;
  directories: { output: string };
  files: string[];
  asarUnpack: string[];
  electronFuses: Record<string, boolean>;
  linux: { target: string[] };
  win: { target: string[] };
  mac: { target: string[] };
  [key: string]: unknown;
}

const CONFIG_FILE = join(ROOT, 'build/electron-builder.yml');
const config = yaml.load(readFileSync(CONFIG_FILE, 'utf8')) as BuilderConfig;
const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { main: string; dependencies: Record<string, string> };
const validate = (c: unknown) => validateConfiguration(c, { isEnabled: false, add() {} });

const match = (path: string, pattern: string) => minimatch(path, pattern, { dot: true });

/** Whether electron-builder's `files` takes this app-relative path: the last pattern that matches decides. */
function packed(path: string): boolean {
  let taken = false;
  for (const pattern of config.files) {
    if (pattern.startsWith('!')) {
      if (match(path, pattern.slice(1))) taken = false;
    } else if (match(path, pattern)) taken = true;
  }
  return taken;
}

/** Files under a folder of the repository, as POSIX paths relative to the root. */
function walk(dir: string): string[] {
  const out: string[] = [];
  const abs = join(ROOT, dir);
  if (!existsSync(abs)) return out;
  for (const entry of readdirSync(abs, { withFileTypes: true })) {
    const rel = `${dir}/${entry.name}`;
    if (entry.isDirectory()) out.push(...walk(rel));
    else out.push(rel);
  }
  return out;
}

const posix = (p: string) => p.split(sep).join('/');

describe('build/electron-builder.yml', () => {
  let tree: string[];
  beforeAll(() => {
    for (const built of [
      'dist/electron/main/main.js',
      'dist/electron/service/main.js',
      'dist/renderer/index.html',
      'dist/preload/preload.cjs',
      'dist/native/rcf_kernel.node',
    ]) {
      if (!existsSync(join(ROOT, built))) throw new Error(`${built} is missing: run \`npm run build\` first`);
    }
    tree = ['package.json', ...walk('dist'), ...walk('resources'), ...walk('node_modules/webgpu')];
  });

  it("passes electron-builder's own schema validation, which refuses a misspelt option", async () => {
    await expect(validate(config)).resolves.toBeUndefined();
    await expect(validate({ ...config, electronFuses: { ...config.electronFuses, runAsNod: false } })).rejects.toThrow(
      /configuration.electronFuses/,
    );
    await expect(validate({ ...config, filez: config.files })).rejects.toThrow(/filez/);
  });

  it('names the app, its output folder and the targets of each platform', () => {
    expect(config.productName).toBe('RCF Desktop');
    expect(config.appId).toMatch(/^[a-z0-9-]+(\.[a-z0-9-]+)+$/i);
    expect(config.directories.output).toBe('dist-app');
    expect(config.linux.target).toEqual(['AppImage', 'deb']);
    expect(config.win.target).toEqual(['nsis']);
    expect(config.mac.target).toEqual(['dmg']);
  });

  it('flips the fuses for production', () => {
    expect(config.electronFuses).toEqual({
      runAsNode: false,
      enableCookieEncryption: true,
      enableNodeOptionsEnvironmentVariable: false,
      enableNodeCliInspectArguments: false,
      enableEmbeddedAsarIntegrityValidation: true,
      onlyLoadAppFromAsar: true,
      grantFileProtocolExtraPrivileges: false,
    });
  });

  it('has files and asarUnpack patterns that each match something in the built tree', () => {
    for (const pattern of config.files.filter((p) => !p.startsWith('!')))
      expect(
        tree.filter((f) => match(f, pattern)),
        pattern,
      ).not.toEqual([]);
    for (const pattern of config.asarUnpack)
      expect(
        tree.filter((f) => match(f, pattern)),
        pattern,
      ).not.toEqual([]);
  });

  it("packs package.json's main, the service, the preload and the renderer", () => {
    for (const entry of [pkg.main, 'package.json', 'dist/electron/service/main.js', 'dist/preload/preload.cjs', 'dist/renderer/index.html'])
      expect(packed(entry), entry).toBe(true);
    expect(existsSync(join(ROOT, pkg.main))).toBe(true);
    // Not the test and bench folders, nor TypeScript sources.
    for (const path of ['tests/service/service.test.ts', 'electron/main/main.ts', 'bench/rcf-bench.mjs'])
      expect(packed(path), path).toBe(false);
  });

  it('packs every file the main and service processes import, and the packages they import are dependencies', () => {
    const seen = new Set<string>();
    const bare = new Set<string>();
    const queue = [pkg.main, 'dist/electron/service/main.js'];
    while (queue.length > 0) {
      const file = queue.pop()!;
      if (seen.has(file)) continue;
      seen.add(file);
      expect(packed(file), `${file} (imported by the app)`).toBe(true);
      const text = readFileSync(join(ROOT, file), 'utf8');
      const specifiers = [
        ...text.matchAll(/(?:^|[\s;})])(?:import|export)\s[^'"]*?from\s*['"]([^'"]+)['"]/g),
        ...text.matchAll(/(?:^|[\s;})])import\s*['"]([^'"]+)['"]/g),
        ...text.matchAll(/import\(\s*['"]([^'"]+)['"]\s*\)/g),
        ...text.matchAll(/new URL\(\s*['"](\.[^'"]+)['"]\s*,\s*import\.meta\.url\s*\)/g),
      ].map((m) => m[1]);
      for (const spec of specifiers) {
        if (spec.startsWith('.')) {
          const target = posix(relative(ROOT, resolve(dirname(join(ROOT, file)), spec)));
          expect(existsSync(join(ROOT, target)), `${target} (imported by ${file})`).toBe(true);
          if (statSync(join(ROOT, target)).isFile() && target.endsWith('.js')) queue.push(target);
          else expect(packed(target), target).toBe(true);
        } else bare.add(spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0]);
      }
    }
    expect(seen.size).toBeGreaterThan(20);
    expect([...seen].some((f) => f.startsWith('dist/shared/'))).toBe(true);
    const builtins = new Set([...builtinModules, 'electron']);
    const external = [...bare].filter((name) => !name.startsWith('node:') && !builtins.has(name));
    for (const name of external) expect(Object.keys(pkg.dependencies), `${name} is imported at run time`).toContain(name);
  });

  it('unpacks every native module the app carries from the asar, and only files it packs or its dependencies', () => {
    const natives = tree.filter((f) => f.endsWith('.node') && (packed(f) || f.startsWith('node_modules/')));
    expect(natives).toContain('dist/native/rcf_kernel.node');
    expect(natives.filter((f) => f.startsWith('node_modules/webgpu/')).length).toBeGreaterThan(0);
    for (const f of natives)
      expect(
        config.asarUnpack.some((p) => match(f, p)),
        `${f} is unpacked`,
      ).toBe(true);
    // Dawn's DLLs on Windows sit beside dawn.node and must be unpacked with it.
    for (const dll of tree.filter((f) => f.startsWith('node_modules/webgpu/') && f.endsWith('.dll')))
      expect(
        config.asarUnpack.some((p) => match(dll, p)),
        dll,
      ).toBe(true);
    for (const f of tree.filter((f) => config.asarUnpack.some((p) => match(f, p)))) {
      const dependency = f.startsWith('node_modules/') && Object.hasOwn(pkg.dependencies, f.split('/')[1]);
      expect(packed(f) || dependency, f).toBe(true);
    }
  });
});
