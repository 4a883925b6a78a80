/**
 * The run panel's model: field-level errors a person can act on, the form ↔
 * settings round trip (history's re-run), and the command line it shows. The
 * truth for the defaults and the command line is the built `rcf` CLI: the
 * default form's command line gives the same output as `rcf featurize` with
 * no options, and a command line run through a shell gives the same CSV and
 * provenance as the engine job run the way the service runs it.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunSettings } from '../../shared/ipc/contract.js';
import { runFeaturizeJob, type FeaturizeJobSpec } from '../../electron/engine/jobs/featurize-job.js';
import {
  commandLine,
  defaultRunForm,
  fieldProblem,
  formFromSettings,
  runSettingsFromForm,
  type RunForm,
} from '../../renderer/src/run/settings-model.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const RCF = join(ROOT, 'dist/electron/cli/rcf.js');
const SAMPLE = join(ROOT, 'resources/sample/landsat8_b2-b5.tif');
const AOI = join(ROOT, 'tests/fixtures/aoi/landsat_hole_4326.geojson');

let dir: string;
/** The sample raster under a path that needs quoting in a shell. */
let spaced: string;

beforeAll(() => {
  if (!existsSync(RCF)) throw new Error(`${RCF} is missing: run \`npm run build\` first (npm test does)`);
  dir = mkdtempSync(join(tmpdir(), 'rcf-settings-'));
  mkdirSync(join(dir, "Jo's rasters"));
  spaced = join(dir, "Jo's rasters", 'landsat 8 (b2-b5).tif');
  copyFileSync(SAMPLE, spaced);
});

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** Runs a command line as a user would paste it into a shell, with `rcf` the built CLI. */
function runInShell(line: string): { code: number | null; stderr: string } {
  expect(line.startsWith('rcf featurize ')).toBe(true);
  const script = `rcf() { "${process.execPath}" "${RCF}" "$@"; }\n${line}`;
  const r = spawnSync('/bin/sh', ['-c', script], { cwd: dir, encoding: 'utf8' });
  return { code: r.status, stderr: r.stderr };
}

function rcf(args: string[]): void {
  execFileSync(process.execPath, [RCF, ...args], { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
}

/** The provenance sidecar without the times (and the device line, which names the thread count the same way). */
function provenance(csv: string): Record<string, unknown> {
  const p = JSON.parse(readFileSync(`${csv}.json`, 'utf8')) as Record<string, unknown>;
  delete p.started;
  delete p.finished;
  return p;
}

/** The service's mapping of RunSettings to an engine job, writing CSV and GeoPackage as a run does. */
function serviceSpec(settings: RunSettings, csv: string): FeaturizeJobSpec {
  return { ...settings, out: csv, gpkgIfOneCrs: csv.replace(/\.csv$/, '.gpkg'), resume: false, overwrite: true };
}

function settingsOf(form: Partial<RunForm>, inputs: string[], area: RunSettings['area'] = null): RunSettings {
  const result = runSettingsFromForm({ ...defaultRunForm(), ...form }, inputs, area);
  if (!result.ok) throw new Error(result.errors.join('; '));
  return result.settings;
}

describe('defaults', () => {
  it("the default form's command line does what `rcf featurize` with no options does", () => {
    const settings = settingsOf({}, [SAMPLE]);
    expect(settings).toMatchObject({ mode: 'gaussian', features: 512, kernel: 3, seed: 0 });
    const line = commandLine(settings, 'form.csv');
    expect(runInShell(line).code).toBe(0);
    // The CLI's own defaults.
    rcf(['featurize', SAMPLE, '--out', 'bare.csv']);
    expect(readFileSync(join(dir, 'form.csv'), 'utf8')).toBe(readFileSync(join(dir, 'bare.csv'), 'utf8'));
    expect(provenance(join(dir, 'form.csv'))).toEqual(provenance(join(dir, 'bare.csv')));
  });

  it('threads default to all cores (left out of the settings)', () => {
    expect(defaultRunForm().threads).toBe('');
    expect(settingsOf({}, [SAMPLE]).threads).toBeUndefined();
    expect(settingsOf({ threads: '3' }, [SAMPLE]).threads).toBe(3);
  });
});

describe('field-level errors', () => {
  const errorsOf = (form: Partial<RunForm>, inputs = [SAMPLE]): string[] => {
    const result = runSettingsFromForm({ ...defaultRunForm(2), ...form }, inputs, null);
    return result.ok ? [] : result.errors;
  };

  it('each bad field gets one message naming it', () => {
    const cases: [Partial<RunForm>, RegExp][] = [
      [{ features: '' }, /^Features \(K\) is needed$/],
      [{ features: '1' }, /^Features \(K\) must be at least 2, got 1$/],
      [{ features: '2.5' }, /^Features \(K\) must be a whole number, got '2\.5'$/],
      [{ features: '15' }, /^Features \(K\) must be an even number, got 15$/],
      [{ kernel: '0' }, /^Kernel size must be at least 1, got 0$/],
      [{ seed: '-1' }, /^Seed must be at least 0, got -1$/],
      [{ mode: 'empirical', patches: '0' }, /^Patches must be at least 1, got 0$/],
      [{ mode: 'file', weights: '' }, /^choose a weights file/],
      [{ bands: '1,x,3' }, /^Bands must be band numbers counted from 1/],
      [{ bands: '0' }, /^Bands must be band numbers counted from 1/],
      [{ scale: 'abc' }, /^Scale must be a number, got 'abc'$/],
      [{ scale: '0' }, /^Scale must not be 0 \(every pixel would become 0\)$/],
      [{ offset: '' }, /^Offset is needed$/],
      [{ bias: 'NaN' }, /^Bias must be a number/],
      [{ threads: '0' }, /^Threads must be at least 1, got 0$/],
      [{ cellSize: '12 parsecs' }, /^Cell size must be a whole number of pixels/],
      [{ features: '16384' }, /^Features \(K\) must be at most 8192, got 16384$/],
      [{ kernel: '33' }, /^Kernel size must be at most 31, got 33$/],
    ];
    for (const [form, message] of cases) {
      const errors = errorsOf(form);
      expect(errors, JSON.stringify(form)).toHaveLength(1);
      expect(errors[0], JSON.stringify(form)).toMatch(message);
    }
    expect(errorsOf({}, [])).toEqual([expect.stringMatching(/^add at least one raster/)]);
    // Several at once are all reported.
    expect(errorsOf({ features: 'x', kernel: 'y', threads: 'z' })).toHaveLength(3);
  });

  it("the messages are the CLI's, with the setting named as each place names it", () => {
    // One check for both: the form names the setting by its label, the CLI by its flag.
    const r = spawnSync(process.execPath, [RCF, 'featurize', SAMPLE, '--out', join(dir, 'odd.csv'), '--features', '15'], {
      encoding: 'utf8',
    });
    expect(r.status).toBe(2);
    expect(r.stderr).toBe('rcf: --features must be an even number, got 15\n');
    expect(errorsOf({ features: '15' })).toEqual(['Features (K) must be an even number, got 15']);
  });

  it('one field is checked on its own, with the same message, for the message beside it', () => {
    const form = defaultRunForm(2);
    expect(fieldProblem({ ...form, features: '9000' }, 'features')).toBe('Features (K) must be at most 8192, got 9000');
    expect(fieldProblem({ ...form, features: '9000' }, 'kernel')).toBeNull();
    expect(fieldProblem({ ...form, scale: '0' }, 'scale')).toMatch(/^Scale must not be 0/);
    expect(fieldProblem({ ...form, bias: '' }, 'bias')).toBeNull();
    expect(fieldProblem(form, 'features')).toBeNull();
  });

  it('whitespace around numbers is accepted; blank optional fields mean the default', () => {
    const s = settingsOf({ features: ' 16 ', bands: ' 3, 2 ,1', bias: ' ', patches: '' }, [SAMPLE]);
    expect(s.features).toBe(16);
    expect(s.bands).toEqual([3, 2, 1]);
    expect(s.bias).toBeUndefined();
  });
});

describe('form ↔ settings', () => {
  const cases: [string, () => RunSettings][] = [
    ['defaults', () => settingsOf({}, [SAMPLE])],
    [
      'gaussian, everything set',
      () =>
        settingsOf(
          {
            features: '64',
            kernel: '5',
            seed: '9',
            bands: '4,3,2',
            scale: '0.0000275',
            offset: '-0.2',
            rasterScale: true,
            cellSize: '1000m',
            edge: 'keep',
            nodata: 'propagate',
            convention: 'paper',
            bias: '-0.25',
            backend: 'cpu',
            threads: '3',
          },
          [SAMPLE, spaced],
          { kind: 'file', path: AOI, layer: 'hole' },
        ),
    ],
    [
      'empirical with training rasters and patches',
      () => settingsOf({ mode: 'empirical', features: '32', train: [spaced], patches: '2000' }, [SAMPLE]),
    ],
    ['empirical, defaults', () => settingsOf({ mode: 'empirical' }, [SAMPLE])],
    ['weights file', () => settingsOf({ mode: 'file', weights: '/w/bank.npy', cellSize: 'whole' }, [SAMPLE])],
    [
      'drawn area',
      () =>
        settingsOf({ cellSize: '0.01deg' }, [SAMPLE], {
          kind: 'drawn',
          polygons: [
            [
              [
                [-87.4, 30.7],
                [-87.3, 30.7],
                [-87.3, 30.8],
                [-87.4, 30.7],
              ],
            ],
          ],
        }),
    ],
  ];
  for (const [name, make] of cases) {
    it(name, () => {
      const settings = make();
      const { form, inputs, area } = formFromSettings(settings);
      const again = runSettingsFromForm(form, inputs, area);
      expect(again).toEqual({ ok: true, settings });
      expect(formFromSettings(settings).form).toEqual(form);
    });
  }
});

describe('commandLine: the real CLI accepts it and writes what the service job writes', () => {
  const cases: [string, () => RunSettings][] = [
    [
      'gaussian, negative offset and bias, bands, AOI, quoted paths',
      () =>
        settingsOf(
          {
            features: '16',
            seed: '5',
            bands: '3,2,1',
            scale: '0.0001',
            offset: '-0.1',
            cellSize: '128',
            edge: 'keep',
            nodata: 'propagate',
            convention: 'paper',
            bias: '-0.5',
            backend: 'cpu',
            threads: '2',
          },
          [spaced],
          { kind: 'file', path: AOI },
        ),
    ],
    [
      'empirical with training raster and patches, raster scale',
      () =>
        settingsOf(
          {
            mode: 'empirical',
            features: '16',
            kernel: '3',
            seed: '1',
            train: [spaced],
            patches: '500',
            rasterScale: true,
            scale: '0.5',
            cellSize: '128',
            backend: 'cpu',
            threads: '2',
          },
          [SAMPLE],
        ),
    ],
  ];
  cases.forEach(([name, make], n) => {
    it(name, async () => {
      const settings = make();
      const cliCsv = join(dir, `cli ${n}.csv`);
      const line = commandLine(settings, cliCsv);
      const run = runInShell(line);
      expect(run.stderr).not.toMatch(/usage|must be|unknown/i);
      expect(run.code).toBe(0);

      const jobCsv = join(dir, `job-${n}.csv`);
      const result = await runFeaturizeJob(serviceSpec(settings, jobCsv));
      expect(result.cellsComputed).toBeGreaterThan(0);
      const cli = readFileSync(cliCsv, 'utf8');
      expect(cli.split('\n').length).toBeGreaterThan(3);
      expect(readFileSync(jobCsv, 'utf8')).toBe(cli);
      expect(provenance(jobCsv)).toEqual(provenance(cliCsv));
    });
  });

  it('a drawn area is named area.geojson, which the service writes next to the run', () => {
    const s = settingsOf({}, [SAMPLE], {
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
    });
    expect(commandLine(s)).toMatch(/ --aoi area\.geojson( |$)/);
  });
});
