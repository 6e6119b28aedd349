"""`logs -f` under load: lines per second delivered and the CPU the tool spends on them.

The stack (stacks.chatty) offers a steady load. The tool follows with `--tail 0` (only new
lines), its standard output read by a thread that counts newlines; after a warm-up the lines
and the CPU time of the tool's whole process tree (`/proc/<pid>/stat`, so the `docker-compose`
plugin under the `docker` CLI counts) are sampled at both ends of a fixed window. The tool runs
in a session of its own and is killed with its process group at the end.
"""
import os
import subprocess
import threading
import time
from dataclasses import dataclass

import harness

# Offered load: every service prints LINES lines, then sleeps PAUSE seconds.
LINES, PAUSE = 200, 0.1
WARMUP, WINDOW = 1.5, 5.0
TICK = os.sysconf("SC_CLK_TCK")


@dataclass
class Follow:
    lines_per_s: float
    cpu_pct: float  # of one core, over the window
    rss_kib: int

    @property
    def cpu_ms_per_kline(self):
        return self.cpu_pct * 10 / (self.lines_per_s / 1000) if self.lines_per_s else float("inf")


class LineCounter(threading.Thread):
    def __init__(self, stream):
        super().__init__(daemon=True)
        self.stream = stream
        self.lines = 0

    def run(self):
        fd = self.stream.fileno()
        while True:
            chunk = os.read(fd, 1 << 16)
            if not chunk:
                return
            self.lines += chunk.count(b"\n")


def tree(root):
    """`root` and all its descendants."""
    parent = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as f:
                    parent[int(entry)] = int(f.read().rsplit(")", 1)[1].split()[1])
            except OSError:
                continue
    pids, frontier = {root}, {root}
    while frontier:
        frontier = {p for p, pp in parent.items() if pp in frontier and p not in pids}
        pids |= frontier
    return pids


def tree_stats(root):
    """(CPU seconds, user + system, summed over `root` and its descendants; the largest peak
    RSS among them in KiB, from VmHWM, which unlike `ru_maxrss` does not count what the
    process was before it exec'd)."""
    cpu, hwm = 0, 0
    for pid in tree(root):
        try:
            with open(f"/proc/{pid}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
            cpu += int(fields[11]) + int(fields[12])
            with open(f"/proc/{pid}/status") as f:
                hwm = max([hwm] + [int(l.split()[1]) for l in f if l.startswith("VmHWM:")])
        except OSError:
            continue
    return cpu / TICK, hwm


def measure(argv, cwd):
    p = subprocess.Popen(argv + ["logs", "-f", "--tail", "0"], cwd=cwd, stdin=subprocess.DEVNULL,
                         stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, start_new_session=True)
    counter = LineCounter(p.stdout)
    counter.start()
    try:
        time.sleep(WARMUP)
        if p.poll() is not None:
            raise harness.BenchError(f"`{' '.join(p.args)}` exited with {p.returncode}")
        l0, (c0, _), t0 = counter.lines, tree_stats(p.pid), time.perf_counter()
        time.sleep(WINDOW)
        l1, (c1, hwm), t1 = counter.lines, tree_stats(p.pid), time.perf_counter()
    finally:
        harness.kill_group(p)
        p.wait()
        counter.join()
        p.stdout.close()
    return Follow(lines_per_s=(l1 - l0) / (t1 - t0), cpu_pct=100 * (c1 - c0) / (t1 - t0), rss_kib=hwm)
