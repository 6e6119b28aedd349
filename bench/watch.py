#!/usr/bin/env python3
"""Watch latency: rcompose watch next to docker compose watch (when installed).

For each tool, in a fresh project directory:
  * latency: the time from writing a file on the host to its new content being readable in the
    container, median (and p90) over N writes. A loop inside the container copies the synced
    file to a bind-mounted directory whenever its content changes (checking every millisecond),
    and this script polls that copy, so no `docker exec` round trip is counted;
  * burst: the time from the start of writing F files (5,000 by default) to all of them being
    in the container; also shown: how long writing them took, and the time after the last
    write. For reference, the time the engine alone takes to extract the same files with one
    `docker cp` is printed too: on a fuse-overlayfs storage driver it is a few seconds, and it
    is the floor of any watcher that syncs through the archive API.

The machine should be otherwise idle: other builds running at the same time make the numbers
(and the writing itself) several times slower; the load average is printed with the results.

Usage: bench/watch.py [--writes N] [--files F] [--tools rcompose,docker] [--rcompose PATH]
Needs the busybox:latest image (scripts/busybox-image.sh creates it without a registry).
Targets: median latency <= 150 ms, burst < 5 s.
"""

import argparse
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

# The container copies /app/probe to /out/seen whenever it changes, checking every millisecond
# with shell builtins only (no fork per check).
COMPOSE = """
services:
  app:
    image: rcbench-watch-app
    build: ./ctx
    command: ["sh", "-c", "last=; while :; do v=; IFS= read -r v < /app/probe 2>/dev/null; if [ \\"$$v\\" != \\"$$last\\" ]; then echo \\"$$v\\" > /out/seen.tmp && mv /out/seen.tmp /out/seen; last=$$v; fi; usleep 1000; done"]
    stop_signal: SIGKILL
    volumes: ["./out:/out"]
    develop:
      watch:
        - path: ./src
          action: sync
          target: /app
"""


def rcompose_binary(path):
    if path:
        return os.path.abspath(path)
    target = os.environ.get("CARGO_TARGET_DIR") or os.path.join(ROOT, "target")
    release = os.path.join(target, "release", "rcompose")
    if not os.path.exists(release):
        print("building rcompose (release)...", file=sys.stderr)
        subprocess.run(["cargo", "build", "--release", "--bin", "rcompose"], cwd=ROOT, check=True)
    return release


def docker_compose_available():
    return shutil.which("docker") and subprocess.run(["docker", "compose", "version"], capture_output=True).returncode == 0


class Watch:
    """A watch process in the background; its output is collected line by line."""

    def __init__(self, argv, cwd):
        self.lines = []
        self.proc = subprocess.Popen(argv, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self):
        for line in self.proc.stdout:
            self.lines.append(line.rstrip("\n"))

    def wait_for(self, text, timeout=180):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if any(text in line for line in self.lines):
                return
            if self.proc.poll() is not None:
                break
            time.sleep(0.05)
        raise RuntimeError(f"no {text!r} from {self.proc.args}:\n" + "\n".join(self.lines[-30:]))

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


def wait_seen(seen, token, timeout=60):
    """Polls the bind-mounted copy until it holds `token`; returns when it did."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            with open(seen) as f:
                if f.read().strip() == token:
                    return time.monotonic()
        except FileNotFoundError:
            pass
        if time.monotonic() > deadline:
            raise RuntimeError(f"{token!r} never reached the container")
        time.sleep(0.0005)


def write(path, content):
    with open(path, "w") as f:
        f.write(content)


def count_in_container(container, directory):
    out = subprocess.run(["docker", "exec", container, "sh", "-c", f"ls {directory} 2>/dev/null | wc -l"], capture_output=True, text=True)
    return int(out.stdout.strip() or 0)


def run_tool(name, argv_prefix, writes, files, gap):
    project = f"rcbench-watch-{name}-{os.getpid()}"
    work = tempfile.mkdtemp(prefix=f"watch-bench-{name}-")
    for d in ("src", "out", "ctx"):
        os.makedirs(os.path.join(work, d))
    write(os.path.join(work, "ctx", "Dockerfile"), "FROM busybox:latest\n")
    write(os.path.join(work, "compose.yaml"), COMPOSE)
    probe, seen = os.path.join(work, "src", "probe"), os.path.join(work, "out", "seen")
    watch = Watch(argv_prefix + ["-p", project, "watch"], work)
    try:
        watch.wait_for("Watch enabled")
        write(probe, "warm-up")
        wait_seen(seen, "warm-up")
        time.sleep(gap)
        latencies = []
        for i in range(writes):
            token = f"{i}-{uuid.uuid4().hex[:8]}"
            start = time.monotonic()
            write(probe, token)
            latencies.append(wait_seen(seen, token) - start)
            time.sleep(gap)
        burst_dir = os.path.join(work, "src", "burst")
        os.makedirs(burst_dir)
        start = time.monotonic()
        for i in range(files):
            write(os.path.join(burst_dir, f"f{i}.txt"), str(i))
        written = time.monotonic() - start
        container = f"{project}-app-1"
        deadline = start + 300
        while count_in_container(container, "/app/burst") < files:
            if time.monotonic() > deadline:
                raise RuntimeError(f"the burst of {files} files never fully reached the container")
            time.sleep(0.05)
        burst = time.monotonic() - start
        return latencies, burst, written
    finally:
        watch.stop()
        if os.environ.get("WATCH_BENCH_VERBOSE"):
            print("\n".join(watch.lines), file=sys.stderr)
        subprocess.run(argv_prefix + ["-p", project, "down", "-t", "0"], cwd=work, capture_output=True)
        shutil.rmtree(work, ignore_errors=True)


def engine_floor(files):
    """How long the engine itself takes to extract the burst's files into a container with one
    upload (`docker cp -`): the floor any watcher that syncs through the archive API sits on."""
    import io
    import tarfile

    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w") as tar:
        for i in range(files):
            data = str(i).encode()
            info = tarfile.TarInfo(f"app/burst/f{i}.txt")
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    name = f"rcbench-watch-floor-{os.getpid()}"
    subprocess.run(["docker", "run", "-d", "--name", name, "busybox:latest", "sleep", "600"], check=True, capture_output=True)
    try:
        start = time.monotonic()
        subprocess.run(["docker", "cp", "-", f"{name}:/"], input=buf.getvalue(), check=True, capture_output=True)
        return time.monotonic() - start
    finally:
        subprocess.run(["docker", "rm", "-f", name], capture_output=True)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--writes", type=int, default=30, help="single-file writes timed (default 30)")
    ap.add_argument("--files", type=int, default=5000, help="files in the burst (default 5000)")
    ap.add_argument("--gap", type=float, default=0.3, help="seconds between writes (default 0.3)")
    ap.add_argument("--tools", default="rcompose,docker", help="comma-separated: rcompose, docker")
    ap.add_argument("--rcompose", help="the rcompose binary (default: target/release/rcompose, built if missing)")
    args = ap.parse_args()

    subprocess.run(["bash", os.path.join(ROOT, "scripts", "busybox-image.sh")], check=True)
    tools = []
    for t in args.tools.split(","):
        if t == "rcompose":
            tools.append(("rcompose", [rcompose_binary(args.rcompose)]))
        elif t == "docker":
            if docker_compose_available():
                tools.append(("docker", ["docker", "compose"]))
            else:
                print("docker compose is not installed: skipped", file=sys.stderr)
    results = {}
    load_before = os.getloadavg()
    for name, argv in tools:
        print(f"{name}: {args.writes} writes, then a burst of {args.files} files...", file=sys.stderr)
        results[name] = run_tool(name, argv, args.writes, args.files, args.gap)

    print(f"{'tool':<10} {'median ms':>10} {'p90 ms':>8} {'min ms':>8} {'burst s':>8} {'writing s':>10} {'after s':>8}")
    for name, (lat, burst, written) in results.items():
        ms = sorted(x * 1000 for x in lat)
        p90 = ms[min(len(ms) - 1, int(0.9 * len(ms)))]
        print(f"{name:<10} {statistics.median(ms):>10.1f} {p90:>8.1f} {ms[0]:>8.1f} {burst:>8.2f} {written:>10.2f} {burst - written:>8.2f}")
    floor = engine_floor(args.files)
    load_after = os.getloadavg()
    print(f"{'engine':<10} {'':>10} {'':>8} {'':>8} {floor:>8.2f}   (one docker cp of the burst's files: the engine's floor)")
    if "rcompose" in results and "docker" in results:
        r, d = results["rcompose"], results["docker"]
        print(f"docker compose / rcompose: latency x{statistics.median(d[0]) / statistics.median(r[0]):.1f}, burst x{d[1] / r[1]:.1f}")
    print(f"load average (1, 5, 15 min): {' '.join(f'{x:.2f}' for x in load_before)} before, "
          f"{' '.join(f'{x:.2f}' for x in load_after)} after, on {os.cpu_count()} CPUs")
    if "rcompose" in results:
        lat, burst, _ = results["rcompose"]
        median = statistics.median(lat) * 1000
        ok = median <= 150 and burst < 5
        print(f"rcompose targets (median <= 150 ms, burst < 5 s): {'met' if ok else 'NOT met'}")


if __name__ == "__main__":
    main()
