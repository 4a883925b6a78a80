// Shards on a real Dask cluster: a dask-scheduler and two dask-worker processes on 127.0.0.1 (Debian's
// python3-distributed) run deploy/dask/rcf_dask.py's client.map over 8 shards; one worker is killed (its whole
// process group, as a lost node) while its shard writes a part; the shard is rescheduled on the other worker, which
// continues the part, and the merge equals the single-process run byte for byte.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { RCF, ROOT, rcf, requireBuilt, tempDir } from '../helpers/cli.js';
import { makeTiles } from '../engine/scale/tiles.js';
import { freePort, killGroup, processGroup, startGroup, stopAll, waitFor } from './processes.js';

const PYTHON = '/usr/bin/python3'; // Debian's, where python3-distributed installs
const hasDask = existsSync('/usr/bin/dask-scheduler') && spawnSync(PYTHON, ['-c', 'import distributed'], { stdio: 'ignore' }).status === 0;
const OPTIONS = ['--features', '1024', '--kernel', '7', '--cell-size', '32', '--scale', '0.0001', '--backend', 'cpu', '--threads', '1'];
const SHARDS = 8;

describe.skipIf(!hasDask)('Dask: rcf_dask.py over a real scheduler and two workers (needs python3-distributed)', () => {
  let dir: string;
  afterAll(() => {
    stopAll();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });
  beforeAll(() => {
    requireBuilt();
    dir = tempDir('rcf-dask-');
  });

  it('runs 8 shards, survives a worker killed mid-part, and merges to the single run', async () => {
    const { paths } = makeTiles(dir, 4, 2);
    const manifest = join(dir, 'm.jsonl');
    const parts = join(dir, 'parts');
    expect(rcf(['plan', ...paths, ...OPTIONS, '--out-dir', parts, '--manifest', manifest]).code).toBe(0);
    const started = Date.now();

    const port = await freePort();
    const address = `tcp://127.0.0.1:${port}`;
    const env = { ...process.env, DASK_DISTRIBUTED__WORKER__DAEMON: 'False' };
    const scheduler = startGroup('/usr/bin/dask-scheduler', ['--host', '127.0.0.1', '--port', String(port), '--no-dashboard'], {
      cwd: dir,
      env,
    });
    await waitFor(() => /Scheduler at:/.test(scheduler.log()), 30_000, 'the scheduler');
    const worker = () =>
      startGroup(
        '/usr/bin/dask-worker',
        [address, '--host', '127.0.0.1', '--nthreads', '1', '--no-nanny', '--no-dashboard', '--death-timeout', '60'],
        { cwd: dir, env },
      );
    const workers = [worker(), worker()];
    await waitFor(() => workers.every((w) => /Registered to:/.test(w.log())), 30_000, 'two workers');

    const rcfCommand = `${process.execPath} ${RCF}`;
    const driver = startGroup(
      PYTHON,
      [
        join(ROOT, 'deploy/dask/rcf_dask.py'),
        '--scheduler',
        address,
        '--manifest',
        manifest,
        '--shards',
        String(SHARDS),
        '--rcf',
        rcfCommand,
      ],
      { cwd: dir, env },
    );

    // Kill the first worker as soon as one of its rcf processes holds a part's lock (it is writing that part).
    const victim = workers[0].child.pid!;
    const killedPart = await waitFor(
      () => {
        for (const f of existsSync(parts) ? readdirSync(parts) : []) {
          if (!f.endsWith('.csv.lock')) continue;
          const pid = Number(readFileSync(join(parts, f), 'utf8').trim() || 0);
          if (pid && processGroup(pid) === victim) return f.slice(0, -'.lock'.length);
        }
        return null;
      },
      60_000,
      'a part written by the first worker',
      5,
    );
    killGroup(workers[0].child);
    await workers[0].exited;
    expect(existsSync(join(parts, `${killedPart}.done`))).toBe(false);

    const code = await Promise.race([driver.exited, new Promise((r) => setTimeout(() => r('timeout'), 90_000))]);
    expect(code, driver.log()).toBe(0);
    expect(driver.log()).toMatch(new RegExp(`all ${SHARDS} shards done`));
    const wall = (Date.now() - started) / 1000;

    const merged = join(dir, 'merged.csv');
    expect(rcf(['merge', manifest, '--out', merged]).code).toBe(0);
    const single = join(dir, 'single.csv');
    const t0 = Date.now();
    expect(rcf(['featurize', ...paths, ...OPTIONS, '--out', single]).code).toBe(0);
    const singleWall = (Date.now() - t0) / 1000;
    expect(readFileSync(merged).equals(readFileSync(single))).toBe(true);
    // For docs/scale.md: the figures of this run.
    writeFileSync(join(dir, 'figures.json'), JSON.stringify({ shards: SHARDS, wall, singleWall }));
    process.stdout.write(
      `dask: ${SHARDS} shards on 2 workers (one killed) in ${wall.toFixed(1)} s; single run ${singleWall.toFixed(1)} s\n`,
    );
  }, 150_000);
});
