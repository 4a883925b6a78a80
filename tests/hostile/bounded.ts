// Runs the built `rcf` (or any Node script) on one hostile input under the suites' per-case limits,
// measured from outside the process: 10 s of wall clock and 1 GiB of peak resident memory.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { RCF, ROOT, requireBuilt } from '../helpers/cli.js';

const BOUNDED = fileURLToPath(new URL('./bounded.py', import.meta.url));
export const CASE_SECONDS = 10;
export const CASE_BYTES = 1024 ** 3;

export interface BoundedResult {
  code: number | null;
  signal: number | null;
  seconds: number;
  maxRssBytes: number;
  timedOut: boolean;
  overMemory: boolean;
  stdout: string;
  stderr: string;
}

/** Runs `node script ...args` under the limits; stdout is the command's, the measurement comes on fd 3's stand-in (last line). */
export function runBounded(
  script: string,
  args: string[],
  options: { seconds?: number; bytes?: number; env?: NodeJS.ProcessEnv; input?: string } = {},
): BoundedResult {
  const seconds = options.seconds ?? CASE_SECONDS;
  const bytes = options.bytes ?? CASE_BYTES;
  const r = spawnSync('/usr/bin/python3', [BOUNDED, String(seconds), String(bytes), '--', process.execPath, script, ...args], {
    cwd: ROOT,
    encoding: 'utf8',
    env: { ...process.env, ...options.env },
    input: options.input,
    maxBuffer: 1 << 28,
  });
  const lines = r.stdout.trimEnd().split('\n');
  const measured = JSON.parse(lines.pop() ?? '{}') as Record<string, unknown>;
  return {
    code: measured.code as number | null,
    signal: measured.signal as number | null,
    seconds: measured.seconds as number,
    maxRssBytes: measured.max_rss_bytes as number,
    timedOut: measured.timed_out as boolean,
    overMemory: measured.over_memory as boolean,
    stdout: lines.join('\n'),
    stderr: r.stderr,
  };
}

/** `rcf ARGS` under the limits. */
export function rcfBounded(args: string[], options: Parameters<typeof runBounded>[2] = {}): BoundedResult {
  requireBuilt();
  return runBounded(RCF, args, options);
}

/**
 * What every hostile case must end in: within the limits, and either a success or a clean refusal —
 * exit 1 with exactly one line on stderr that names the input (no stack, no V8 abort).
 */
export function describeOutcome(r: BoundedResult): string {
  const limits = r.timedOut ? 'ran past its time limit' : r.overMemory ? `used ${Math.round(r.maxRssBytes / 2 ** 20)} MiB` : '';
  if (limits) return limits;
  if (r.signal !== null) return `died from signal ${r.signal}`;
  const lines = r.stderr
    .trimEnd()
    .split('\n')
    .filter((line) => line !== '');
  if (r.code === 0) return 'ok';
  if (r.code === 1 && lines.length === 1 && !/\bat .+:\d+:\d+\)?$|FATAL ERROR|heap out of memory/.test(r.stderr)) return 'refused';
  return `exit ${r.code}: ${r.stderr.slice(0, 400)}`;
}
