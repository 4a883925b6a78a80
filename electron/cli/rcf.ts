#!/usr/bin/env node
/**
 * `rcf`: the command line over the engine. A thin shell: it parses flags, runs
 * engine calls, prints progress on stderr, and turns errors into one line.
 *
 * Exit status: 0 done; 1 error; 2 bad usage; 130 cancelled by SIGINT, 143 by
 * SIGTERM (what was finished is kept; `--resume` continues).
 */
import { availableParallelism } from 'node:os';
import * as nodeModule from 'node:module';

const [major, minor] = process.versions.node.split('.').map(Number);
if (major < 22 || (major === 22 && minor < 12)) {
  process.stderr.write(
    `rcf: needs Node.js 22.12 or newer, this is ${process.versions.node}; ` +
      "run it as `npm run rcf -- COMMAND ...` in the project, which uses the project's own Node\n",
  );
  process.exit(1);
}

// Caches compiled code on disk, so later runs start faster.
nodeModule.enableCompileCache?.();

// GeoPackages are written with node:sqlite, whose "experimental" warning would
// only confuse users of a finished export; every other warning still shows.
const emitWarning = process.emitWarning.bind(process);
process.emitWarning = ((warning: string | Error, ...rest: never[]) => {
  if (String(warning).startsWith('SQLite is an experimental feature')) return;
  emitWarning(warning, ...rest);
}) as typeof process.emitWarning;

// The native kernel runs on libuv's thread pool, whose size is fixed when it
// is first used: leave room for every core plus file reads.
process.env.UV_THREADPOOL_SIZE ??= String(availableParallelism() + 2);

const { main } = await import('./main.js');
process.exitCode = await main(process.argv.slice(2));
