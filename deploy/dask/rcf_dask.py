#!/usr/bin/env python3
"""Run the shards of an `rcf plan` manifest on a Dask cluster.

Each Dask task is one shard: it calls the `rcf` command line on the worker,

    rcf featurize --manifest M.jsonl --shard-index I --shard-count N

so the workers need `rcf` (or --rcf "node /path/to/rcf.js") and the manifest's
paths (a shared file system). A shard is idempotent: its items already done are
skipped and a killed one continues its unfinished part, so Dask may retry it or
run it twice (a lost worker, --retries) without harm. When every shard is done:

    rcf merge M.jsonl --out features.gpkg

Usage:
    python3 rcf_dask.py --scheduler tcp://127.0.0.1:8786 --manifest M.jsonl --shards 8 [--retries 3] [--rcf rcf]

Needs Dask's `distributed` (Debian: python3-distributed).
"""
import argparse
import shlex
import subprocess
import sys

from distributed import Client, as_completed


def run_shard(index, count, manifest, rcf):
    """One shard, on a worker: the rcf CLI's exit status and its last line; a failure raises (Dask then retries)."""
    cmd = shlex.split(rcf) + ["featurize", "--manifest", manifest, "--shard-index", str(index), "--shard-count", str(count)]
    done = subprocess.run(cmd, capture_output=True, text=True)
    last = (done.stderr.strip().splitlines() or [""])[-1]
    if done.returncode != 0:
        raise RuntimeError(f"shard {index}: exit {done.returncode}: {last}")
    return index, last


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scheduler", required=True, help="the scheduler's address, e.g. tcp://127.0.0.1:8786")
    parser.add_argument("--manifest", required=True, help="the manifest rcf plan wrote (a path every worker can read)")
    parser.add_argument("--shards", type=int, required=True, help="how many shards (tasks) to split the items into")
    parser.add_argument("--retries", type=int, default=3, help="tries of a failed shard after the first (default 3)")
    parser.add_argument("--rcf", default="rcf", help='how workers start rcf (default "rcf")')
    args = parser.parse_args(argv)

    with Client(args.scheduler) as client:
        # pure=False: a retried shard is a new run, never a cached result.
        futures = client.map(
            run_shard, range(args.shards), count=args.shards, manifest=args.manifest, rcf=args.rcf, retries=args.retries, pure=False
        )
        failed = 0
        for future in as_completed(futures):
            try:
                index, last = future.result()
                print(f"shard {index}: {last}", flush=True)
            except Exception as e:  # the shard's own one-line message
                failed += 1
                print(f"failed: {e}", file=sys.stderr, flush=True)
    if failed:
        print(f"{failed} of {args.shards} shards failed; run this again (done items are skipped)", file=sys.stderr)
        return 1
    print(f"all {args.shards} shards done; now: rcf merge {shlex.quote(args.manifest)} --out OUT.gpkg", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
