#!/usr/bin/env python3
"""`stack deploy` of 30 services to the local Swarm, rcompose beside Docker's own
(`docker stack deploy --detach=false`), each waiting until every service runs.

    python3 bench/stack.py [--runs N] [--services S] [--markdown FILE]

The stack: S replicated busybox services (`sleep`), one task each, on the stack's default
overlay network. Each run deploys it under a fresh name, timed from spawn to exit by
bench/spawn.rs: `rcompose -f FILE -p NAME stack deploy --wait` against `docker stack deploy
--detach=false -c FILE NAME` (which also waits for each service's tasks to be running, and
then watches them a few seconds for stability, its `--detach=false` monitor). The tools run in
turn (A B A B ...) after a warm-up run each; between runs the stack is removed and the harness
waits for its containers and network to be gone, so that no run pays for the previous one's
clean-up. Prints the medians and the ratio reference/rcompose.

Needs the main engine in swarm mode (`docker swarm init --advertise-addr 127.0.0.1`; the
script does not change the engine's swarm state), `target/release/rcompose`, and busybox:latest.
Stacks are named `rcbench-stack-*` and removed at the end, on failure too.
"""
import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time

import harness
from harness import BenchError

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
NAMESPACE = "com.docker.stack.namespace"


def stack_file(services):
    lines = ["services:"]
    for i in range(services):
        lines += [f"  s{i}:", "    image: busybox:latest", '    command: ["sleep", "3600"]', "    stop_signal: SIGKILL",
                  "    deploy:", "      replicas: 1"]
    return "\n".join(lines) + "\n"


def remove(name):
    """`docker stack rm`, then waits (a minute at most) until its containers and network are gone."""
    subprocess.run(["docker", "stack", "rm", name], capture_output=True, timeout=120)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        left = harness.capture(["docker", "ps", "-aq", "--filter", f"label={NAMESPACE}={name}"]).split()
        left += harness.capture(["docker", "network", "ls", "-q", "--filter", f"label={NAMESPACE}={name}"]).split()
        if not left:
            return
        time.sleep(0.5)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--services", type=int, default=30)
    ap.add_argument("--markdown")
    ap.add_argument("--binary", default=os.path.join(ROOT, "target", "release", "rcompose"), help="the rcompose to time")
    args = ap.parse_args()

    state = harness.capture(["docker", "info", "-f", "{{.Swarm.LocalNodeState}} {{.Swarm.ControlAvailable}}"]).strip()
    if state != "active true":
        sys.exit(f"stack.py: the engine is not a swarm manager ({state}): run `docker swarm init --advertise-addr 127.0.0.1`")
    subprocess.run([os.path.join(ROOT, "scripts", "busybox-image.sh")], check=True)
    harness.build_spawn(ROOT)
    ours = os.path.join(ROOT, "target", "bench", "rcompose-stack")
    os.makedirs(os.path.dirname(ours), exist_ok=True)
    shutil.copy2(args.binary, ours)

    work = tempfile.mkdtemp(prefix="rcbench-stack-")
    compose = os.path.join(work, "compose.yaml")
    with open(compose, "w") as f:
        f.write(stack_file(args.services))
    counter = iter(range(1_000_000))
    names = []

    def once(tool):
        name = f"{harness.PREFIX}stack-{os.getpid()}-{next(counter)}"
        names.append(name)
        if tool.name == "rcompose":
            argv = [ours, "-f", compose, "-p", name, "stack", "deploy", "--wait"]
        else:
            argv = ["docker", "stack", "deploy", "--detach=false", "-c", compose, name]
        try:
            return harness.run(argv, work)
        finally:
            remove(name)

    tools = [harness.Tool("rcompose", [ours]), harness.Tool("reference", ["docker", "stack"])]
    try:
        samples = harness.alternate(tools, args.runs, once)
    except BenchError as e:
        sys.exit(f"stack.py: {e}")
    finally:
        for name in names:
            remove(name)
        shutil.rmtree(work, ignore_errors=True)

    rc, ref = samples["rcompose"], samples["reference"]
    ms = lambda s: s.median_wall() * 1000  # noqa: E731
    row = (f"| stack deploy, {args.services} services, wait ({args.runs} runs) | {ms(rc):.0f} | {ms(ref):.0f} | "
           f"{ms(ref) / ms(rc):.2f}x | {rc.median_rss() / 1024:.1f} | {ref.median_rss() / 1024:.1f} |")
    table = ("| scenario | rcompose (ms) | docker stack deploy (ms) | ref/rc | RSS rc (MiB) | RSS ref (MiB) |\n"
             "|---|---|---|---|---|---|\n" + row + "\n")
    spread = lambda s: f"{min(r.wall for r in s.runs) * 1000:.0f} to {max(r.wall for r in s.runs) * 1000:.0f} ms"  # noqa: E731
    print(table)
    print(f"single runs: rcompose {spread(rc)}, reference {spread(ref)}")
    if args.markdown:
        with open(args.markdown, "a") as f:
            f.write(table)


if __name__ == "__main__":
    main()
