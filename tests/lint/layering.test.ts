/**
 * The layering lint (eslint/rules/layering.js, configured in eslint.config.js) catches every edge the Layout table in
 * README.md forbids, and lets the allowed edge next to it pass. Each probe is linted in memory at a path inside the
 * folder it speaks for, through the project's real ESLint configuration.
 */
import { describe, it, expect, beforeAll } from 'vitest';
import { join } from 'node:path';
import { ESLint, type Linter } from 'eslint';
import { ROOT } from '../helpers/cli.js';

let eslint: ESLint;
beforeAll(() => {
  eslint = new ESLint({ cwd: ROOT });
});

/** The layering messages ESLint gives `code` placed at `file`; fails on a parse error, which would hide the rule. */
async function layering(file: string, code: string): Promise<Linter.LintMessage[]> {
  const [result] = await eslint.lintText(code, { filePath: join(ROOT, file) });
  expect(result.messages.filter((m) => m.fatal)).toEqual([]);
  return result.messages.filter((m) => m.ruleId === 'rcf/layering');
}

/** For each probe file: the imports it must be refused, and allowed ones beside them. */
const probes: { file: string; forbidden: string[]; allowed: string[] }[] = [
  {
    file: 'shared/__probe__.ts',
    forbidden: ['node:fs', 'fs', 'electron', 'ol/Map.js', 'proj4', '../electron/engine/hash.js', '../renderer/src/rcf.js'],
    allowed: ['zod', './grid/cells.js', './errors/index.js'],
  },
  {
    file: 'electron/engine/__probe__.ts',
    forbidden: [
      '../cli/main.js',
      '../service/service.js',
      '../main/main.js',
      '../preload/preload.js',
      '../../renderer/src/rcf.js',
      'electron',
      'ol/Map.js',
    ],
    allowed: ['./hash.js', '../../shared/grid/cells.js', 'node:fs', 'fs', 'geotiff', 'proj4'],
  },
  {
    file: 'electron/cli/__probe__.ts',
    forbidden: ['../service/service.js', '../main/main.js', 'electron'],
    allowed: ['../engine/raster/index.js', '../../shared/rcf/conventions.js', 'node:util'],
  },
  {
    file: 'electron/service/__probe__.ts',
    forbidden: ['electron', '../cli/main.js', '../main/main.js', '../preload/preload.js'],
    allowed: ['../engine/jobs/featurize-job.js', '../../shared/ipc/contract.js', 'node:path'],
  },
  {
    file: 'electron/main/__probe__.ts',
    forbidden: ['../engine/hash.js', '../service/service.js', '../cli/main.js', '../preload/preload.js', '../../renderer/src/rcf.js'],
    allowed: ['electron', '../../shared/ipc/channels.js', 'node:path', './policy.js'],
  },
  {
    file: 'electron/preload/__probe__.ts',
    forbidden: ['../engine/hash.js', '../service/service.js', '../main/policy.js'],
    allowed: ['electron', '../../shared/ipc/rpc.js'],
  },
  {
    file: 'renderer/src/__probe__.ts',
    forbidden: ['node:fs', 'fs', 'electron', '../../electron/engine/hash.js', '../../electron/main/policy.js'],
    allowed: ['ol/Map.js', 'proj4', '../../shared/ipc/contract.js', './ui/dom.js'],
  },
  // Barrels: from outside a folder with an index.ts, only that index.
  {
    file: 'electron/engine/jobs/__probe__.ts',
    forbidden: ['../raster/open.js', '../aoi/read.js'],
    allowed: ['../raster/index.js', '../aoi/index.js', '../rcf/featurize.js'],
  },
  { file: 'electron/service/__probe__.ts', forbidden: ['../engine/raster/preview.js'], allowed: ['../engine/raster/index.js'] },
  // Inside the folder, its files import each other freely.
  { file: 'electron/engine/raster/__probe__.ts', forbidden: [], allowed: ['./open.js', './index.js', '../aoi/index.js'] },
];

describe('the layering lint', () => {
  for (const { file, forbidden, allowed } of probes) {
    for (const specifier of forbidden) {
      it(`refuses ${file} importing '${specifier}'`, async () => {
        expect(await layering(file, `import '${specifier}';\n`)).toHaveLength(1);
      });
    }
    for (const specifier of allowed) {
      it(`lets ${file} import '${specifier}'`, async () => {
        expect(await layering(file, `import '${specifier}';\n`)).toEqual([]);
      });
    }
  }

  it('names the barrel to use instead of a deep import', async () => {
    const [message] = await layering('electron/engine/jobs/__probe__.ts', "import { openRaster } from '../raster/open.js';\n");
    expect(message.message).toContain("Import '../raster/index.js', not '../raster/open.js'");
  });

  it('says what a layer may import when it refuses an edge', async () => {
    const [message] = await layering('shared/__probe__.ts', "import { readFile } from 'node:fs/promises';\n");
    expect(message.message).toBe("shared/ may import only shared/, zod; not 'node:fs/promises'");
  });

  it('sees every way of naming a module: import, export from, import(), type imports', async () => {
    const code = [
      "import type { Stats } from 'node:fs';",
      "export * from 'node:os';",
      "export { join } from 'node:path';",
      "export const load = () => import('node:url');",
      "export type Url = import('node:url').URL;",
      'export type S = Stats;',
    ].join('\n');
    const lines = (await layering('shared/__probe__.ts', `${code}\n`)).map((m) => m.line);
    expect(lines).toEqual([1, 2, 3, 4, 5]);
  });

  it('refuses a file under electron/ that is in no layer', async () => {
    expect(await layering('electron/__probe__.ts', 'export const x = 1;\n')).toHaveLength(1);
  });
});

describe('zod is imported through shared/zod.ts', () => {
  it('a schema module importing zod itself is refused; shared/zod.ts and its importers pass', async () => {
    const restricted = async (file: string, code: string) => {
      const [result] = await eslint.lintText(code, { filePath: join(ROOT, file) });
      return result.messages.filter((m) => m.ruleId === 'no-restricted-imports').map((m) => m.message);
    };
    expect(await restricted('shared/__probe__.ts', "import { z } from 'zod';\nexport const s = z.string();\n")).toEqual([
      expect.stringMatching(/shared\/zod\.ts/),
    ]);
    expect(await restricted('shared/__probe__.ts', "import { z } from './zod.js';\nexport const s = z.string();\n")).toEqual([]);
    expect(await restricted('shared/zod.ts', "import { z } from 'zod';\nz.config({ jitless: true });\nexport { z };\n")).toEqual([]);
  });
});
