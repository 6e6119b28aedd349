#!/usr/bin/env python3
"""`pull` of a service image with five layers from a local registry, rcompose beside Docker
Compose (`docker compose pull`).

    python3 bench/pull.py [--runs N] [--layer-mib M] [--markdown FILE]

Starts its own registry (Debian's `docker-registry`, on a free loopback port, storage in a
temporary folder), seeds it with an image built FROM the local busybox plus five RUN layers of
M MiB of random bytes each, and then, in turn (A B A B ..., after one warm-up run each), removes
the image from the engine and times each tool pulling it back. Prints the median wall time of
each tool, the ratio reference/rcompose, and how many layers rcompose's pull had downloading at
once (from its plain progress lines: more than one means the layers came in parallel).
Needs `target/release/rcompose` (`cargo build --release`). Everything it makes is removed at
the end, on failure too.
"""
import argparse
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
RCOMPOSE = os.path.join(ROOT, "target", "release", "rcompose")


def reference_command():
    for path in ("/opt/compose-2.40/docker-compose",):
        if os.path.isfile(path):
            return [path]
    if subprocess.run(["docker", "compose", "version"], capture_output=True).returncode == 0:
        return ["docker", "compose"]
    return None


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_registry(root):
    port = free_port()
    storage = os.path.join(root, "storage")
    os.makedirs(storage)
    config = os.path.join(root, "registry.yml")
    with open(config, "w") as f:
        f.write(f"version: 0.1\nlog:\n  level: error\nstorage:\n  filesystem:\n    rootdirectory: {storage}\n"
                f"http:\n  addr: 127.0.0.1:{port}\n  secret: bench\n")
    log = open(os.path.join(root, "registry.log"), "w")
    proc = subprocess.Popen(["docker-registry", "serve", config], stdout=log, stderr=log)
    host = f"127.0.0.1:{port}"
    for _ in range(200):
        try:
            urllib.request.urlopen(f"http://{host}/v2/", timeout=1)
            return proc, host
        except Exception:
            time.sleep(0.05)
    proc.terminate()
    sys.exit(f"bench: the registry does not answer on {host}")


def sh(*args, stdin=None):
    r = subprocess.run(args, input=stdin, capture_output=True, text=True)
    if r.returncode != 0:
        sys.exit(f"bench: {' '.join(args)} failed: {r.stderr.strip()}")
    return r.stdout


def seed(host, layer_mib):
    image = f"{host}/rcbench/five:1"
    dockerfile = "FROM busybox\n" + "".join(
        f"RUN head -c {layer_mib * 1048576} /dev/urandom > /layer-{i}\n" for i in range(5))
    env = dict(os.environ, DOCKER_BUILDKIT="0")
    r = subprocess.run(["docker", "build", "-q", "--network", "none", "-t", image, "-"], input=dockerfile, capture_output=True, text=True, env=env)
    if r.returncode != 0:
        sys.exit(f"bench: building the seed image failed: {r.stderr.strip()}")
    sh("docker", "push", image)
    return image


def remove(image):
    subprocess.run(["docker", "rmi", "-f", image], capture_output=True)


def timed(cmd, cwd):
    start = time.perf_counter()
    r = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True)
    elapsed = (time.perf_counter() - start) * 1000
    if r.returncode != 0:
        sys.exit(f"bench: {' '.join(cmd)} failed: {r.stderr.strip()}")
    return elapsed, r.stderr


def most_at_once(progress):
    """The most layers in `Downloading` at the same time, from plain progress lines."""
    state, most = {}, 0
    for line in progress.splitlines():
        m = re.search(r"([0-9a-f]{12}): (.*)$", line)
        if not m:
            continue
        state[m.group(1)] = m.group(2).strip()
        most = max(most, sum(1 for s in state.values() if s.startswith("Downloading")))
    return most


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--runs", type=int, default=7)
    ap.add_argument("--layer-mib", type=int, default=8)
    ap.add_argument("--markdown", help="append the table to this file")
    args = ap.parse_args()
    if not os.path.isfile(RCOMPOSE):
        sys.exit("bench: build the release binary first: cargo build --release")
    sh("bash", os.path.join(ROOT, "scripts", "busybox-image.sh"))
    reference = reference_command()
    root = tempfile.mkdtemp(prefix="rcbench-pull-")
    proc, host = start_registry(root)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))
    image = None
    try:
        image = seed(host, args.layer_mib)
        project = os.path.join(root, "project")
        os.makedirs(project)
        with open(os.path.join(project, "compose.yaml"), "w") as f:
            f.write(f"services:\n  app:\n    image: {image}\n")
        tools = [("rcompose", [RCOMPOSE, "-p", "rcbench-pull", "--progress", "plain", "pull"])]
        if reference:
            tools.append(("docker compose", reference + ["-p", "rcbench-pull", "--progress", "plain", "pull"]))
        times = {name: [] for name, _ in tools}
        parallel = []
        for run in range(args.runs + 1):
            for name, cmd in tools:
                remove(image)
                elapsed, progress = timed(cmd, project)
                if run > 0:
                    times[name].append(elapsed)
                    if name == "rcompose":
                        parallel.append(most_at_once(progress))
        ours = statistics.median(times["rcompose"])
        theirs = statistics.median(times["docker compose"]) if reference else None
        rows = [
            "| scenario | rcompose (ms) | docker compose (ms) | ratio (reference/rcompose) | layers downloading at once (rcompose, max) |",
            "|---|---|---|---|---|",
            f"| pull, 5 layers x {args.layer_mib} MiB, local registry | {ours:.0f} | "
            f"{'-' if theirs is None else f'{theirs:.0f}'} | {'-' if theirs is None else f'{theirs / ours:.2f}x'} | {max(parallel)} |",
        ]
        text = "\n".join(rows)
        print(text)
        print(f"runs: {args.runs} each (medians), rcompose times: {[round(t) for t in times['rcompose']]}")
        if reference:
            print(f"docker compose times: {[round(t) for t in times['docker compose']]}")
        if args.markdown:
            with open(args.markdown, "a") as f:
                f.write(text + "\n")
    finally:
        if image:
            remove(image)
        proc.terminate()
        proc.wait()
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
