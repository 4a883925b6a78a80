// Shards as a Slurm job array on a single-node Slurm started here (Debian's slurm-wlm and munge, bound to
// 127.0.0.1, its own munge socket, config and state in a temp dir): `sbatch --array=0-7`; one task is killed while
// it writes its part (`scontrol requeue`: SIGTERM, then the task runs again), and continues its part; the merge
// equals the single-process run byte for byte.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { execFileSync, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { RCF, rcf, requireBuilt, tempDir } from '../helpers/cli.js';
import { makeTiles } from '../engine/scale/tiles.js';
import { freePort, startGroup, stopAll, waitFor } from './processes.js';

const BINARIES = ['/usr/sbin/munged', '/usr/sbin/slurmctld', '/usr/sbin/slurmd', '/usr/bin/sbatch'];
const missing = BINARIES.filter((b) => !existsSync(b));
const isRoot = process.getuid?.() === 0;
const skipWhy =
  missing.length > 0
    ? `needs slurm-wlm and munge (missing ${missing.join(', ')})`
    : !isRoot
      ? 'needs root: slurmd launches the tasks and Slurm runs as SlurmUser=root here'
      : '';
const OPTIONS = ['--features', '1024', '--kernel', '7', '--cell-size', '32', '--scale', '0.0001', '--backend', 'cpu', '--threads', '1'];
const SHARDS = 8;

describe.skipIf(skipWhy !== '')(
  `Slurm: a job array on a single-node Slurm started by the test${skipWhy ? ` (skipped: ${skipWhy})` : ''}`,
  () => {
    let dir: string;
    let env: NodeJS.ProcessEnv;
    const slurm = (command: string, args: string[]) => execFileSync(command, args, { env, encoding: 'utf8' }).trim();

    beforeAll(async () => {
      requireBuilt();
      dir = tempDir('rcf-slurm-');
      for (const sub of ['state', 'spool']) mkdirSync(join(dir, sub));
      const key = join(dir, 'munge.key');
      writeFileSync(key, randomBytes(1024));
      chmodSync(key, 0o600);
      const socket = join(dir, 'munge.sock');
      startGroup('/usr/sbin/munged', [
        '-F',
        '-f',
        `--socket=${socket}`,
        `--key-file=${key}`,
        `--log-file=${join(dir, 'munged.log')}`,
        `--pid-file=${join(dir, 'munged.pid')}`,
        `--seed-file=${join(dir, 'munged.seed')}`,
      ]);
      await waitFor(() => existsSync(socket), 10_000, 'munged');
      const [ctldPort, dPort] = [await freePort(), await freePort()];
      const conf = join(dir, 'slurm.conf');
      writeFileSync(
        conf,
        [
          'ClusterName=rcftest',
          'SlurmctldHost=localhost(127.0.0.1)',
          `SlurmctldPort=${ctldPort}`,
          `SlurmdPort=${dPort}`,
          'AuthType=auth/munge',
          `AuthInfo=socket=${socket}`,
          'CredType=cred/munge',
          'SlurmUser=root',
          'SlurmdUser=root',
          `StateSaveLocation=${join(dir, 'state')}`,
          `SlurmdSpoolDir=${join(dir, 'spool')}`,
          `SlurmctldPidFile=${join(dir, 'slurmctld.pid')}`,
          `SlurmdPidFile=${join(dir, 'slurmd.pid')}`,
          `SlurmctldLogFile=${join(dir, 'slurmctld.log')}`,
          `SlurmdLogFile=${join(dir, 'slurmd.log')}`,
          'ProctrackType=proctrack/linuxproc', // no cgroups needed
          'TaskPlugin=task/none',
          'SelectType=select/cons_tres',
          'SelectTypeParameters=CR_CPU',
          'ReturnToService=2',
          'SchedulerType=sched/builtin',
          'JobAcctGatherType=jobacct_gather/none',
          'AccountingStorageType=accounting_storage/none',
          'MpiDefault=none',
          'KillWait=5',
          `NodeName=localhost NodeAddr=127.0.0.1 CPUs=${availableParallelism()} State=UNKNOWN`,
          'PartitionName=debug Nodes=localhost Default=YES MaxTime=INFINITE State=UP',
        ].join('\n') + '\n',
      );
      env = { ...process.env, SLURM_CONF: conf };
      startGroup('/usr/sbin/slurmctld', ['-D', '-i'], { env });
      startGroup('/usr/sbin/slurmd', ['-D', '-N', 'localhost'], { env });
      await waitFor(
        () => spawnSync('sinfo', ['-h', '-o', '%T'], { env, encoding: 'utf8' }).stdout?.trim() === 'idle',
        30_000,
        'the Slurm node to be idle',
        200,
      );
    }, 60_000);

    afterAll(() => {
      stopAll();
      if (dir) rmSync(dir, { recursive: true, force: true });
    });

    it('runs sbatch --array=0-7, survives a task killed and requeued mid-part, and merges to the single run', async () => {
      const { paths } = makeTiles(dir, 4, 2);
      const manifest = join(dir, 'm.jsonl');
      const parts = join(dir, 'parts');
      expect(rcf(['plan', ...paths, ...OPTIONS, '--out-dir', parts, '--manifest', manifest]).code).toBe(0);
      const script = join(dir, 'shard.sh');
      writeFileSync(
        script,
        '#!/bin/sh\n# The index comes from SLURM_ARRAY_TASK_ID.\n' +
          `exec ${process.execPath} ${RCF} featurize --manifest ${manifest} --shard-count ${SHARDS}\n`,
      );
      const started = Date.now();
      const job = slurm('sbatch', [
        '--parsable',
        '--requeue',
        `--array=0-${SHARDS - 1}`,
        '--open-mode=append',
        '-o',
        join(dir, 'shard-%a.out'),
        script,
      ]);

      // Requeue the first task seen writing its part (its rcf holds the part's lock): SIGTERM, then it runs again.
      const task = await waitFor(
        () => {
          for (const f of existsSync(parts) ? readdirSync(parts) : []) {
            if (!f.endsWith('.csv.lock')) continue;
            const pid = readFileSync(join(parts, f), 'utf8').trim();
            const environ = pid ? spawnSync('cat', [`/proc/${pid}/environ`], { encoding: 'utf8' }).stdout : '';
            const id = /(?:^|\0)SLURM_ARRAY_TASK_ID=(\d+)/.exec(environ ?? '');
            if (id) return id[1];
          }
          return null;
        },
        60_000,
        'a task writing its part',
        5,
      );
      slurm('scontrol', ['requeue', `${job}_${task}`]);
      // A requeued task waits two minutes (its BeginTime) before it may start again: let it start now.
      await waitFor(
        () => {
          const queue = slurm('squeue', ['-h', '-j', job, '-o', '%i %T %r']);
          for (const line of queue.split('\n')) {
            const [id, state, reason] = line.split(' ');
            if (state === 'PENDING' && reason === 'BeginTime') spawnSync('scontrol', ['update', `JobId=${id}`, 'StartTime=now'], { env });
          }
          return queue === '';
        },
        90_000,
        'the job array to finish',
        200,
      );
      const wall = (Date.now() - started) / 1000;

      const log = readFileSync(join(dir, `shard-${task}.out`), 'utf8');
      expect(log).toMatch(/SIGTERM received/);
      expect(log).toMatch(new RegExp(`rcf: shard ${task} of ${SHARDS} \\(from SLURM_ARRAY_TASK_ID\\): 1 item\\(s\\) done`));
      for (let i = 0; i < SHARDS; i++) expect(readFileSync(join(dir, `shard-${i}.out`), 'utf8')).toMatch(/item\(s\) done|already done/);

      const merged = join(dir, 'merged.csv');
      expect(rcf(['merge', manifest, '--out', merged]).code).toBe(0);
      const single = join(dir, 'single.csv');
      expect(rcf(['featurize', ...paths, ...OPTIONS, '--out', single]).code).toBe(0);
      expect(readFileSync(merged).equals(readFileSync(single))).toBe(true);
      process.stdout.write(`slurm: ${SHARDS} array tasks (task ${task} requeued) in ${wall.toFixed(1)} s\n`);
    }, 150_000);
  },
);
