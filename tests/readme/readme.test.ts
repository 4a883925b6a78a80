// The README's fresh-machine commands (the code block of "## Commands"), run as written in a fresh clone of this
// repository's committed HEAD. Two things differ from a fresh machine, to keep the test fast and offline:
// - `npm ci` is replaced by a symlink to this checkout's node_modules (the same lockfile installed);
// - the `sudo apt-get install` lines are not run: the packages they name must be installed here, which the build
//   and the tests then rely on (a package missing from a line shows up as a failure elsewhere, not here).
// `npm test` itself is not run from inside the tests. Everything else in the lines is run by `sh -c` exactly.
import { describe, it, expect, beforeAll } from 'vitest';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, statSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT, tempDir } from '../helpers/cli.js';

/** The command lines of the first code block after "## Commands". */
function readmeCommands(): string[] {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('\n## Commands\n'));
  const block = /\n```\n([\s\S]*?)\n```\n/.exec(section);
  if (!block) throw new Error('README.md: no code block under "## Commands"');
  return block[1].split('\n').filter((line) => line.trim() !== '' && !line.startsWith('#'));
}

describe("the README's commands on a fresh clone", () => {
  const lines = readmeCommands();
  let clone: string;
  beforeAll(() => {
    clone = join(tempDir('rcf-readme-'), 'clone');
    const head = execFileSync('git', ['-C', ROOT, 'rev-parse', 'HEAD'], { encoding: 'utf8' }).trim();
    execFileSync('git', ['clone', '--quiet', '--no-checkout', ROOT, clone]);
    execFileSync('git', ['-C', clone, 'checkout', '--quiet', head]);
    symlinkSync(join(ROOT, 'node_modules'), join(clone, 'node_modules'), 'dir');
  });

  it('names the Debian packages the build and the tests need, each installed here', () => {
    const apt = lines.filter((line) => line.startsWith('sudo apt-get install'));
    expect(apt.length).toBe(2);
    const packages = apt.flatMap((line) => line.split(' && ')[0].split(' ').slice(4));
    expect(packages).toEqual(expect.arrayContaining(['build-essential', 'libopenblas-dev', 'gdal-bin', 'python3-gdal', 'python3-sklearn']));
    const missing = packages.filter(
      (p) => spawnSync('dpkg-query', ['-W', '-f=${Status}', p], { encoding: 'utf8' }).stdout !== 'install ok installed',
    );
    expect(missing).toEqual([]);
    expect(apt[1].endsWith(' && npm test')).toBe(true);
  });

  it('installs, builds and featurizes the bundled sample with the second line', () => {
    const line = lines.find((l) => l.startsWith('npm ci && '));
    expect(line).toBeDefined();
    expect(existsSync(join(clone, 'dist'))).toBe(false); // a fresh clone: the command must build
    const command = line!.slice('npm ci && '.length); // npm ci: the node_modules symlink (see the top)
    const r = spawnSync('sh', ['-c', command], { cwd: clone, encoding: 'utf8', timeout: 280_000, maxBuffer: 1 << 26 });
    expect(r.stderr).toMatch(/rcf: wrote features\.csv \(4 cells computed\) and features\.csv\.json\n$/);
    expect(r.status).toBe(0);
    const csv = readFileSync(join(clone, 'features.csv'), 'utf8').trimEnd().split('\n');
    expect(csv[0].startsWith('cell_id,source,row,col,x,y,lon,lat,valid_fraction,f0,')).toBe(true);
    expect(csv.length).toBe(5);
    // The built command line is executable, so it can also be run (or linked) as `rcf`.
    expect(statSync(join(clone, 'dist/electron/cli/rcf.js')).mode & 0o111).toBe(0o111);
  }, 300_000);
});
