// The example specs in deploy/ (a Kubernetes Indexed Job, an AWS Batch array job, a Slurm array script, the
// Containerfile) hold together: the array size equals --shard-count, the command is a shard's, and each command,
// run as its engine runs it (the engine's index variable set, /data a folder here), does its shard of a real manifest.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT, rcf, tempDir } from '../helpers/cli.js';
import { makeTiles, RUN_OPTIONS } from '../engine/scale/tiles.js';

const deploy = (p: string) => join(ROOT, 'deploy', p);

/** A YAML file as JSON, read by Python's yaml (python3-yaml, which python3-distributed brings). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- a spec's shape is what the test checks
function yaml(path: string): Record<string, any> {
  const script = 'import json,sys,yaml\nprint(json.dumps(yaml.safe_load(open(sys.argv[1]))))';
  return JSON.parse(execFileSync('/usr/bin/python3', ['-c', script, path], { encoding: 'utf8' }));
}

/** The --shard-count of a shard's command. */
const shardCount = (args: string[]) => Number(args[args.indexOf('--shard-count') + 1]);

describe('deploy/ specs', () => {
  let data: string;
  beforeAll(() => {
    data = tempDir('rcf-specs-');
    const { paths } = makeTiles(data, 4, 2);
    mkdirSync(join(data, 'parts'));
    const plan = rcf(['plan', ...paths, ...RUN_OPTIONS, '--out-dir', join(data, 'parts'), '--manifest', join(data, 'm.jsonl')]);
    expect(plan.code, plan.stderr).toBe(0);
  });
  afterAll(() => rmSync(data, { recursive: true, force: true }));

  /** Runs a spec's rcf arguments as its engine would, with /data here; returns the shard's last line. */
  function runAs(args: string[], env: Record<string, string>): string {
    const r = rcf(
      args.map((a) => a.replace(/^\/data\//, `${data}/`)),
      { SLURM_ARRAY_TASK_ID: '', JOB_COMPLETION_INDEX: '', AWS_BATCH_JOB_ARRAY_INDEX: '', ...env },
    );
    expect(r.code, r.stderr).toBe(0);
    return r.stderr.trimEnd().split('\n').pop()!;
  }

  it('Kubernetes: an Indexed Job whose completions equal --shard-count; pod 3 runs shard 3', () => {
    const job = yaml(deploy('kubernetes/rcf-shards-job.yaml'));
    expect(job.apiVersion).toBe('batch/v1');
    expect(job.kind).toBe('Job');
    expect(job.spec.completionMode).toBe('Indexed');
    expect(job.spec.parallelism).toBeGreaterThan(0);
    const [container] = job.spec.template.spec.containers;
    expect(container.args.slice(0, 3)).toEqual(['featurize', '--manifest', '/data/m.jsonl']);
    expect(shardCount(container.args)).toBe(job.spec.completions);
    expect(container.volumeMounts[0].mountPath).toBe('/data');
    expect(runAs(container.args, { JOB_COMPLETION_INDEX: '3' })).toBe(
      `rcf: shard 3 of 8 (from JOB_COMPLETION_INDEX): 1 item(s) done, 0 already done, 50 cells`,
    );
  });

  it('AWS Batch: an array job whose size equals --shard-count; child 5 runs shard 5', () => {
    const definition = JSON.parse(readFileSync(deploy('aws-batch/job-definition.json'), 'utf8'));
    const submit = JSON.parse(readFileSync(deploy('aws-batch/submit-job.json'), 'utf8'));
    expect(definition.type).toBe('container');
    expect(submit.jobDefinition).toBe(definition.jobDefinitionName);
    const { command, mountPoints } = definition.containerProperties;
    expect(shardCount(command)).toBe(submit.arrayProperties.size);
    expect(mountPoints[0].containerPath).toBe('/data');
    expect(runAs(command, { AWS_BATCH_JOB_ARRAY_INDEX: '5' })).toMatch(
      /^rcf: shard 5 of 8 \(from AWS_BATCH_JOB_ARRAY_INDEX\): 1 item\(s\) done/,
    );
  });

  it('Slurm: the array script covers 0 to --shard-count - 1 and requeues', () => {
    const script = readFileSync(deploy('slurm/rcf-shards.sbatch'), 'utf8');
    const array = /^#SBATCH --array=0-(\d+)$/m.exec(script);
    expect(script).toMatch(/^#SBATCH --requeue$/m);
    const exec = /^exec rcf (.*)$/m.exec(script)![1].split(' ');
    expect(Number(array![1]) + 1).toBe(shardCount(exec));
    const args = exec.map((a) => (a === 'm.jsonl' ? '/data/m.jsonl' : a));
    expect(runAs(args, { SLURM_ARRAY_TASK_ID: '6' })).toMatch(/^rcf: shard 6 of 8 \(from SLURM_ARRAY_TASK_ID\): 1 item\(s\) done/);
  });

  it('Containerfile: Node 22, the native kernel built in a build stage, no build tools in the image that runs', () => {
    const file = readFileSync(deploy('Containerfile'), 'utf8');
    const stages = file.split(/^FROM /m).slice(1);
    expect(stages).toHaveLength(2);
    expect(stages[0]).toMatch(/^docker\.io\/library\/node:22-bookworm AS build/);
    expect(stages[0]).toMatch(/build:native/);
    expect(stages[1]).toMatch(/^docker\.io\/library\/node:22-bookworm-slim/);
    expect(stages[1]).not.toMatch(/build-essential|npm (ci|install)/);
    expect(stages[1]).toMatch(/ENTRYPOINT \["node", "\/opt\/rcf\/dist\/electron\/cli\/rcf\.js"\]/);
  });
});
