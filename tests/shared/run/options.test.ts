/**
 * The options table and its command line: every option parses what it
 * formats, settings survive argv both ways (through node:util's parseArgs, as
 * the CLI parses them), settings stored by the first version still read, and
 * a problem names the setting as the app does and the flag as the CLI does.
 */
import { parseArgs } from 'node:util';
import { describe, expect, it } from 'vitest';
import {
  RUN_FLAGS,
  RUN_OPTION_KEYS,
  RUN_OPTIONS,
  RunSettings,
  SettingError,
  argvFromSettings,
  commandLine,
  flagOf,
  optionsFromFlags,
  optionsHelp,
  settingsFromFlags,
  type RunOption,
  type RunSettingsInput,
} from '../../../shared/run/index.js';

/** What the CLI does with an argv: parseArgs with the run flags (plus --out and --aoi), then the table. */
function parseCli(argv: string[]): RunSettings {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { ...RUN_FLAGS, out: { type: 'string' }, aoi: { type: 'string' }, 'aoi-layer': { type: 'string' } },
  });
  const area =
    values.aoi === undefined ? null : { kind: 'file' as const, path: String(values.aoi), layer: values['aoi-layer'] as string | undefined };
  return settingsFromFlags(positionals, area, values);
}

describe('the options table', () => {
  it('each default is valid, and parse is the inverse of format', () => {
    for (const key of RUN_OPTION_KEYS) {
      const option = RUN_OPTIONS[key] as RunOption<unknown>;
      if (option.default === undefined || option.type === 'paths') continue;
      expect(option.schema.safeParse(option.default).success, key).toBe(true);
      expect(option.parse(option.format(option.default), key), key).toEqual(option.default);
    }
  });

  it('every flag is in --help, with its default', () => {
    const help = optionsHelp();
    for (const key of RUN_OPTION_KEYS) expect(help).toContain(flagOf(key));
    expect(help).toMatch(/--features K +.*\(default 512\)/);
    expect(help).toMatch(/--edge drop\|keep +.*\(default drop\)/);
  });

  it('fills defaults: the empty settings are `rcf featurize RASTER`', () => {
    expect(RunSettings.parse({ inputs: ['a.tif'] })).toEqual({
      inputs: ['a.tif'],
      area: null,
      mode: 'gaussian',
      features: 512,
      kernel: 3,
      seed: 0,
      train: [],
      scale: 1,
      offset: 0,
      rasterScale: false,
      cellSize: '256',
      edge: 'drop',
      nodata: 'mask',
      convention: 'torchgeo',
      backend: 'auto',
    });
  });
});

describe('settings ↔ argv', () => {
  const cases: [string, RunSettingsInput][] = [
    ['defaults', { inputs: ['a.tif'] }],
    [
      'everything set, negative numbers',
      {
        inputs: ['a.tif', "Jo's b.tif"],
        area: { kind: 'file', path: '/areas/x.gpkg', layer: 'fields' },
        features: 64,
        kernel: 5,
        seed: 9,
        bands: [4, 3, 2],
        scale: 0.0000275,
        offset: -0.2,
        rasterScale: true,
        cellSize: '1000m',
        edge: 'keep',
        nodata: 'propagate',
        convention: 'paper',
        bias: -0.25,
        backend: 'cpu',
        threads: 3,
      },
    ],
    ['empirical', { inputs: ['a.tif'], mode: 'empirical', features: 32, train: ['t1.tif', 't2.tif'], patches: 2000 }],
    ['weights file', { inputs: ['a.tif'], mode: 'file', weights: '/w/bank.npy', cellSize: 'whole' }],
  ];
  for (const [name, input] of cases) {
    it(name, () => {
      const settings = RunSettings.parse(input);
      const argv = argvFromSettings(settings, 'out.csv');
      expect(parseCli(argv)).toEqual(settings);
    });
  }

  it('the command line is quoted for a shell and names a drawn area area.geojson', () => {
    const drawn = RunSettings.parse({
      inputs: ["Jo's b.tif"],
      area: {
        kind: 'drawn',
        polygons: [
          [
            [
              [0, 0],
              [1, 0],
              [1, 1],
              [0, 0],
            ],
          ],
        ],
      },
      bias: -1,
    });
    const line = commandLine(drawn, 'out.csv');
    expect(line).toMatch(/^rcf featurize 'Jo'\\''s b\.tif' --out out\.csv /);
    expect(line).toMatch(/ --bias=-1 /);
    expect(line).toMatch(/ --aoi area\.geojson$/);
  });
});

describe('problems name the setting', () => {
  const problem = (values: Record<string, string | string[]>): SettingError => {
    try {
      optionsFromFlags(values);
    } catch (e) {
      if (e instanceof SettingError) return e;
      throw e;
    }
    throw new Error('no SettingError');
  };

  it('by its label in the app and the engine, by its flag in the CLI', () => {
    const odd = problem({ features: '7' });
    expect(odd.message).toBe('Features (K) must be an even number, got 7');
    expect(odd.describe(flagOf)).toBe('--features must be an even number, got 7');
    expect(odd.kind).toBe('bad-input');
  });

  it('settings of another filter mode are refused, naming both', () => {
    expect(problem({ weights: 'w.npy', features: '64' }).describe(flagOf)).toBe(
      '--features cannot be combined with --weights (the file fixes the filters)',
    );
    expect(problem({ weights: 'w.npy', mode: 'gaussian' }).describe(flagOf)).toBe(
      '--mode cannot be combined with --weights (the file fixes the filters)',
    );
    expect(problem({ train: ['t.tif'] }).describe(flagOf)).toBe('--train only applies to --mode empirical');
    expect(problem({ patches: '9' }).message).toBe('Patches only applies to Filters empirical');
  });

  it('the contract refuses settings of another mode too', () => {
    const checked = RunSettings.safeParse({ inputs: ['a.tif'], mode: 'file', weights: 'w.npy', features: 64 });
    expect(checked.success).toBe(false);
    expect(checked.error?.issues[0].message).toBe('Features (K) does not apply to file filters');
    expect(RunSettings.safeParse({ inputs: ['a.tif'], mode: 'file' }).error?.issues[0].message).toBe('choose a weights file (.npy)');
  });
});

describe('settings stored by the first version', () => {
  it('nested filters and scaling read as the flat options they meant', () => {
    const old = {
      inputs: ['/data/a.tif'],
      bands: [1, 2],
      filters: { mode: 'empirical', features: 16, kernel: 3, seed: 4, train: [], patches: 100 },
      scaling: { scale: 0.0001, offset: -0.1, useRasterScale: true },
      cellSize: '128',
      edge: 'keep',
      area: null,
      nodata: 'mask',
      convention: 'torchgeo',
      backend: 'cpu',
      threads: 2,
    };
    expect(RunSettings.parse(old)).toEqual({
      ...RunSettings.parse({ inputs: ['/data/a.tif'] }),
      bands: [1, 2],
      mode: 'empirical',
      features: 16,
      seed: 4,
      patches: 100,
      scale: 0.0001,
      offset: -0.1,
      rasterScale: true,
      cellSize: '128',
      edge: 'keep',
      backend: 'cpu',
      threads: 2,
    });
  });
});
