"""Running the tools: one timed run, runs alternated between the tools, and clean-up.

A run is one process, measured by bench/spawn.rs (built here with plain `rustc`): wall time
from spawn to exit, and from `wait4` peak RSS and CPU time. See spawn.rs for why the Python
harness does not measure its children itself.
"""
import os
import signal
import statistics
import subprocess
import tempfile
import time
from dataclasses import dataclass, field

# The label every compose tool puts on what it creates; clean-up goes by it.
PROJECT_LABEL = "com.docker.compose.project"
# Every project the suite creates starts with this, so that nothing else on a shared engine
# (other engineers' integration tests) is ever touched.
PREFIX = "rcbench-"
TIMEOUT = 600
SPAWN = None  # the built spawn helper, set by build_spawn


class BenchError(Exception):
    pass


@dataclass
class Run:
    wall: float  # seconds
    rss_kib: int  # peak resident set size
    cpu: float  # user + system seconds


@dataclass
class Tool:
    name: str  # "rcompose", "reference" or "engine floor"
    argv: list  # the command before the compose subcommand


@dataclass
class Samples:
    """Runs of one tool in one scenario."""
    runs: list = field(default_factory=list)

    def median_wall(self):
        return statistics.median(r.wall for r in self.runs)

    def median_rss(self):
        return statistics.median(r.rss_kib for r in self.runs)


def build_spawn(root):
    """Builds bench/spawn.rs into target/bench/spawn when missing or older than its source."""
    global SPAWN
    src = os.path.join(root, "bench", "spawn.rs")
    out = os.path.join(root, "target", "bench", "spawn")
    if not os.path.exists(out) or os.path.getmtime(out) < os.path.getmtime(src):
        os.makedirs(os.path.dirname(out), exist_ok=True)
        subprocess.run(["rustc", "--edition", "2021", "-O", src, "-o", out], check=True)
    SPAWN = out


def run(argv, cwd, check=True):
    """Runs `argv` to completion with its output discarded (standard error is kept for the
    error message); returns the `Run`."""
    with tempfile.TemporaryFile() as err, tempfile.NamedTemporaryFile(mode="r") as report:
        p = subprocess.Popen([SPAWN, report.name, "--"] + argv, cwd=cwd, stdin=subprocess.DEVNULL,
                             stdout=subprocess.DEVNULL, stderr=err, start_new_session=True)
        try:
            p.wait(TIMEOUT)
        except subprocess.TimeoutExpired:
            kill_group(p)
            p.wait()
            raise BenchError(f"`{' '.join(argv)}` still running after {TIMEOUT} s")
        fields = report.read().split()
        if p.returncode != 0 and check or len(fields) != 5:
            err.seek(0)
            tail = err.read().decode(errors="replace").strip().splitlines()[-5:]
            raise BenchError(f"`{' '.join(argv)}` exited with {p.returncode}: " + " / ".join(tail))
    wall_ns, rss, user_us, sys_us, _ = (int(f) for f in fields)
    return Run(wall=wall_ns / 1e9, rss_kib=rss, cpu=(user_us + sys_us) / 1e6)


def capture(argv, cwd=None):
    return subprocess.run(argv, cwd=cwd, capture_output=True, text=True, check=True, timeout=TIMEOUT).stdout


def alternate(tools, runs, once, warmup=True):
    """`once(tool)` for each tool in turn, A B A B ..., after one warm-up run each (not kept);
    returns {tool name: Samples}."""
    out = {t.name: Samples() for t in tools}
    if warmup:
        for t in tools:
            once(t)
    for _ in range(runs):
        for t in tools:
            out[t.name].runs.append(once(t))
    return out


def project_ids(project, kind="ps"):
    """Ids of the project's containers (kind "ps"), networks or volumes."""
    argv = {"ps": ["docker", "ps", "-aq"], "network": ["docker", "network", "ls", "-q"],
            "volume": ["docker", "volume", "ls", "-q"]}[kind]
    return capture(argv + ["--filter", f"label={PROJECT_LABEL}={project}"]).split()


def cleanup(project, cwd=None, down_argv=None):
    """Removes everything of `project`: its `down -v` first (`down_argv`, the compose command
    to use, when the project directory is given), then whatever is left by label, again until
    nothing is (a stopped container's network endpoint is released a moment after the stop
    returns). Containers are stopped, then removed: never `rm -f` on running ones, which
    looked likelier to trip the engine bug below.

    Returns the networks the engine will not remove although no container uses them: Docker
    20.10 sometimes loses count of a network's endpoints (moby/moby#42119, for `rm -f` and
    `down` alike) and refuses to remove the network until the daemon restarts. Never raises: it
    runs in `finally` blocks."""
    assert project.startswith(PREFIX), project
    if down_argv and cwd and os.path.isdir(cwd):
        try:
            run(down_argv + ["-p", project, "down", "-v", "--remove-orphans", "-t", "0"], cwd, check=False)
        except BenchError:
            pass
    deadline = time.monotonic() + 10
    while True:
        try:
            ids = project_ids(project)
            if ids:
                quiet(["docker", "stop", "-t", "0"] + ids)
                quiet(["docker", "rm", "-f", "-v"] + ids)
            networks = project_ids(project, "network")
            if networks:
                quiet(["docker", "network", "rm"] + networks)
            volumes = project_ids(project, "volume")
            if volumes:
                quiet(["docker", "volume", "rm", "-f"] + volumes)
            if not (ids or networks or volumes):
                return []
            if time.monotonic() > deadline and not project_ids(project):
                return capture(["docker", "network", "ls", "--format", "{{.Name}}", "--filter",
                                f"label={PROJECT_LABEL}={project}"]).split()
        except (subprocess.SubprocessError, OSError):
            if time.monotonic() > deadline:
                return []
        time.sleep(0.25)


def quiet(argv):
    subprocess.run(argv, capture_output=True, timeout=TIMEOUT)


def leftovers(project):
    """What of `project` is still on the engine, as "3 containers, 1 network"; empty if none."""
    parts = []
    for kind, word in (("ps", "container"), ("network", "network"), ("volume", "volume")):
        n = len(project_ids(project, kind))
        if n:
            parts.append(f"{n} {word}{'s' if n > 1 else ''}")
    return ", ".join(parts)


def free_subnet():
    """A /24 in 10.213.0.0/16 that no network on the engine uses. Every project the suite runs
    gets one, so that networks the engine fails to remove (see `cleanup`) use up this range,
    not the engine's default address pools that everyone else on the machine draws from."""
    ids = capture(["docker", "network", "ls", "-q"]).split()
    # Not `capture`: a network someone else removes between the two calls fails the inspect
    # of that one id (exit 1), and the others are still printed.
    used = set(subprocess.run(["docker", "network", "inspect", "--format", "{{range .IPAM.Config}}{{.Subnet}} {{end}}"] + ids,
                              capture_output=True, text=True, timeout=TIMEOUT).stdout.split())
    for k in range(256):
        subnet = f"10.213.{k}.0/24"
        if subnet not in used:
            return subnet
    raise BenchError("no free /24 left in 10.213.0.0/16 (networks the engine failed to remove?)")


def kill_group(p):
    """Ends a process started with `start_new_session=True`, and everything it started."""
    try:
        os.killpg(p.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass


def loadavg():
    with open("/proc/loadavg") as f:
        return float(f.read().split()[0])


def cpu_busy(seconds=3.0):
    """The share of the machine's CPU time spent busy over the next `seconds` (0 to 1): while
    the harness is idle between scenarios, that is everyone else's load."""
    def sample():
        with open("/proc/stat") as f:
            v = [int(x) for x in f.readline().split()[1:]]
        return sum(v), v[3] + v[4]  # total, idle + iowait
    t0, i0 = sample()
    time.sleep(seconds)
    t1, i1 = sample()
    return 1 - (i1 - i0) / max(t1 - t0, 1)


def wait_quiet(max_busy, max_wait, log):
    """Waits until the machine is at most `max_busy` busy (see cpu_busy), or `max_wait`
    seconds have passed; returns the last reading."""
    deadline = time.monotonic() + max_wait
    busy = cpu_busy()
    if busy > max_busy and max_wait > 0:
        log(f"  machine {busy:.0%} busy: waiting up to {max_wait:.0f} s for at most {max_busy:.0%} ...")
        while busy > max_busy and time.monotonic() < deadline:
            time.sleep(7)
            busy = cpu_busy()
    return busy
