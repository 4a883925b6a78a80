#!/usr/bin/env node
/**
 * `rcf`: the command line over the engine. A thin shell: it parses flags, runs
 * engine calls, prints progress on stderr, and turns errors into one line.
 *
 * Exit status: 0 done; 1 error; 2 bad usage; 130 cancelled by SIGINT, 143 by
 * SIGTERM (what was finished is kept; `--resume` continues).
 */
import { availableParallelism } from 'node:os';

// The native kernel runs on libuv's thread pool, whose size is fixed when it
// is first used: leave room for every core plus file reads.
process.env.UV_THREADPOOL_SIZE ??= String(availableParallelism() + 2);

const { main } = await import('./main.js');
process.exitCode = await main(process.argv.slice(2));
