"""Runs one command under a wall-clock and memory limit measured from outside it.

Usage: bounded.py SECONDS MAX_RSS_BYTES -- COMMAND...
Prints one JSON line: {"code", "signal", "seconds", "max_rss_bytes", "timed_out", "over_memory"}.
The peak is the kernel's own (ru_maxrss of the waited child); a poller kills the
child early when its resident set passes twice the limit, so a runaway case cannot
take the machine down before the kernel's figure is read.
"""
import json, os, resource, signal, subprocess, sys, threading, time

seconds, limit = float(sys.argv[1]), int(sys.argv[2])
command = sys.argv[sys.argv.index('--') + 1:]
start = time.monotonic()
child = subprocess.Popen(command, stdout=sys.stdout, stderr=sys.stderr, start_new_session=True)
killed = {'time': False, 'memory': False}


def kill_group():
    try:
        os.killpg(child.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass


def group_rss():
    total = 0
    for pid in os.listdir('/proc'):
        if not pid.isdigit():
            continue
        try:
            with open(f'/proc/{pid}/stat') as f:
                fields = f.read().rsplit(')', 1)[1].split()
            if int(fields[2]) != child.pid:  # process group id
                continue
            with open(f'/proc/{pid}/statm') as f:
                total += int(f.read().split()[1]) * os.sysconf('SC_PAGE_SIZE')
        except (OSError, IndexError, ValueError):
            continue
    return total


def watch():
    while child.poll() is None:
        if time.monotonic() - start > seconds:
            killed['time'] = True
            kill_group()
            return
        if group_rss() > 2 * limit:
            killed['memory'] = True
            kill_group()
            return
        time.sleep(0.02)


threading.Thread(target=watch, daemon=True).start()
code = child.wait()
elapsed = time.monotonic() - start
kill_group()  # nothing the command started outlives it
peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * 1024
print(json.dumps({
    'code': code if code >= 0 else None,
    'signal': -code if code < 0 else None,
    'seconds': round(elapsed, 3),
    'max_rss_bytes': peak,
    'timed_out': killed['time'],
    'over_memory': killed['memory'] or peak > limit,
}))
